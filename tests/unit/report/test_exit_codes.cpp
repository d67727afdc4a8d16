#include <doctest/doctest.h>

#include "sipcall/report/exit_codes.h"

using namespace sipcall;

TEST_SUITE("exit_codes") {
  TEST_CASE("exit_codes::exit_code_for_sip_failure follows the documented table") {
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
      CHECK(static_cast<int>(exit_code_for_sip_failure(r.status, r.from_network)) == r.expected);
    }
  }

  TEST_CASE("exit_codes::numbers are stable") {
    CHECK(static_cast<int>(ExitCode::usage) == 2);
    CHECK(static_cast<int>(ExitCode::media_failure) == 10);
    CHECK(exit_code_name(ExitCode::auth_failed) == "auth_failed");
    CHECK(static_cast<int>(ExitCode::dialog_failure) == 11);
    CHECK(exit_code_name(ExitCode::dialog_failure) == "dialog_failure");
  }
}
