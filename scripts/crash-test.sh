#!/usr/bin/env bash
# Crash safety: SIGKILL `simpul ingest` several times in the middle of a large SIAK ingest, then run it to the end,
# and check the store equals a clean run's: same current records, same record versions (no duplicates), the same
# raw log with gap-free sequence numbers (no loss).
#   usage: scripts/crash-test.sh [ROWS] [KILLS]     (defaults 200000 rows, 5 kills)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-200000}
KILLS=${2:-5}
source scripts/release-build.sh
"$BIN/simpul-bench" gen siak "$ROWS" "$work/siak.csv"

start=$(python3 -c "import time; print(time.time())")
"$BIN/simpul" ingest --db "$work/clean.db" --connector dukcapil-siak --no-persons "$work/siak.csv" --json > "$work/clean.json"
clean_secs=$(python3 -c "import time; print(time.time() - $start)")
echo "clean run: $(cat "$work/clean.json" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["accepted"], "accepted in", s["seconds"], "s")')"

killed=0
for i in $(seq 1 "$KILLS"); do
  "$BIN/simpul" ingest --db "$work/crash.db" --connector dukcapil-siak --no-persons "$work/siak.csv" --json > "$work/run$i.json" 2>/dev/null &
  pid=$!
  # Kill somewhere between 10% and 90% of a clean run's duration.
  delay=$(python3 -c "import random; print(round(random.uniform(0.1, 0.9) * $clean_secs, 2))")
  sleep "$delay"
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); echo "run $i: SIGKILL after ${delay}s"; fi
  wait "$pid" 2>/dev/null || true
done
"$BIN/simpul" ingest --db "$work/crash.db" --connector dukcapil-siak --no-persons "$work/siak.csv" --json > "$work/final.json"
echo "final run: $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("accepted", s["accepted"], "unchanged", s["unchanged"], "dead-lettered", s["dead_lettered"])' "$work/final.json")"

python3 - "$work/clean.db" "$work/crash.db" "$ROWS" <<'PY'
import sys
sys.path.insert(0, "scripts")
from store_state import state
clean, crash = state(sys.argv[1], "dukcapil-siak"), state(sys.argv[2], "dukcapil-siak")
rows = int(sys.argv[3])
print("clean:", clean)
print("crash:", crash)
ok = clean == crash and clean["records"] == rows and crash["raw_gap_free"] and crash["integrity"] == "ok"
print("crash test:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
echo "SIGKILLed $killed of $KILLS runs mid-ingest"
