// Shared by the media tests: synthetic tones.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

namespace sipcall::media::testing {

inline std::vector<int16_t> make_tone(double hz, int rate, size_t samples, double amplitude = 8000,
                                      size_t start = 0) {
  std::vector<int16_t> out(samples);
  for (size_t i = 0; i < samples; ++i)
    out[i] = static_cast<int16_t>(amplitude * std::sin(2 * std::numbers::pi * hz * double(start + i) / rate));
  return out;
}

}  // namespace sipcall::media::testing
