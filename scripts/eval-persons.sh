#!/usr/bin/env bash
# The person index judged end to end, the way an independent held-out corpus judges it: the synthetic corpus of
# `simpul-bench match` written as the source systems' own files (`simpul-bench gen persons`), ingested with
# `simpul ingest` through the reference connectors (the registry first, then SiCantik, OSS, SIMDA; the index
# updates as each source arrives), exported with `simpul persons export`, and scored by scripts/eval_persons.py,
# which shares no code with the hub.
#   usage: scripts/eval-persons.sh [MENTIONS] [SEED] [ORDER] [REGION]   (defaults 100000, 42, registry-first, all of
#          Indonesia; ORDER registry-last ingests the registry after the other sources; REGION, a province or kab/kota
#          code such as 75.01, puts the whole population in that region's kecamatan, as in one pemda's hub)
#   SIMPUL_CORPUS_SERIALS=sequential issues NIK serials in order, as Dukcapil does (neighbours one digit apart);
#   SIMPUL_CORPUS_MONTH_FIRST=SHARE writes that share of SiCantik birth dates month first.
#   SIMPUL_CORPUS=heldout writes the corpus with scripts/heldout_persons.py instead, which shares no code or name list
#   with the hub (MENTIONS is then the number of residents, REGION a kab/kota, default 75.71).
# Exits non-zero if a same-NIK clash was merged, a mention is missing from the export, or a file or row was
# rejected (the generated files are all valid input).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
SEED=${2:-42}
ORDER=${3:-registry-first}
REGION=${4:-}
source scripts/release-build.sh
if [ "${SIMPUL_CORPUS:-}" = heldout ]; then
  python3 scripts/heldout_persons.py "$N" "$SEED" "$work/files" ${REGION:+"$REGION"}
else
  "$BIN/simpul-bench" gen persons "$N" "$work/files" "$SEED" ${REGION:+"$REGION"}
fi
"$BIN/simpul" init --db "$work/simpul.db" >/dev/null
# The hub's person key from the seed (a hub makes its own at random): person ids, and so the persons sampled to
# estimate u, are then the same in every run with this seed, and two builds' figures compare exactly.
"$BIN/simpul-bench" person-key "$work/simpul.db" "eval-persons $SEED"
if [ "$ORDER" = registry-last ]; then
  sources="sicantik oss-rba simda-keuangan dukcapil-siak"
else
  sources="dukcapil-siak sicantik oss-rba simda-keuangan"
fi
total=0
# Peak RSS through GNU time where it is installed (Debian `time`); else it prints 0.
TIME=""
if [ -x /usr/bin/time ]; then TIME="/usr/bin/time -f %M -o"; fi
for c in $sources; do
  start=$(date +%s.%N)
  echo 0 > "$work/$c.rss"
  ${TIME:+$TIME "$work/$c.rss"} "$BIN/simpul" ingest --db "$work/simpul.db" --connector "$c" "$work/files/$c" --json > "$work/$c.json" 2> "$work/$c.err"
  secs=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")
  total=$(python3 -c "print(round($total + $secs, 1))")
  python3 - "$work/$c.json" "$secs" "$(tail -n 1 "$work/$c.rss")" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
rss = int(sys.argv[3]) / 1024
rejected = [f["file"] for f in s["files"] if f["rejected_file"]]
print(f"ingest    {s['connector']:15} read {s['read']}, accepted {s['accepted']}, dead-lettered {s['dead_lettered']}, "
      f"{sys.argv[2]} s with the index update, peak RSS {rss:.0f} MiB" + (f"; REJECTED FILES {rejected}" if rejected else ""))
sys.exit(1 if rejected or s["dead_lettered"] else 0)
EOF
  grep -h "^person index" "$work/$c.err" | sed 's/^/          /' || true
done
echo "ingest    all sources ${total} s"
start=$(date +%s.%N)
"$BIN/simpul" persons export --db "$work/simpul.db" --format ndjson > "$work/export.ndjson"
echo "export    $(wc -l < "$work/export.ndjson") persons in $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s" \
  "(audited: $(sqlite3 "$work/simpul.db-audit" "SELECT count(*) FROM audit WHERE route = 'persons export'" 2>/dev/null || echo '?') entries)"
python3 scripts/eval_persons.py "$work/files/truth.ndjson" "$work/export.ndjson"
