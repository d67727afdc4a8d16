#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.cpp) with clang, ASan and
# UBSan, and runs each one from its seed corpus (tests/fuzz/corpus/<target>/)
# for its share of a time budget. Fails if any target finds a crash, a
# leak, undefined behaviour, a slow input (> 10 s) or a broken invariant;
# the input that did it is kept in <build>/fuzz-artifacts/ (until the next
# run) and the command that replays it is printed.
#
#   bash tests/fuzz/run.sh [SECONDS]   wall-clock budget for all targets (default 60)
#
# FUZZ_JOBS      targets run side by side (default: 2, or 1 on a single core)
# FUZZ_TARGETS   names to run, e.g. "rtcp wav_file" (default: all)
# FUZZ_BUILD_DIR build directory (default: build-fuzz)
# What the fuzzers add to the corpus is thrown away; seeds are hand-made
# (tests/fuzz/corpus/make_seeds.py).
set -euo pipefail
cd "$(dirname "$0")/../.."

budget=${1:-60}
build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${FUZZ_JOBS:-$(( $(nproc) > 1 ? 2 : 1 ))}
if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<< "$FUZZ_TARGETS"
else
  targets=()
  for f in tests/fuzz/fuzz_*.cpp; do
    f=${f##*/fuzz_}
    targets+=("${f%.cpp}")
  done
fi

if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$build" -Dfuzzing=true -Dtests=false \
    -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C "$build" fuzz

# Each target gets an equal share of budget x jobs seconds.
seconds=$(( budget * jobs / ${#targets[@]} ))
(( seconds >= 1 )) || seconds=1
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# UBSan only reports by default; a report must stop the run like a crash.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

run_one() {
  local t=$1 log="$work/$1.log"
  [ -d "tests/fuzz/corpus/$t" ] || { echo "fuzz_$t: FAILED: no seed corpus tests/fuzz/corpus/$t" > "$work/$t.result"; return; }
  mkdir -p "$work/$t"
  rm -f "$artifacts/$t"-*  # an earlier run's findings
  if "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$t-" "$work/$t" "tests/fuzz/corpus/$t" > "$log" 2>&1; then
    local runs rate
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    echo "fuzz_$t: ok, $runs runs in ${seconds} s ($rate/s)" > "$work/$t.result"
  else
    {
      echo "fuzz_$t: FAILED"
      grep -v -E '^#[0-9]+|^\s+NEW_FUNC' "$log" | tail -n 60
      for a in "$artifacts/$t"-*; do
        [ -e "$a" ] && echo "replay: $build/tests/fuzz/fuzz_$t $a"
      done
    } > "$work/$t.result"
  fi
}

echo "fuzzing ${#targets[@]} targets, $seconds s each, $jobs at a time"
running=0
for t in "${targets[@]}"; do
  if (( running >= jobs )); then
    wait -n
    running=$(( running - 1 ))
  fi
  run_one "$t" &
  running=$(( running + 1 ))
done
wait

failed=0
for t in "${targets[@]}"; do
  cat "$work/$t.result"
  grep -q '^fuzz_.*: ok' "$work/$t.result" || failed=$(( failed + 1 ))
done
if (( failed > 0 )); then
  echo "$failed of ${#targets[@]} fuzz targets failed"
  exit 1
fi
echo "all ${#targets[@]} fuzz targets ok"
