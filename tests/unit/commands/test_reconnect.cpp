#include <doctest/doctest.h>

#include <initializer_list>

#include "commands/reconnect.h"

using namespace sipcall;

TEST_SUITE("reconnect") {
  TEST_CASE("reconnect::backoff_delay_ms doubles up to the cap") {
    BackoffPolicy p;  // 1 s .. 30 s, 10 % jitter
    struct Row {
      int attempt;
      int expected_ms;  // with no jitter drawn
    };
    const Row rows[] = {{1, 1000}, {2, 2000}, {3, 4000}, {4, 8000}, {5, 16000}, {6, 30000}, {7, 30000},
                        {100, 30000}, {0, 1000}, {-3, 1000}};
    for (const auto& r : rows) {
      CAPTURE(r.attempt);
      CHECK(backoff_delay_ms(p, r.attempt, 0.0) == r.expected_ms);
    }
  }

  TEST_CASE("reconnect::backoff_delay_ms jitter only shortens, by at most its share") {
    BackoffPolicy p;
    for (int attempt : {1, 3, 6, 30}) {
      int plain = backoff_delay_ms(p, attempt, 0.0);
      for (double unit : {0.0, 0.25, 0.5, 0.999}) {
        CAPTURE(attempt);
        CAPTURE(unit);
        int d = backoff_delay_ms(p, attempt, unit);
        CHECK(d <= plain);
        CHECK(d >= plain * 0.9 - 1);
      }
    }
    CHECK(backoff_delay_ms(p, 1, 0.5) == 950);
    SUBCASE("out-of-range inputs are clamped") {
      p.jitter = 5;
      CHECK(backoff_delay_ms(p, 1, 2.0) == 0);
      p.jitter = -1;
      CHECK(backoff_delay_ms(p, 1, 0.5) == 1000);
    }
  }

  TEST_CASE("reconnect::registration_failure_is_transient") {
    struct Row {
      int status;
      bool from_network;
      bool transient;
    };
    const Row rows[] = {
        // Sofia's own answers: the transport failed or nothing came back.
        {503, false, true}, {408, false, true}, {500, false, true},
        // The server is there but cannot serve us now.
        {408, true, true}, {480, true, true}, {500, true, true}, {503, true, true}, {504, true, true},
        // Final: our credentials or the request are wrong.
        {401, true, false}, {403, true, false}, {407, true, false}, {404, true, false}, {423, true, false},
        {600, true, false}, {603, true, false},
    };
    for (const auto& r : rows) {
      CAPTURE(r.status);
      CAPTURE(r.from_network);
      CHECK(registration_failure_is_transient(r.status, r.from_network) == r.transient);
    }
  }
}
