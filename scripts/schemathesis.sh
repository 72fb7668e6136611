#!/usr/bin/env bash
# Property-based API testing with schemathesis (PyPI) against the hub's own /openapi.json: a demo hub, an OPD
# granted everything (with a purpose), and every check schemathesis has. Passes when no request gets a server
# error and no response breaks the document. schemathesis is installed into a private virtualenv here: a test
# tool, never a runtime dependency.
#
#   scripts/schemathesis.sh [MAX_SECONDS]      (default 120)
set -euo pipefail
cd "$(dirname "$0")/.."
MAX=${1:-120}
VENV=${SIMPUL_ST_VENV:-/tmp/simpul-schemathesis-venv}
if ! [ -x "$VENV/bin/st" ]; then
  echo "== installing schemathesis into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'schemathesis>=4,<5'
fi
swift build --product simpul >/dev/null
BIN=$(swift build --show-bin-path)/simpul
W=$(mktemp -d /tmp/simpul-st.XXXXXX)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT

"$BIN" demo --no-serve --dir "$W" > /dev/null
TOKEN=$("$BIN" opd add schemathesis --db "$W/simpul.db" --grant '*' --purpose uji --rate 1000000 --json \
        | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --db "$W/simpul.db" --port "$PORT" > "$W/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

echo "== schemathesis against http://127.0.0.1:$PORT/openapi.json (up to $MAX s)"
run_st() {  # PHASES [MORE OPTIONS]
  local phases=$1
  shift
  "$VENV/bin/st" run "http://127.0.0.1:$PORT/openapi.json" \
    --header "Authorization: Bearer $TOKEN" --header "X-Purpose: uji" \
    --checks all --max-time "${ST_MAX:-$MAX}" --workers 2 --request-timeout 40 --seed 1 --phases "$phases" \
    --suppress-health-check all --warnings off "$@" 2>&1 | tee "$W/st.out"
  return "${PIPESTATUS[0]}"
}
set +e
run_st examples,coverage,fuzzing
rc=$?
# schemathesis's coverage phase sometimes fails inside hypothesis on Python 3.11 ("Runtime Error: AST constructor
# recursion depth mismatch", an exception in the tool, not a finding against the API). Then the other phases run
# once more on their own; a real failure (a "Failures:" section) is never retried.
if [ "$rc" -ne 0 ] && ! grep -q "^Failures:" "$W/st.out" && grep -q "Runtime Error" "$W/st.out"; then
  echo "== schemathesis had an internal error (not an API failure); running the examples and fuzzing phases again"
  run_st examples,fuzzing
  rc=$?
fi
# The stateful phase chains operations through links schemathesis infers (audit/access?nik= → citizens/{nik}).
# When it cannot fill an inferred link it sends the template itself (GET /v1/citizens/%7Bnik%7D) and then calls
# our 400 for that schema-invalid path a "schema-valid request rejected". So this phase runs every check but that
# one (positive_data_acceptance, which the phases above do run).
if [ "$rc" -eq 0 ]; then
  echo "== stateful phase"
  ST_MAX=$(( (MAX + 1) / 2 )) run_st stateful --exclude-checks positive_data_acceptance
  rc=$?
fi
set -e
kill -TERM "$SERVER"; wait "$SERVER"; SERVER=""
echo "== server exited cleanly after SIGTERM; schemathesis exit $rc"
exit $rc
