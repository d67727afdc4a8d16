#include <doctest/doctest.h>

#include "sipcall/report/exit_codes.h"
#include "sipcall/sip/sip_failure.h"

using namespace sipcall;

TEST_SUITE("sip_failure") {
  TEST_CASE("sip_failure::a failure response becomes the documented exit code") {
    struct Row {
      int status;
      bool from_network;
      int expected;
    };
    const Row rows[] = {
        {401, true, 3}, {403, true, 3}, {407, true, 3}, {486, true, 6}, {600, true, 6}, {404, true, 7},
        {484, true, 7}, {604, true, 7}, {408, true, 8}, {480, true, 8}, {487, true, 8}, {500, true, 9},
        {503, true, 9}, {488, true, 9}, {408, false, 5}, {503, false, 4}, {500, false, 4},
    };
    for (const auto& r : rows) {
      CAPTURE(r.status);
      CAPTURE(r.from_network);
      CHECK(static_cast<int>(exit_code_of(sip_failure_kind(r.status, r.from_network))) == r.expected);
    }
  }
}
