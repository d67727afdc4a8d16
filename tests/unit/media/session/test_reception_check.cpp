// The end-of-call half of the media verdict: how long the peer owed RTP,
// and when what arrived falls short.
#include <doctest/doctest.h>

#include "sipcall/media/session/reception_check.h"

using namespace sipcall::media;
using std::chrono::milliseconds;

TEST_SUITE("reception_check") {
  TEST_CASE("reception_check::a grace at the start of every sending stretch") {
    const auto t0 = OwedReception::Clock::now();
    OwedReception owed;
    owed.peer_sends(true, t0);
    CHECK(owed.owed_ms(t0 + milliseconds(500)) == 0);  // within the grace: nothing owed yet
    CHECK(owed.owed_ms(t0 + milliseconds(3000)) == 2000);
    owed.peer_sends(false, t0 + milliseconds(3000));  // hold
    CHECK(owed.owed_ms(t0 + milliseconds(9000)) == 2000);
    owed.peer_sends(true, t0 + milliseconds(9000));  // resume: a new grace
    CHECK(owed.owed_ms(t0 + milliseconds(9800)) == 2000);
    CHECK(owed.owed_ms(t0 + milliseconds(11000)) == 3000);
  }

  TEST_CASE("reception_check::a peer on hold from the start owes nothing") {
    const auto t0 = OwedReception::Clock::now();
    OwedReception owed;
    owed.peer_sends(false, t0);
    CHECK(owed.owed_ms(t0 + milliseconds(60000)) == 0);
    CHECK_FALSE(reception_shortfall(0, owed.owed_ms(t0 + milliseconds(60000))));
  }

  TEST_CASE("reception_check::none, too few, enough") {
    CHECK_FALSE(reception_shortfall(0, 0));  // nothing owed: no verdict
    auto none = reception_shortfall(0, 2000);
    REQUIRE(none);
    CHECK(none->find("no RTP received") != std::string::npos);
    auto few = reception_shortfall(3, 10000);
    REQUIRE(few);
    CHECK(few->find("3 packets") != std::string::npos);
    CHECK_FALSE(reception_shortfall(10, 10000));   // one a second: DTX peers pass
    CHECK_FALSE(reception_shortfall(100, 2000));  // a healthy 20 ms stream
  }
}
