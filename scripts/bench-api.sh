#!/usr/bin/env bash
# The query endpoint under load: `wrk` against GET /v1/citizens/{nik} on a hub with N citizens (default 1,000,000),
# with authentication, purpose check and the audit log on (every request writes a hash-chained, group-committed
# audit entry before it answers), 64 connections. Baseline in the same run: `wrk` against nginx serving one
# static JSON file of the same size. Then the same load again while 1,000 idle keep-alive connections are open.
# Prints req/s, latency p50/p99, the ratio to nginx and the server's peak RSS. Numbers only; never fails on speed.
#
#   scripts/bench-api.sh [CITIZENS] [SECONDS] [WORKERS]     (WORKERS: handler threads; default simpul serve's)
#   SIMPUL_BENCH_PERSONS=0 scripts/bench-api.sh …            (without the person index: the registry-record path)
#   WARMUP=SECONDS scripts/bench-api.sh …                    (unmeasured load before the first phase; default 5, 0 = cold start)
# Installs wrk and nginx-light (Debian) if missing; they are benchmark tools, never runtime dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
CITIZENS=${1:-1000000}
SECS=${2:-20}
WORKERS=${3:-${SIMPUL_WORKERS:-}}
CONNS=64
THREADS=2
WARMUP=${WARMUP:-5}

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  (apt-get update -qq && apt-get install -y -qq "${need[@]}") >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
ulimit -n 65536 2>/dev/null || ulimit -n 4096

