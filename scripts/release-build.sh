# Sourced by the check scripts (crash tests, the end-to-end person evaluation): builds the release binaries, sets BIN
# to their folder, and makes a work folder ($work) removed when the script exits. A script with more to clean up
# sets its own EXIT trap afterwards, removing $work too. With SIMPUL_BIN_DIR set (the folder of release binaries
# built already, as .ci/run does in its own build folder), nothing is built and BIN is that folder.
if [ -n "${SIMPUL_BIN_DIR:-}" ]; then
  BIN=$SIMPUL_BIN_DIR
else
  swift build -c release --product simpul >/dev/null
  swift build -c release --product simpul-bench >/dev/null
  BIN=$(swift build -c release --show-bin-path)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
