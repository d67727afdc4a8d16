#include <doctest/doctest.h>

#include "media/codec/resampler.h"
#include "sipcall/media/audio/tone_detect.h"
#include "../tone_helpers.h"

using namespace sipcall::media;
using sipcall::media::testing::make_tone;

TEST_SUITE("resampler") {
  TEST_CASE("resampler::block sizes and tone survive conversion") {
    struct Case {
      int in_rate, out_rate, in_block;
      double hz;
    };
    const Case cases[] = {{48000, 8000, 960, 440}, {8000, 48000, 160, 1000}, {44100, 48000, 882, 440},
                          {16000, 48000, 320, 1000}, {48000, 48000, 960, 440}};
    for (const Case& c : cases) {
      CAPTURE(c.in_rate);
      CAPTURE(c.out_rate);
      auto r = Resampler::create(c.in_rate, c.out_rate);
      REQUIRE(r.ok());
      std::vector<int16_t> all;
      size_t produced_total = 0;
      for (int block = 0; block < 50; ++block) {
        auto in = make_tone(c.hz, c.in_rate, static_cast<size_t>(c.in_block), 8000,
                            static_cast<size_t>(block * c.in_block));
        auto out = r->process(in);
        produced_total += out.size();
        all.insert(all.end(), out.begin(), out.end());
      }
      const double expected = 50.0 * c.in_block * c.out_rate / c.in_rate;
      CHECK(double(produced_total) == doctest::Approx(expected).epsilon(0.01));
      std::vector<int16_t> tail(all.begin() + static_cast<long>(all.size() / 2), all.end());
      CHECK(tone_power_ratio(tail, c.out_rate, c.hz) > 0.9);
    }
  }

  TEST_CASE("resampler::invalid rates are errors") {
    CHECK_FALSE(Resampler::create(0, 8000).ok());
    CHECK_FALSE(Resampler::create(8000, -1).ok());
  }
}
