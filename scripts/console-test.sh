#!/usr/bin/env bash
# The web console in a real browser: starts `simpul demo`, then drives headless Chromium with Selenium through
# sign-in, a citizen lookup, a review decision, reconciliation with its CSV downloads, the data view with its CSV,
# connectors, audit and the live view, at 1366×768 and on a 390-px-wide phone screen; runs axe-core's accessibility
# rules on every view; saves screenshots. Any browser console error fails it. Then a page of another origin calls
# the API (`--cors-origin`): read from the listed origin, blocked from any other.
#   usage: scripts/console-test.sh [SCREENSHOT_DIR]      (default .build/console-screenshots)
# Installs what it needs: Debian chromium + chromium-driver, PyPI selenium + axe-selenium-python (in a venv under .build/).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-.build/console-screenshots}
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "== installing chromium and chromium-driver"
  (apt-get update -qq && apt-get install -y -qq chromium chromium-driver) >/dev/null
fi
VENV=.build/console-venv
if ! "$VENV/bin/python" -c "import selenium, axe_selenium_python" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q selenium axe-selenium-python
fi
if [ -n "${SIMPUL_BIN_DIR:-}" ]; then
  BIN=$SIMPUL_BIN_DIR  # release binaries built already (.ci/run)
else
  swift build -c release --product simpul >/dev/null
  BIN=$(swift build -c release --show-bin-path)
fi
work=$(mktemp -d)
PORT=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
PAGES=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
# Pages of an OPD's own web application, on another origin: http://127.0.0.1:$PAGES is listed, http://localhost:$PAGES
# (another host, so another origin) is not.
mkdir -p "$work/pages"
echo '<!doctype html><title>dasbor OPD</title>' > "$work/pages/cors-page.html"
python3 -m http.server "$PAGES" --bind 127.0.0.1 --directory "$work/pages" >/dev/null 2>&1 &
pages=$!
"$BIN/simpul" demo --dir "$work/demo" --port "$PORT" --cors-origin "http://127.0.0.1:$PAGES" > "$work/demo.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" "$pages" 2>/dev/null || true; wait "$pid" "$pages" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
mkdir -p "$OUT"
"$VENV/bin/python" scripts/console_test.py "http://127.0.0.1:$PORT" "$work/demo/demo-tokens.json" "$OUT" "$work/downloads"
"$VENV/bin/python" scripts/cors_test.py "http://127.0.0.1:$PORT" "http://127.0.0.1:$PAGES" "http://localhost:$PAGES" "$work/demo/demo-tokens.json"
