#!/usr/bin/env bash
# Simpul's JSON parser (and its streaming document reader) against CPython's `json` module, a reference reader of
# JSON, on random valid and broken texts: accepting exactly the same texts and reading the same values.
# scripts/json_differential.py writes the texts with CPython's verdicts; JSONDifferentialTests compares.
#
#   scripts/json-differential.sh [COUNT] [SEED]      (defaults 20000, 1)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-20000}
SEED=${2:-1}
W=$(mktemp -d /tmp/simpul-json-diff.XXXXXX)
trap 'rm -rf "$W"' EXIT
python3 scripts/json_differential.py "$COUNT" "$SEED" "$W/corpus.ndjson"
JSON_DIFFERENTIAL_CORPUS="$W/corpus.ndjson" swift test --filter JSONDifferentialTests 2>&1 \
  | grep -E "JSON differential|✘ Test run|✔ Test run|error:|CPython|whole parse"
exit "${PIPESTATUS[0]}"
