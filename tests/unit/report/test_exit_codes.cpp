#include <doctest/doctest.h>

#include "sipcall/report/exit_codes.h"

using namespace sipcall;

TEST_SUITE("exit_codes") {
  TEST_CASE("exit_codes::every kind of error has its documented exit code") {
    struct Row {
      ErrorKind kind;
      int expected;
    };
    const Row rows[] = {
        {ErrorKind::none, 0},          {ErrorKind::internal, 1},       {ErrorKind::bad_input, 2},
        {ErrorKind::unusable_file, 2}, {ErrorKind::auth_refused, 3},   {ErrorKind::unreachable, 4},
        {ErrorKind::no_local_address, 4}, {ErrorKind::no_response, 5},    {ErrorKind::busy, 6},
        {ErrorKind::not_found, 7},     {ErrorKind::not_answered, 8},   {ErrorKind::sip_refused, 9},
        {ErrorKind::unusable_sdp, 10}, {ErrorKind::no_media, 10},     {ErrorKind::audio_io, 10},  {ErrorKind::codec, 10},
        {ErrorKind::malformed_media, 10}, {ErrorKind::dialog_failed, 11},
    };
    for (const auto& r : rows) {
      CAPTURE(static_cast<int>(r.kind));
      CHECK(static_cast<int>(exit_code_of(r.kind)) == r.expected);
    }
    CHECK(exit_code_of(Error::codec("x")) == ExitCode::media_failure);
    CHECK(exit_code_of(Error()) == ExitCode::ok);
  }

  TEST_CASE("exit_codes::numbers are stable") {
    CHECK(static_cast<int>(ExitCode::usage) == 2);
    CHECK(static_cast<int>(ExitCode::media_failure) == 10);
    CHECK(exit_code_name(ExitCode::auth_failed) == "auth_failed");
    CHECK(static_cast<int>(ExitCode::dialog_failure) == 11);
    CHECK(exit_code_name(ExitCode::dialog_failure) == "dialog_failure");
  }
}
