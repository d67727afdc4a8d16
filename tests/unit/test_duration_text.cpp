#include <doctest/doctest.h>

#include "sipcall/duration_text.h"

using namespace sipcall;

TEST_SUITE("duration_text") {
  TEST_CASE("duration_text::seconds_text writes a setting as given, without trailing zeros") {
    CHECK(seconds_text(5) == "5 s");
    CHECK(seconds_text(1.5) == "1.5 s");
    CHECK(seconds_text(0.25) == "0.25 s");
    CHECK(seconds_text(0) == "0 s");
    CHECK(seconds_text(3600) == "3600 s");
  }

  TEST_CASE("duration_text::seconds_text_tenths rounds milliseconds to a tenth of a second") {
    CHECK(seconds_text_tenths(1000) == "1.0 s");
    CHECK(seconds_text_tenths(3140) == "3.1 s");
    CHECK(seconds_text_tenths(3160) == "3.2 s");
    CHECK(seconds_text_tenths(0) == "0.0 s");
    CHECK(seconds_text_tenths(120000) == "120.0 s");
  }
}
