#!/usr/bin/env bash
# Crash safety of the person index: the synthetic corpus as source files (`simpul-bench gen persons`) ingested source
# by source with the index updating as each arrives, once straight through and once with `simpul ingest` killed
# (SIGKILL) at random moments of each source, during its rows or its index update, then run to the end. The two hubs
# (same person key) must end with the same persons under the same ids, the same links and the same review queue, and
# every mention exactly once.
#   usage: scripts/crash-test-persons.sh [MENTIONS] [KILLS PER SOURCE] [SEED]   (defaults 50000, 3, 42)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-50000}
KILLS=${2:-3}
SEED=${3:-42}
source scripts/release-build.sh
"$BIN/simpul-bench" gen persons "$N" "$work/files" "$SEED"
for hub in clean crash; do
  "$BIN/simpul" init --db "$work/$hub.db" >/dev/null
  "$BIN/simpul-bench" person-key "$work/$hub.db" "crash-test-persons $SEED"
done
sources="dukcapil-siak sicantik oss-rba simda-keuangan"

# Each source's clean run: its whole time, and the part before the index update (the summary's seconds).
declare -A total rows
for c in $sources; do
  start=$(date +%s.%N)
  "$BIN/simpul" ingest --db "$work/clean.db" --connector "$c" "$work/files/$c" --json > "$work/clean-$c.json" 2>/dev/null
  total[$c]=$(python3 -c "print($(date +%s.%N) - $start)")
  rows[$c]=$(python3 -c "import json; print(json.load(open('$work/clean-$c.json'))['seconds'])")
done
echo "clean run: $(python3 -c "print(round($(IFS=+; echo "${total[*]}"), 1))") s for the four sources with their index updates"

# Where a killed run stopped: an index update saves its progress with every batch it commits and drops it at its end.
where() {
  python3 - "$1" <<'PY'
import json, sqlite3, sys
row = sqlite3.connect(sys.argv[1]).execute("SELECT value FROM meta WHERE key = 'person_update_progress'").fetchone()
print(f"inside the index update, after {json.loads(row[0])['batches']} committed batches" if row
      else "in the rows, or in the index update before its first batch committed")
PY
}
killed=0
inside=0
for c in $sources; do
  for i in $(seq 1 "$KILLS"); do
    "$BIN/simpul" ingest --db "$work/crash.db" --connector "$c" "$work/files/$c" --json > /dev/null 2>&1 &
    pid=$!
    # Odd runs aim at the index update, even ones anywhere.
    delay=$(python3 -c "
import random
t, r = ${total[$c]}, ${rows[$c]}
print(round(r + random.uniform(0.05, 0.95) * (t - r) if $i % 2 else random.uniform(0.05, 0.95) * t, 2))")
    sleep "$delay"
    if kill -9 "$pid" 2>/dev/null; then
      killed=$((killed + 1))
      wait "$pid" 2>/dev/null || true
      w=$(where "$work/crash.db")
      case "$w" in inside*) inside=$((inside + 1)) ;; esac
      echo "$c run $i: SIGKILL after ${delay}s, $w"
    else
      wait "$pid" 2>/dev/null || true
    fi
  done
  "$BIN/simpul" ingest --db "$work/crash.db" --connector "$c" "$work/files/$c" --json > "$work/crash-$c.json" 2>/dev/null
done
echo "killed $killed times, $inside of them inside an index update with batches committed"

for hub in clean crash; do
  "$BIN/simpul" persons export --db "$work/$hub.db" --format ndjson > "$work/$hub.ndjson"
done
python3 - "$work/clean.ndjson" "$work/crash.ndjson" "$work/files/truth.ndjson" <<'PY'
import json, sys

def load(path):
    lines = set()
    seen = {}
    for line in open(path):
        p = json.loads(line)
        for m in p["mentions"]:
            seen[m["key"]] = seen.get(m["key"], 0) + 1
            lines.add(f'link {m["key"]} {p["person_id"]} {p["status"]} {m["link"]} {m["grade"]}')
        for r in p.get("review", []):
            seen[r["key"]] = seen.get(r["key"], 0) + 1
            lines.add(f'review {r["key"]} {p["person_id"]} {r["kind"]}')
        lines.add(f'person {p["person_id"]} {p["status"]} {p["nik"]}')
    return lines, seen

clean, clean_seen = load(sys.argv[1])
crash, crash_seen = load(sys.argv[2])
truth = {json.loads(l)["key"] for l in open(sys.argv[3])}
problems = []
for name, seen in (("clean", clean_seen), ("crashed", crash_seen)):
    missing = truth - seen.keys()
    twice = [k for k, n in seen.items() if n > 1 and k in truth]
    if missing: problems.append(f"{len(missing)} mentions missing from the {name} hub's export, e.g. {sorted(missing)[:3]}")
    if twice: problems.append(f"{len(twice)} mentions twice in the {name} hub's export, e.g. {sorted(twice)[:3]}")
differ = clean ^ crash
if differ:
    problems.append(f"{len(differ)} lines of the two exports differ, e.g. {sorted(differ)[:4]}")
persons = sum(1 for l in clean if l.startswith("person "))
print(f"compared: {persons} persons, {len(truth)} mentions; the crashed hub's export {'differs' if differ else 'equals the clean one'}")
if problems:
    print("person index crash test: FAIL")
    for p in problems: print("  - " + p)
    sys.exit(1)
print("person index crash test: PASS (same persons, ids, links and review queue; no mention lost or doubled)")
PY
