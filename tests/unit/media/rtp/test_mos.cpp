#include <doctest/doctest.h>

#include "media/rtp/mos.h"

using namespace sipcall::media;

TEST_SUITE("mos") {
  TEST_CASE("mos::E-model reference points") {
    // No impairment: R = 93.2 -> MOS 4.41 (the G.107 default maximum).
    CHECK(r_factor({0, 25.1}, 0, 0) == doctest::Approx(93.2));
    CHECK(mos_from_r(93.2) == doctest::Approx(4.41).epsilon(0.01));
    CHECK(mos_from_r(0) == 1.0);
    CHECK(mos_from_r(-5) == 1.0);
    CHECK(mos_from_r(100) == 4.5);
    // 1% random loss on G.711 with PLC: Ie_eff = 95 * 1 / (1 + 25.1).
    CHECK(r_factor({0, 25.1}, 0, 0.01) == doctest::Approx(93.2 - 95.0 / 26.1));
  }

  TEST_CASE("mos::worse network, lower score") {
    struct Case {
      double delay_ms, loss;
    };
    const Case steps[] = {{20, 0}, {150, 0}, {300, 0}, {300, 0.02}, {300, 0.1}, {600, 0.3}};
    double previous = 5;
    for (const Case& c : steps) {
      CAPTURE(c.delay_ms);
      CAPTURE(c.loss);
      const double m = estimate_mos("pcmu", c.delay_ms, c.loss);
      CHECK(m < previous);
      CHECK(m >= 1.0);
      previous = m;
    }
    CHECK(estimate_mos("opus", 40, 0) > 4.3);
    CHECK(estimate_mos("unknown", 40, 0) < estimate_mos("pcmu", 40, 0));
  }
}
