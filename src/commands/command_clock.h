// The one clock every command and call measures and waits by: steady, so
// that a change of the wall clock neither ends a wait early nor stretches
// a reported duration. Internal to src/commands.
#pragma once

#include <chrono>

namespace sipcall {

using Clock = std::chrono::steady_clock;

// Milliseconds from `t` until now.
inline long ms_since(Clock::time_point t) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

// A flag's seconds (fractions allowed) as a clock duration.
inline Clock::duration from_seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

}  // namespace sipcall
