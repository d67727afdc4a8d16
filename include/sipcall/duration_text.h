// Spans of time in the words of sip-call's messages. Header-only and free
// of dependencies, so that every folder (media, sip, commands) may use it.
#pragma once

#include <cstdio>
#include <string>

namespace sipcall {

// A setting in the shortest form, as a user writes it: 5 -> "5 s",
// 1.5 -> "1.5 s", 0.25 -> "0.25 s".
inline std::string seconds_text(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", seconds);
  return buf;
}

// A measured span of milliseconds to a tenth of a second, the precision
// such a span is worth: 3140 -> "3.1 s", 1000 -> "1.0 s".
inline std::string seconds_text_tenths(long ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000);
  return buf;
}

}  // namespace sipcall
