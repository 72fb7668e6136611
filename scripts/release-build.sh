# Sourced by the check scripts (crash tests, the end-to-end person evaluation): builds the release binaries, sets BIN
# to their folder, and makes a work folder ($work) removed when the script exits. A script with more to clean up
# sets its own EXIT trap afterwards, removing $work too.
swift build -c release --product simpul >/dev/null
swift build -c release --product simpul-bench >/dev/null
BIN=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
