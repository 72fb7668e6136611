#!/usr/bin/env bash
# Simpul's JSON Schema validator against the official JSON Schema Test Suite (json-schema-org, draft 2020-12,
# MIT licence). The suite is not committed here: it is fetched from PyPI, inside the source package of the Python
# `jsonschema` library, which carries it in `json/tests/` (pinned version, fetched with pip, which checks its
# hash against the index; cached in /tmp). Then it runs the Swift
# test `JSONSchemaSuiteTests` on the draft 2020-12 folder: every test group whose schema Simpul loads must give the
# suite's answer in every case; a schema with keywords outside Simpul's subset must be refused when it loads.
#
#   scripts/json-schema-suite.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.26.0
CACHE=${SIMPUL_SUITE_CACHE:-/tmp/simpul-json-schema-suite}
SUITE="$CACHE/jsonschema-$VERSION/json/tests/draft2020-12"
if ! [ -f "$SUITE/type.json" ]; then
  echo "== fetching the JSON Schema Test Suite (jsonschema $VERSION source package, PyPI)"
  mkdir -p "$CACHE"
  python3 -m pip download -q --no-deps --no-binary :all: -d "$CACHE" "jsonschema==$VERSION"
  python3 - "$CACHE/jsonschema-$VERSION.tar.gz" "$CACHE" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    members = [m for m in t.getmembers() if "/json/tests/draft2020-12/" in m.name or m.name.endswith("/json/LICENSE")]
    t.extractall(sys.argv[2], members=members, filter="data")
PY
fi
echo "== JSON Schema Test Suite, draft 2020-12 ($SUITE)"
JSON_SCHEMA_TEST_SUITE="$SUITE" swift test --filter JSONSchemaSuiteTests 2>&1 | grep -E "JSON Schema Test Suite|✘ Test run|✔ Test run|error:|: expected (valid|invalid)|no group of"
exit "${PIPESTATUS[0]}"