swift build -c release --product simpul >/dev/null
swift build -c release --product simpul-bench >/dev/null
BIN=$(swift build -c release --show-bin-path)
W=$(mktemp -d /tmp/simpul-bench-api.XXXXXX)
chmod 755 "$W"   # nginx workers run as another user and must read the static file
SERVER=""; NGX=""; IDLE=""; WALMON=""
cleanup() {
  [ -n "$WALMON" ] && kill "$WALMON" 2>/dev/null || true
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  [ -n "$IDLE" ] && kill "$IDLE" 2>/dev/null || true
  [ -n "$NGX" ] && kill "$NGX" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "== a hub with $CITIZENS citizens"
"$BIN/simpul-bench" gen siak "$CITIZENS" "$W/siak.csv"
t0=$(date +%s.%N)
# With the person index (the default), a lookup answers the golden record and its linked records, as a hub in use
# does; SIMPUL_BENCH_PERSONS=0 loads the registry without it (the lookup then reads the registry record).
if [ "${SIMPUL_BENCH_PERSONS:-1}" = 0 ]; then
  "$BIN/simpul" ingest --db "$W/hub.db" --connector dukcapil-siak --no-persons "$W/siak.csv" | tail -n 1
  PATHNOTE="registry record (no person index)"
else
  "$BIN/simpul" ingest --db "$W/hub.db" --connector dukcapil-siak "$W/siak.csv" | tail -n 2
  PATHNOTE="golden record (person index)"
fi
echo "   ingest took $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s; lookups answer the $PATHNOTE"
tail -n +2 "$W/siak.csv" | cut -d';' -f1 | shuf -n 10000 --random-source=<(yes) > "$W/niks.txt"
TOKEN=$("$BIN/simpul" opd add bench --db "$W/hub.db" --grant 'citizen:*' --grant 'permit:*' --grant 'business:*' --grant 'disbursement:*' \
        --purpose layanan --rate 100000000 --json | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')

# The hub a server serves was built earlier: its gigabytes of fresh pages are written back before measuring, so the
# kernel's writeback of the build does not compete with the audit log's fsyncs in the first phase.
sync

PORT=$(free_port)
"$BIN/simpul" serve --db "$W/hub.db" --port "$PORT" ${WORKERS:+--workers "$WORKERS"} > "$W/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
NIK=$(head -n 1 "$W/niks.txt")
curl -sf -H "Authorization: Bearer $TOKEN" -H "X-Purpose: layanan" "http://127.0.0.1:$PORT/v1/citizens/$NIK" > "$W/citizen.json"
echo "   one answer: $(wc -c < "$W/citizen.json") bytes"

cat > "$W/citizens.lua" <<LUA
local niks = {}
local token = os.getenv("SIMPUL_TOKEN")
init = function(args)
  for line in io.lines("$W/niks.txt") do niks[#niks + 1] = line end
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0))
end
request = function()
  return wrk.format("GET", "/v1/citizens/" .. niks[math.random(#niks)], {["Authorization"] = "Bearer " .. token, ["X-Purpose"] = "layanan"})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.0f %.3f %.3f %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
cat > "$W/static.lua" <<LUA
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.0f %.3f %.3f %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA

run_wrk() {  # url script label → prints a line, sets R_RPS R_P50 R_P99
  local line
  line=$(SIMPUL_TOKEN=$TOKEN wrk -t "$THREADS" -c "$CONNS" -d "${SECS}s" --timeout 5s -s "$2" "$1" | grep '^RESULT')
  read -r _ R_RPS R_P50 R_P99 R_NON2XX R_SOCKERR <<<"$line"
  printf '%-44s %9s req/s   p50 %7s ms   p99 %7s ms   non-2xx %s   socket errors %s\n' "$3" "$R_RPS" "$R_P50" "$R_P99" "$R_NON2XX" "$R_SOCKERR"
}

# The write-ahead log's size, sampled every half second while the server runs: it must stay bounded under load.
# Two logs: the hub's file and the audit log's own (hub.db-audit).
( while sleep 0.5; do echo "$(stat -c %s "$W/hub.db-wal" 2>/dev/null || echo 0) $(stat -c %s "$W/hub.db-audit-wal" 2>/dev/null || echo 0)"; done > "$W/wal-sizes" ) &
WALMON=$!

echo "== wrk: $THREADS threads, $CONNS connections, ${SECS} s each, after a ${WARMUP}s warm-up of each server (not counted)"
curl -s "http://127.0.0.1:$PORT/v1/citizens/$NIK" >/dev/null
# Warm-up, as benchmarks of servers do: the first seconds after a start touch the hub's pages for the first time
# (p99 of a first phase without it: 8.5 – 11.4 ms on 1M citizens; after it 7.4 – 8.2 ms). WARMUP=0 measures the
# cold start.
[ "$WARMUP" -gt 0 ] && SIMPUL_TOKEN=$TOKEN wrk -t "$THREADS" -c "$CONNS" -d "${WARMUP}s" -s "$W/citizens.lua" "http://127.0.0.1:$PORT/" >/dev/null
audit_before=$(sqlite3 "$W/hub.db-audit" 'SELECT count(*) FROM audit' 2>/dev/null || echo "?")
run_wrk "http://127.0.0.1:$PORT/" "$W/citizens.lua" "simpul GET /v1/citizens/{nik} (auth+audit)"
S_RPS=$R_RPS; S_P50=$R_P50; S_P99=$R_P99

# nginx: the same bytes as a static file
NPORT=$(free_port)
mkdir -p "$W/www" "$W/nginx"
cp "$W/citizen.json" "$W/www/citizen.json"
cat > "$W/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $W/nginx; proxy_temp_path $W/nginx; fastcgi_temp_path $W/nginx; uwsgi_temp_path $W/nginx; scgi_temp_path $W/nginx;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$NPORT; root $W/www; default_type application/json; }
}
CONF
"$NGINX" -c "$W/nginx/nginx.conf" -p "$W/nginx" &
NGX=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$NPORT/citizen.json" >/dev/null && break; sleep 0.1; done
[ "$WARMUP" -gt 0 ] && wrk -t "$THREADS" -c "$CONNS" -d "${WARMUP}s" -s "$W/static.lua" "http://127.0.0.1:$NPORT/citizen.json" >/dev/null
run_wrk "http://127.0.0.1:$NPORT/citizen.json" "$W/static.lua" "nginx static JSON file (baseline)"
N_RPS=$R_RPS; N_P99=$R_P99
kill "$NGX"; wait "$NGX" 2>/dev/null || true; NGX=""

# 1,000 idle keep-alive connections, then the same load
cat > "$W/idle.py" <<'PY'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: idle\r\n\r\n")
    s.recv(4096)
    socks.append(s)
print("idle connections open:", len(socks), flush=True)
time.sleep(3600)
PY
python3 "$W/idle.py" "$PORT" 1000 > "$W/idle.log" &
IDLE=$!
for _ in $(seq 100); do grep -q open "$W/idle.log" 2>/dev/null && break; sleep 0.1; done
echo "   $(cat "$W/idle.log"); server reports $(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^simpul_http_open_connections/ {print $2}') open"
run_wrk "http://127.0.0.1:$PORT/" "$W/citizens.lua" "simpul, with 1,000 idle keep-alive conns"
I_RPS=$R_RPS; I_P99=$R_P99
kill "$IDLE"; IDLE=""
# The same load once more without the idle connections: tells a cost of the idle connections apart from a cost
# of the hub having grown (audit log, WAL checkpoints) since the first run.
sleep 1
run_wrk "http://127.0.0.1:$PORT/" "$W/citizens.lua" "simpul again, idle connections closed"
A_RPS=$R_RPS; A_P99=$R_P99

kill "$WALMON" 2>/dev/null || true
WAL_MAX=$(awk '$1 > m {m = $1} END {printf "%.0f", m / 1048576}' "$W/wal-sizes")
AWAL_MAX=$(awk '$2 > m {m = $2} END {printf "%.0f", m / 1048576}' "$W/wal-sizes")
RSS=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$SERVER/status")
ANON=$(awk '/RssAnon/ {printf "%.0f", $2/1024}' "/proc/$SERVER/status")
audit_after=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^simpul_audit_entries_total/ {e=$2} /^simpul_audit_commits_total/ {c=$2} END {printf "%d entries in %d commits (%.1f per fsync)", e, c, (c > 0 ? e / c : 0)}')
kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
t0=$(date +%s.%N)
"$BIN/simpul" audit access --db "$W/hub.db" --nik "$NIK" > /dev/null
ACCESS_MS=$(python3 -c "print(round(($(date +%s.%N) - $t0) * 1000, 1))")
ENTRIES=$(python3 -c "import sqlite3; print(sqlite3.connect('$W/hub.db-audit').execute('SELECT count(*) FROM audit').fetchone()[0])")

echo "== results"
python3 - "$S_RPS" "$N_RPS" "$S_P99" "$I_RPS" "$I_P99" "$A_RPS" "$A_P99" <<'PY'
import sys
s, n, p99, i, ip99, a, ap99 = map(float, sys.argv[1:])
print(f"ratio      simpul / nginx = {s / n:.2f}   (goal >= 0.5)")
print(f"p99        {p99:.2f} ms   (goal <= 10 ms)")
print(f"idle conns with 1,000 idle connections: {i / s:.2f}x the throughput, p99 {ip99:.2f} ms; "
      f"afterwards without them: {a / s:.2f}x, p99 {ap99:.2f} ms")
PY
echo "audit      $audit_after; audit access --nik over $ENTRIES entries: $ACCESS_MS ms (whole CLI process)"
echo "memory     server peak RSS ${RSS} MiB (counts the pages of the database's memory map it touched, which are the OS page cache's);"
echo "           its own memory (RssAnon) at the end ${ANON} MiB; largest write-ahead log seen ${WAL_MAX} MiB (hub), ${AWAL_MAX} MiB (audit log)"
