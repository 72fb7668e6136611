#!/usr/bin/env bash
# Crash safety: SIGKILL `simpul ingest` several times in the middle of a large SIAK ingest, then run it to the end,
# and check the store equals a clean run's: same current records, same record versions (no duplicates), the same
# raw log with gap-free sequence numbers (no loss). Then the same with the next month's snapshot, in which a tenth
# of the rows changed (exactly one new version each), and with a replay after a mapping fix.
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

# Runs the ingest of FILE into the crash hub KILLS times, each killed (SIGKILL) at a random moment of a clean run's
# SPAN seconds, then once to the end; prints what the last run found.
# Sets cmd to the simpul command line of a run: a file (an ingest) or a connector folder (a replay).
set_command() {
  if [ -d "$1" ]; then
    cmd=("$BIN/simpul" replay --db "$work/crash.db" --connector "$1" --json)
  else
    cmd=("$BIN/simpul" ingest --db "$work/crash.db" --connector dukcapil-siak --no-persons "$1" --json)
  fi
}
killed_runs() {  # file or connector folder, span in seconds, label
  local killed=0
  set_command "$1"
  for i in $(seq 1 "$KILLS"); do
    # The command itself in the background, so that $! is simpul: until 2026-11-29 a function ran here, $! was the
    # subshell around it, and the SIGKILL ended that subshell while simpul ran on beside the next run (which the
    # busy timeout serialised, so the comparison still passed, until a slow machine's write transaction outlasted
    # the timeout: "database is locked").
    "${cmd[@]}" > /dev/null 2> "$work/killed.err" &
    local pid=$!
    local delay
    # Each run resumes, so each has less left to do: the span shrinks with the runs before it.
    delay=$(python3 -c "import random; print(round(random.uniform(0.1, 0.9) * $2 / $i, 2))")
    sleep "$delay"
    if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); echo "$3, run $i: SIGKILL after ${delay}s"; else echo "$3, run $i: ended before the kill after ${delay}s: $(tail -c 300 "$work/killed.err")"; fi
    wait "$pid" 2>/dev/null || true
    if pgrep -f "simpul .*--db $work/crash.db" > /dev/null; then echo "$3, run $i: a simpul process outlived its kill"; exit 1; fi
  done
  "${cmd[@]}" > "$work/final.json"
  echo "$3, final run: $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(", ".join(f"{k} {s[k]}" for k in ("accepted", "unchanged", "dead_lettered", "replayed") if k in s))' "$work/final.json"); SIGKILLed $killed of $KILLS runs"
}
killed_runs "$work/siak.csv" "$clean_secs" "first snapshot"

compare() {  # label, expected versions
  python3 - "$work/clean.db" "$work/crash.db" "$ROWS" "$2" "$1" <<'PY'
import sys
sys.path.insert(0, "scripts")
from store_state import state
clean, crash = state(sys.argv[1], "dukcapil-siak"), state(sys.argv[2], "dukcapil-siak")
rows, versions = int(sys.argv[3]), int(sys.argv[4])
print("clean:", clean)
print("crash:", crash)
ok = clean == crash and clean["records"] == rows and clean["versions"] == versions and crash["raw_gap_free"] and crash["integrity"] == "ok"
print(f"crash test ({sys.argv[5]}):", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
}
compare "first snapshot" "$ROWS"

# The next month's snapshot: the same rows, every tenth one moved house (a new address and TGL_UPDATE). Killed
# mid-ingest the same way, it must end with exactly one new version per changed row, like a clean run.
python3 - "$work/siak.csv" "$work/siak2.csv" <<'PY'
import sys
src, dst = open(sys.argv[1], encoding="utf-8", newline=""), open(sys.argv[2], "w", encoding="utf-8", newline="")
header = src.readline()
dst.write(header)
cols = header.rstrip("\r\n").split(";")
alamat, update = cols.index("ALAMAT"), cols.index("TGL_UPDATE")
for n, line in enumerate(src):
    f = line.rstrip("\r\n").split(";")
    if n % 10 == 0:
        f[alamat] = "JL. PINDAHAN NO. " + str(n % 97)
        f[update] = "2024-12-02 08:00:00"
    dst.write(";".join(f) + "\n")
PY
start=$(python3 -c "import time; print(time.time())")
"$BIN/simpul" ingest --db "$work/clean.db" --connector dukcapil-siak --no-persons "$work/siak2.csv" --json > /dev/null
clean2_secs=$(python3 -c "import time; print(time.time() - $start)")
killed_runs "$work/siak2.csv" "$clean2_secs" "next snapshot"
compare "next snapshot, a tenth of the rows changed" "$((ROWS + (ROWS + 9) / 10))"

# A replay after a mapping fix (TMPT_LHR now in lower case), killed the same way: it re-normalises the raw log and
# must end as a clean replay does: a new current version of every record, and for each record that moved house its
# first snapshot's row once more as history (older than the current one), no more. Before record_versions_key
# (migration 12), a replay resumed after a kill stored that history version again each time.
cp -r connectors/dukcapil-siak "$work/dukcapil-siak"
python3 - "$work/dukcapil-siak/connector.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["outputs"][0]["fields"]["tempat_lahir"] = {"from": "TMPT_LHR", "transform": ["collapse", "lower"]}
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
start=$(python3 -c "import time; print(time.time())")
"$BIN/simpul" replay --db "$work/clean.db" --connector "$work/dukcapil-siak" --json > /dev/null
replay_secs=$(python3 -c "import time; print(time.time() - $start)")
killed_runs "$work/dukcapil-siak" "$replay_secs" "replay"
compare "replay after a mapping fix" "$((ROWS + (ROWS + 9) / 10 + ROWS + (ROWS + 9) / 10))"
