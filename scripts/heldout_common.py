"""What the held-out checks (heldout_ingest.py, heldout_reconcile.py, heldout_api.py) share: finding the simpul
binary and ending a run with its differences. Python's standard library; nothing of the hub."""
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def simpul_binary():
    """$SIMPUL_BIN, else the release build of this checkout (built now, so it is never stale)."""
    if os.environ.get("SIMPUL_BIN"):
        return os.environ["SIMPUL_BIN"]
    subprocess.run(["swift", "build", "-c", "release", "--product", "simpul"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    path = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip()
    return os.path.join(path, "simpul")


def finish(problems, out, keep, ok, shown=60):
    """Prints the first `shown` differences, removes the work folder unless kept, and exits 1 on any difference."""
    for p in problems[:shown]:
        print("  " + p)
    if len(problems) > shown:
        print("  … and %d more" % (len(problems) - shown))
    if not keep:
        shutil.rmtree(out, ignore_errors=True)
    if problems:
        print("FAILED: %d differences" % len(problems))
        sys.exit(1)
    print("ok: " + ok)
