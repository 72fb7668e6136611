#!/usr/bin/env bash
# Crash safety of the person index: the synthetic corpus as source files (`simpul-bench gen persons`) ingested source
# by source with the index updating as each arrives, once straight through and once with `simpul ingest` killed
# (SIGKILL) at random moments of each source, during its rows or its index update, then run to the end. The two hubs
# (same person key) must end with the same persons under the same ids, the same links and the same review queue, and
# every mention exactly once. Then the crashed hub is rebuilt (`simpul persons update --rebuild`, killed once mid-way
# and finished by `simpul persons update`): a full rebuild must give the same again.
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

# Compares two exports: the same persons under the same ids, links and review queue, every mention exactly once.
compare() {
  python3 - "$@" <<'PY'
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

what, name = sys.argv[1], sys.argv[2]
clean, clean_seen = load(sys.argv[3])
other, other_seen = load(sys.argv[4])
truth = {json.loads(l)["key"] for l in open(sys.argv[5])}
problems = []
for hub, seen in (("clean", clean_seen), (name, other_seen)):
    missing = truth - seen.keys()
    twice = [k for k, n in seen.items() if n > 1 and k in truth]
    if missing: problems.append(f"{len(missing)} mentions missing from the {hub} hub's export, e.g. {sorted(missing)[:3]}")
    if twice: problems.append(f"{len(twice)} mentions twice in the {hub} hub's export, e.g. {sorted(twice)[:3]}")
differ = clean ^ other
if differ:
    problems.append(f"{len(differ)} lines of the two exports differ, e.g. {sorted(differ)[:4]}")
persons = sum(1 for l in clean if l.startswith("person "))
print(f"compared: {persons} persons, {len(truth)} mentions; the {name} hub's export {'differs' if differ else 'equals the clean one'}")
if problems:
    print(f"{what}: FAIL")
    for p in problems: print("  - " + p)
    sys.exit(1)
print(f"{what}: PASS (same persons, ids, links and review queue; no mention lost or doubled)")
PY
}
compare "person index crash test" crashed "$work/clean.ndjson" "$work/crash.ndjson" "$work/files/truth.ndjson"

# A full rebuild decides every mention again, update by update as the hub first did, and gives the same: killed once
# part-way through (it commits in batches), then finished by the next update.
start=$(date +%s.%N)
"$BIN/simpul" persons update --db "$work/crash.db" --rebuild --json > /dev/null 2>&1 &
pid=$!
index=0
for c in $sources; do index=$(python3 -c "print($index + ${total[$c]} - ${rows[$c]})"); done
delay=$(python3 -c "import random; print(round(random.uniform(0.1, 0.6) * $index, 2))")
sleep "$delay"
if kill -9 "$pid" 2>/dev/null; then
  { wait "$pid"; } 2>/dev/null || true
  left=$(python3 - "$work/crash.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
pending = db.execute("SELECT count(*) FROM person_pending").fetchone()[0]
done = db.execute("SELECT value FROM meta WHERE key = 'persons_rebuild_replayed'").fetchone()
updates = db.execute("SELECT count(*) FROM person_updates").fetchone()[0]
print(f"{pending} mentions still to decide, {done[0] if done else 0} of {updates} updates replayed")
PY
)
  echo "rebuild: SIGKILL after $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s, $left"
else
  wait "$pid" || true
  echo "rebuild: ran through before the kill was due"
fi
"$BIN/simpul" persons update --db "$work/crash.db" --json > /dev/null
"$BIN/simpul" persons export --db "$work/crash.db" --format ndjson > "$work/rebuilt.ndjson"
compare "person index rebuild" rebuilt "$work/clean.ndjson" "$work/rebuilt.ndjson" "$work/files/truth.ndjson"
