#!/usr/bin/env bash
# Builds sip-call and its tests with g++'s AddressSanitizer and
# UndefinedBehaviorSanitizer (in build-asan) and runs the whole meson test
# suite on that build: unit and media tests, the test PBX's self-tests and
# the integration tests, whose sip-call processes are sanitized too.
# Fails on any failed test and on any sanitizer report, including reports
# from a sip-call whose exit status a test does not look at: every
# sanitized process writes its reports to a directory that is checked at
# the end. Leaks Sofia-SIP makes on its own are suppressed, narrowly and
# with reasons, in tests/sanitizers/lsan.supp.
#
#   bash tests/sanitize.sh [meson test arguments, e.g. a test name]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SANITIZE_BUILD_DIR:-build-asan}
[ -f "$build/build.ninja" ] || meson setup "$build" -Db_sanitize=address,undefined -Db_lundef=false
ninja -C "$build"

# A private TMPDIR: the test PBX keeps its run directories there.
export TMPDIR=$(mktemp -d)
trap 'rm -rf "$TMPDIR"' EXIT
reports="$TMPDIR/sanitizer-reports"
mkdir "$reports"
# Sofia-SIP and OpenSSL are built without frame pointers: only the slow
# unwinder sees past them to the Sofia functions lsan.supp names (10 frames
# reach them). It is slow on every malloc, so no deeper than needed.
export ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=10:log_path=$reports/asan"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"

set +e
meson test -C "$build" --print-errorlogs --num-processes 1 "$@"
rc=$?
set -e
if compgen -G "$reports/*" > /dev/null; then
  for f in "$reports"/*; do
    echo "=== sanitizer report $(basename "$f")"
    cat "$f"
  done
  echo "sanitizers reported problems in $(ls "$reports" | wc -l) process(es)"
  exit 1
fi
if [ "$rc" -ne 0 ]; then
  echo "tests failed under ASan/UBSan"
  exit "$rc"
fi
echo "all tests passed under ASan/UBSan, no sanitizer reports"
