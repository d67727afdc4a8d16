#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>

#include "sipcall/media/audio/tone_detect.h"
#include "../tone_helpers.h"

using namespace sipcall::media;
using sipcall::media::testing::make_tone;

namespace {
std::vector<int16_t> mix(std::vector<int16_t> a, const std::vector<int16_t>& b) {
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<int16_t>(a[i] + b[i]);
  return a;
}
}  // namespace

TEST_SUITE("tone_detect") {
  TEST_CASE("tone_detect::dominant_frequency finds the strongest tone, on the grid or between its steps") {
    std::mt19937 random(7);
    std::normal_distribution<double> noise(0, 2000);
    struct Case {
      int rate;
      double hz, other_hz;  // other_hz: a weaker second tone, 0 for none
      double min_hz, max_hz, step;
    };
    const Case cases[] = {{48000, 440, 0, 100, 4000, 10},     {48000, 1000, 440, 100, 4000, 10},
                          {48000, 100, 0, 100, 4000, 10},     {48000, 4000, 3000, 100, 4000, 10},
                          {48000, 1234, 0, 100, 4000, 10},    {8000, 697, 1209, 100, 3990, 5},
                          {16000, 3333, 0, 100, 4000, 5},     {44100, 2600, 2500, 100, 4000, 10}};
    for (const Case& c : cases) {
      CAPTURE(c.rate);
      CAPTURE(c.hz);
      std::vector<int16_t> s = make_tone(c.hz, c.rate, static_cast<size_t>(c.rate), 8000);
      if (c.other_hz > 0) s = mix(s, make_tone(c.other_hz, c.rate, s.size(), 3000));
      for (int16_t& x : s) x = static_cast<int16_t>(std::clamp(x + noise(random), -32768.0, 32767.0));
      const double found = dominant_frequency(s, c.rate, c.min_hz, c.max_hz, c.step);
      CHECK(std::abs(found - c.hz) <= c.step / 2);
    }
  }

  TEST_CASE("tone_detect::tone_power_ratio forgives a far end whose clock is slightly off") {
    // 10 s of 1000.3 Hz: a filter over the whole recording at 1000 Hz sees
    // nothing (its nulls are 0.1 Hz apart); a phone's clock is that far off.
    const auto s = make_tone(1000.3, 48000, 480000);
    CHECK(tone_power_ratio(s, 48000, 1000) > 0.9);
    CHECK(tone_power_ratio(make_tone(1002, 48000, 480000), 48000, 1000) > 0.7);
    CHECK(tone_power_ratio(s, 48000, 440) < 0.01);
    CHECK(tone_power_ratio(make_tone(1020, 48000, 480000), 48000, 1000) < 0.1);
  }

  TEST_CASE("tone_detect::short, empty and silent input") {
    CHECK(dominant_frequency({}, 48000) == 0);
    // 20 ms: shorter than one FFT block, zero-padded.
    CHECK(std::abs(dominant_frequency(make_tone(1000, 48000, 960), 48000) - 1000) <= 30);
    const double silent = dominant_frequency(std::vector<int16_t>(48000, 0), 48000);
    CHECK(silent >= 100);  // some grid frequency; nothing to find
    CHECK(silent <= 4000);
  }
}
