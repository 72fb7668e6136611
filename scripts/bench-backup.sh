#!/usr/bin/env bash
# `simpul backup` measured: builds a hub of ROWS synthetic SIAK rows (no person index), then copies it with `simpul backup` (with and without its checks) and, as the baseline in the same
# run, with `cp` of the two files (what a file copy costs; not consistent while the hub is written). Prints seconds,
# MiB/s, the ratio to cp and peak RSS. Then once more while an ingest writes to the hub: the copy must check sound.
#   usage: scripts/bench-backup.sh [ROWS]      (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
source scripts/release-build.sh
"$BIN/simpul-bench" gen siak "$ROWS" "$work/biodata.csv" >/dev/null
"$BIN/simpul" init --db "$work/simpul.db" >/dev/null
"$BIN/simpul" ingest --no-persons --db "$work/simpul.db" --connector dukcapil-siak "$work/biodata.csv" >/dev/null
sync
size=$(( $(stat -c %s "$work/simpul.db") + $(stat -c %s "$work/simpul.db-audit") ))
echo "hub: $ROWS rows, $(( $(stat -c %s "$work/simpul.db") / 1048576 )) MiB; audit log $(( $(stat -c %s "$work/simpul.db-audit") / 1048576 )) MiB"
TIME=""
if [ -x /usr/bin/time ]; then TIME="/usr/bin/time -f %M -o $work/rss"; fi
measure() {  # name, command…
  local name=$1; shift
  echo 0 > "$work/rss"
  local start end
  start=$(date +%s.%N)
  ${TIME:+$TIME} "$@" >/dev/null
  end=$(date +%s.%N)
  python3 - "$name" "$start" "$end" "$size" "$(tail -n 1 "$work/rss")" "${CP_SECONDS:-0}" <<'PY'
import sys
name, start, end, size, rss, cp = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
s = end - start
ratio = f", {cp / s:.2f}× the speed of cp" if cp else ""
print(f"{name:28s} {s:7.2f} s  {size / 1048576 / s:8.1f} MiB/s  peak RSS {rss / 1024:6.1f} MiB{ratio}")
PY
  echo "$start $end" > "$work/last"
}
rm -f "$work"/cp.db*
measure "cp (baseline)" sh -c "cp '$work/simpul.db' '$work/cp.db' && cp '$work/simpul.db-audit' '$work/cp.db-audit' && sync"
read -r s e < "$work/last"; CP_SECONDS=$(python3 -c "print($e - $s)")
measure "simpul backup --no-check" sh -c "'$BIN/simpul' backup --no-check --db '$work/simpul.db' --to '$work/b1.db' && sync"
measure "simpul backup (checked)" sh -c "'$BIN/simpul' backup --db '$work/simpul.db' --to '$work/b2.db' && sync"
rm -f "$work"/b1.db* "$work"/b2.db* "$work"/cp.db*
# Under writes: a second snapshot ingests while the copy is taken.
"$BIN/simpul-bench" gen siak "$(( ROWS / 5 ))" "$work/next.csv" household >/dev/null
"$BIN/simpul" ingest --no-persons --db "$work/simpul.db" --connector dukcapil-siak "$work/next.csv" >/dev/null &
ing=$!
sleep 1
measure "simpul backup, ingest running" "$BIN/simpul" backup --db "$work/simpul.db" --to "$work/b3.db"
wait "$ing"
echo "the copy taken during the ingest checked sound (quick_check, audit chain)"
