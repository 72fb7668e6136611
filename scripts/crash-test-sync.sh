#!/usr/bin/env bash
# Crash safety of sync connectors: SIGKILL `simpul connector run` several times in the middle of an external
# connector's read (the Python simbg-pbg example on a large generated export), then run it to the end, and check
# the store equals a clean run's: same current records, no duplicate versions, gap-free raw log, and the saved
# state at the end of the export. Each run after a kill must resume (read fewer records than the whole export).
#   usage: scripts/crash-test-sync.sh [RECORDS] [KILLS]     (defaults 100000 records, 4 kills)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RECORDS=${1:-100000}
KILLS=${2:-4}
source scripts/release-build.sh

python3 - "$work/pbg.csv" "$RECORDS" <<'PY'
import csv, sys
cols = ["id_pbg", "no_registrasi", "nama_pemilik", "nik_pemilik", "alamat_bangunan", "kode_wilayah", "fungsi_bangunan",
        "luas_bangunan_m2", "jumlah_lantai", "nilai_retribusi", "status", "tgl_permohonan", "tgl_terbit", "no_pbg", "updated_at"]
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(cols)
    for i in range(int(sys.argv[2])):
        m, d = 1 + i % 12, 1 + i % 28
        w.writerow([f"PBG-{i:07d}", f"REG-{i:07d}", f"SITI AMINAH {i % 997}", f"757101{d:02d}{m:02d}{60 + i % 40:02d}{1 + i % 9000:04d}",
                    "Jl. Panjaitan", "75.71.01.1001", "Hunian", "120,50", "2", "Rp 1.250.000", "PBG Terbit",
                    f"2024-{m:02d}-{d:02d}", f"{d:02d}/{m:02d}/2024", f"SK-{i}", f"2024-{m:02d}-{d:02d} {i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}"])
PY
mkdir -p "$work/simbg-pbg"
python3 - "$ROOT/connectors/simbg-pbg/connector.json" "$work/simbg-pbg/connector.json" "$ROOT/connectors/simbg-pbg/simbg_pbg.py" "$work/pbg.csv" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["source"]["command"] = ["python3", sys.argv[3]]
c["source"]["config"] = {"export_path": sys.argv[4], "state_every": 1000}
json.dump(c, open(sys.argv[2], "w"))
PY

run() { exec "$BIN/simpul" connector run "$work/simbg-pbg" --db "$1" --no-persons --json; }
start=$(python3 -c "import time; print(time.time())")
(run "$work/clean.db") > "$work/clean.json"
clean_secs=$(python3 -c "import time; print(time.time() - $start)")
echo "clean run: $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["accepted"], "accepted in", s["seconds"], "s")' "$work/clean.json")"

killed=0
for i in $(seq 1 "$KILLS"); do
  # exec: $! is simpul itself, not a subshell around it.
  (run "$work/crash.db") > "$work/run$i.json" 2>/dev/null &
  pid=$!
  # Each run resumes, so each has less left to do: kill early enough to land mid-read.
  delay=$(python3 -c "import random; print(round(random.uniform(0.1, 0.6) * $clean_secs / $i, 2))")
  sleep "$delay"
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); echo "run $i: SIGKILL after ${delay}s"; fi
  wait "$pid" 2>/dev/null || true
done
(run "$work/crash.db") > "$work/final.json"
echo "final run: $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("read", s["read"], "accepted", s["accepted"], "unchanged", s["unchanged"], "status", s["status"])' "$work/final.json")"

python3 - "$work/clean.db" "$work/crash.db" "$RECORDS" "$work/final.json" <<'PY'
import json, sqlite3, sys
sys.path.insert(0, "scripts")
from store_state import state
clean, crash = state(sys.argv[1], "simbg-pbg"), state(sys.argv[2], "simbg-pbg")
runs = sqlite3.connect(sys.argv[2]).execute("SELECT status, count(*) FROM runs GROUP BY status").fetchall()
final = json.load(open(sys.argv[4]))
print("clean:", clean)
print("crash:", crash)
print("runs:", dict(runs))
ok = clean == crash and clean["records"] == int(sys.argv[3]) and crash["integrity"] == "ok" and final["status"] == "ok"
print("sync crash test:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
