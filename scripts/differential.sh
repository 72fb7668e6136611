#!/usr/bin/env bash
# Simpul's hand-written readers against reference implementations, on random inputs, valid and broken:
#   json   the JSON parser and the two-pass document reader against CPython's `json` module
#          (scripts/json_differential.py writes the texts with CPython's verdicts; JSONDifferentialTests compares);
#   csv    the CSV reader against CPython's `csv` module, on exports with real-world quoting and line ends
#          (scripts/csv_differential.py; CSVDifferentialTests);
#   regex  the schema validator's pattern engine against V8's RegExp (node, `u` flag), on random patterns of the
#          supported ECMA-262 subset (scripts/regex_differential.js; RegexDifferentialTests);
#   http   the HTTP/1.1 request parser against h11 (PyPI), a strict reader of RFC 9112, with the mutations request
#          smuggling uses (scripts/http_differential.py; HTTPDifferentialTests). h11 goes into a private
#          virtualenv here: a test tool, never a runtime dependency.
#   gzip   the gzip/DEFLATE reader against CPython's gzip module, on files made by zlib at every level and
#          strategy, several members, header fields, and broken ones; and the ZIP reader against zipfile on archives
#          in the shapes tools write, ZIP64 among them (scripts/gzip_differential.py; GzipTests).
#
#   scripts/differential.sh json|csv|regex|http|gzip [COUNT] [SEED]
#   (defaults: 20000 texts, 2000 files, 5000 patterns, 20000 requests, 1000 gzip files; seed 1)
set -euo pipefail
cd "$(dirname "$0")/.."
KIND=${1:?usage: scripts/differential.sh json|csv|regex|http|gzip [COUNT] [SEED]}
SEED=${3:-1}
W=$(mktemp -d /tmp/simpul-differential.XXXXXX)
trap 'rm -rf "$W"' EXIT
PY=python3
case "$KIND" in
  json) COUNT=${2:-20000}; OUT="$W/corpus.ndjson"; ENV=JSON_DIFFERENTIAL_CORPUS; SUITE=JSONDifferentialTests
        SHOW="JSON differential|CPython|whole parse" ;;
  csv)  COUNT=${2:-2000}; OUT="$W"; ENV=CSV_DIFFERENTIAL_DIR; SUITE=CSVDifferentialTests
        SHOW="CSV differential|\.csv \(" ;;
  http) COUNT=${2:-20000}; OUT="$W/corpus.ndjson"; ENV=HTTP_DIFFERENTIAL_CORPUS; SUITE=HTTPDifferentialTests
        SHOW="HTTP differential|^  (refused|read)|↳ [0-9]+ ×"
        VENV=${SIMPUL_H11_VENV:-/tmp/simpul-h11-venv}
        if ! [ -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import h11' 2>/dev/null; then
          echo "== installing h11 into $VENV"
          python3 -m venv "$VENV"
          "$VENV/bin/pip" install -q 'h11>=0.16,<1'
        fi
        PY="$VENV/bin/python" ;;
  regex) COUNT=${2:-5000}; OUT="$W/corpus.ndjson"; ENV=REGEX_DIFFERENTIAL_CORPUS; SUITE=RegexDifferentialTests
        SHOW="regex differential|↳ \""
        if ! command -v node >/dev/null; then
          echo "== installing nodejs (Debian)"
          (apt-get update -qq && apt-get install -y -qq nodejs) >/dev/null
        fi
        PY=node ;;
  gzip) COUNT=${2:-1000}; OUT="$W"; ENV=GZIP_DIFFERENTIAL_DIR; SUITE=GzipTests
        SHOW="gzip differential|✘ .*againstCPython" ;;
  *) echo "usage: scripts/differential.sh json|csv|regex|http|gzip [COUNT] [SEED]" >&2; exit 64 ;;
esac
SCRIPT="scripts/${KIND}_differential.py"
[ "$KIND" = regex ] && SCRIPT=scripts/regex_differential.js
"$PY" "$SCRIPT" "$COUNT" "$SEED" "$OUT"
env "$ENV=$OUT" swift test --filter "$SUITE" 2>&1 | grep -E "$SHOW|✘ Test run|✔ Test run|error:"
exit "${PIPESTATUS[0]}"
