#!/usr/bin/env bash
# Simpul's CSV reader against CPython's `csv` module, a reference reader of CSV, on random exports with the quirks
# of real ones (quoting, quoted delimiters and line breaks, CRLF/LF, BOM, no final line break): the same records.
# scripts/csv_differential.py writes the files with CPython's reading; CSVDifferentialTests compares.
#
#   scripts/csv-differential.sh [FILES] [SEED]      (defaults 2000, 1)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-2000}
SEED=${2:-1}
W=$(mktemp -d /tmp/simpul-csv-diff.XXXXXX)
trap 'rm -rf "$W"' EXIT
python3 scripts/csv_differential.py "$COUNT" "$SEED" "$W"
CSV_DIFFERENTIAL_DIR="$W" swift test --filter CSVDifferentialTests 2>&1 \
  | grep -E "CSV differential|✘ Test run|✔ Test run|error:|\.csv \("
exit "${PIPESTATUS[0]}"
