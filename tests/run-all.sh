#!/usr/bin/env bash
# The README's test command: installs dependencies, builds, and runs every
# test (doctest unit tests, the test PBX's self-tests, integration tests of
# the real binary against Kamailio on 127.0.0.1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps
BUILD=${BUILD_DIR:-build}
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD"
ninja -C "$BUILD"
# A private TMPDIR: the test PBX keeps its run directories there.
export TMPDIR=$(mktemp -d)
trap 'rm -rf "$TMPDIR"' EXIT
set +e
meson test -C "$BUILD" --print-errorlogs --num-processes 1
rc=$?
set -e
# One plain summary line for whoever reads the log.
python3 - "$BUILD/meson-logs/testlog.json" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): passed += 1
    elif r == "SKIP": skipped += 1
    else: failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $rc
