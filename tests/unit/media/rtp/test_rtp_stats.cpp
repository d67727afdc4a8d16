#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "media/rtp/rtp_stats.h"

using namespace sipcall::media;

TEST_SUITE("rtp_stats") {
  TEST_CASE("rtp_stats::sequence numbers, wrap and loss") {
    struct Case {
      const char* what;
      std::vector<uint16_t> seqs;
      uint32_t extended_max;
      uint64_t expected;
      int64_t lost;
    };
    const Case cases[] = {
        {"in order", {100, 101, 102, 103}, 103, 4, 0},
        {"one lost", {100, 101, 103, 104}, 104, 5, 1},
        {"wrap", {65534, 65535, 0, 1}, 65536 + 1, 4, 0},
        {"wrap with loss", {65533, 65535, 1}, 65536 + 1, 5, 2},
        {"reordered", {10, 12, 11, 13}, 13, 4, 0},
        {"reordered across wrap", {65535, 1, 0, 2}, 65536 + 2, 4, 0},
        {"duplicate", {5, 6, 6, 7}, 7, 3, -1},
    };
    for (const Case& c : cases) {
      CAPTURE(std::string(c.what));
      ReceptionStats s(8000);
      int64_t t = 0;
      for (uint16_t q : c.seqs) s.on_packet(q, 0, t += 20000);
      CHECK(s.extended_max_sequence() == c.extended_max);
      CHECK(s.expected() == c.expected);
      CHECK(s.cumulative_lost() == c.lost);
    }
  }

  TEST_CASE("rtp_stats::a big jump needs a second packet to resynchronise") {
    ReceptionStats s(8000);
    CHECK(s.on_packet(100, 0, 0));
    CHECK(s.on_packet(101, 0, 20000));
    CHECK_FALSE(s.on_packet(20000, 0, 40000));  // jump: suspicious
    CHECK(s.extended_max_sequence() == 101);
    CHECK(s.on_packet(20001, 0, 60000));  // consecutive: the sender restarted
    CHECK(s.extended_max_sequence() == 20001);
    CHECK(s.received() == 1);
  }

  TEST_CASE("rtp_stats::long run across the wrap counts cycles") {
    ReceptionStats s(8000);
    uint16_t seq = 60000;
    for (int i = 0; i < 70000; ++i) s.on_packet(seq++, 0, i * 20000LL);
    CHECK(s.extended_max_sequence() == 60000u + 69999u);
    CHECK(s.expected() == 70000);
    CHECK(s.cumulative_lost() == 0);
  }

  TEST_CASE("rtp_stats::fraction lost per interval") {
    ReceptionStats s(8000);
    for (uint16_t q = 0; q < 8; ++q)
      if (q != 3 && q != 5) s.on_packet(q, 0, q * 20000LL);
    CHECK(s.take_fraction_lost() == 64);  // 2 of 8 = 0.25 * 256
    for (uint16_t q = 8; q < 12; ++q) s.on_packet(q, 0, q * 20000LL);
    CHECK(s.take_fraction_lost() == 0);
  }

  TEST_CASE("rtp_stats::interarrival jitter") {
    SUBCASE("perfect pacing gives zero") {
      ReceptionStats s(8000);
      for (int i = 0; i < 100; ++i) s.on_packet(static_cast<uint16_t>(i), static_cast<uint32_t>(i * 160), i * 20000LL);
      CHECK(s.jitter_ticks() == doctest::Approx(0));
    }
    SUBCASE("alternating 10 ms early/late converges to the RFC estimate") {
      // Every transit difference is +-80 ticks (10 ms at 8 kHz): J -> 80.
      ReceptionStats s(8000);
      for (int i = 0; i < 400; ++i) {
        const int64_t arrival = i * 20000LL + (i % 2 ? 10000 : 0);
        s.on_packet(static_cast<uint16_t>(i), static_cast<uint32_t>(i * 160), arrival);
      }
      CHECK(s.jitter_ticks() == doctest::Approx(80).epsilon(0.01));
      CHECK(s.jitter_ms() == doctest::Approx(10).epsilon(0.01));
    }
    SUBCASE("one delayed packet, by hand") {
      ReceptionStats s(8000);
      s.on_packet(0, 0, 0);
      s.on_packet(1, 160, 20000 + 5000);  // D = 40 ticks -> J = 40/16
      CHECK(s.jitter_ticks() == doctest::Approx(2.5));
      s.on_packet(2, 320, 40000);  // D = -40 -> J += (40 - 2.5)/16
      CHECK(s.jitter_ticks() == doctest::Approx(2.5 + 37.5 / 16));
    }
    SUBCASE("timestamp wrap does not spike") {
      ReceptionStats s(48000);
      uint32_t ts = 0xffffffffu - 960 * 3;
      for (int i = 0; i < 10; ++i, ts += 960) s.on_packet(static_cast<uint16_t>(i), ts, i * 20000LL);
      CHECK(s.jitter_ticks() == doctest::Approx(0));
    }
  }
}
