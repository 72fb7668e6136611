#!/usr/bin/env bash
# Simpul's HTTP/1.1 request parser against h11 (PyPI), a strict implementation of RFC 9112's message syntax, on
# random requests, well-formed and broken, with the mutations request smuggling uses. h11 is installed into a
# private virtualenv here: a test tool, never a runtime dependency.
# scripts/http_differential.py writes the requests with h11's reading; HTTPDifferentialTests compares.
#
#   scripts/http-differential.sh [COUNT] [SEED]      (defaults 20000, 1)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-20000}
SEED=${2:-1}
VENV=${SIMPUL_H11_VENV:-/tmp/simpul-h11-venv}
if ! [ -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import h11' 2>/dev/null; then
  echo "== installing h11 into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'h11>=0.16,<1'
fi
W=$(mktemp -d /tmp/simpul-http-diff.XXXXXX)
trap 'rm -rf "$W"' EXIT
"$VENV/bin/python" scripts/http_differential.py "$COUNT" "$SEED" "$W/corpus.ndjson"
HTTP_DIFFERENTIAL_CORPUS="$W/corpus.ndjson" swift test --filter HTTPDifferentialTests 2>&1 \
  | grep -E "HTTP differential|^  (refused|read)|✘ Test run|✔ Test run|error:|↳ [0-9]+ ×"
exit "${PIPESTATUS[0]}"
