#include <doctest/doctest.h>

#include <string>

#include "sip/dtmf_info.h"

using namespace sipcall;

TEST_SUITE("dtmf_info") {
  TEST_CASE("dtmf_info::dtmf-relay bodies as PBXes and phones send them") {
    // Kamailio/SER and Cisco: LF line ends, no trailing newline.
    CHECK(dtmf_info_digit("application/dtmf-relay", "Signal=5\nDuration=250") == '5');
    // baresip and 3CX: CRLF.
    CHECK(dtmf_info_digit("application/dtmf-relay", "Signal=#\r\nDuration=160\r\n") == '#');
    CHECK(dtmf_info_digit("application/dtmf-relay", "Signal=*\r\nDuration=100\r\n") == '*');
    // Duration first, a blank after '=', a lower-case key.
    CHECK(dtmf_info_digit("application/dtmf-relay", "Duration=200\r\nSignal= 9\r\n") == '9');
    CHECK(dtmf_info_digit("application/dtmf-relay", "signal=0\r\n") == '0');
    CHECK(dtmf_info_digit("application/dtmf-relay", "Signal=d\r\n") == 'D');
  }

  TEST_CASE("dtmf_info::application/dtmf holds the key alone") {
    CHECK(dtmf_info_digit("application/dtmf", "7") == '7');
    CHECK(dtmf_info_digit("application/dtmf", " \tA\r\n") == 'A');
  }

  TEST_CASE("dtmf_info::the media type is compared in any case, nothing else matches") {
    CHECK(dtmf_info_digit("Application/DTMF-Relay", "Signal=3") == '3');
    CHECK(dtmf_info_digit("APPLICATION/DTMF", "3") == '3');
    CHECK(dtmf_info_digit("application/dtmf-relayx", "Signal=3") == 0);
    CHECK(dtmf_info_digit("text/plain", "Signal=3") == 0);
    CHECK(dtmf_info_digit("application/sdp", "3") == 0);
    CHECK(dtmf_info_digit("", "3") == 0);
  }

  TEST_CASE("dtmf_info::an RFC 4733 event number stands for its key") {
    CHECK(dtmf_info_digit("application/dtmf-relay", "Signal=10\r\nDuration=160\r\n") == '*');
    CHECK(dtmf_info_digit("application/dtmf-relay", "Signal=11\r\n") == '#');
    CHECK(dtmf_info_digit("application/dtmf", "12") == 'A');
    CHECK(dtmf_info_digit("application/dtmf", "15") == 'D');
    CHECK(dtmf_info_digit("application/dtmf", "1") == '1');
    // No event number, no key.
    CHECK(dtmf_info_digit("application/dtmf", "16") == 0);
    CHECK(dtmf_info_digit("application/dtmf", "20") == 0);
    CHECK(dtmf_info_digit("application/dtmf-relay", "Signal=101\r\n") == 0);
  }

  TEST_CASE("dtmf_info::bad bodies give no digit") {
    CHECK(dtmf_info_digit("application/dtmf-relay", "") == 0);
    CHECK(dtmf_info_digit("application/dtmf-relay", "Duration=160\r\n") == 0);
    CHECK(dtmf_info_digit("application/dtmf-relay", "Signal=") == 0);  // ends at '='
    CHECK(dtmf_info_digit("application/dtmf-relay", "Signal=   ") == 0);
    CHECK(dtmf_info_digit("application/dtmf-relay", "Signal=E\r\n") == 0);
    CHECK(dtmf_info_digit("application/dtmf-relay", "Signal=\r\n5") == 0);
    CHECK(dtmf_info_digit("application/dtmf", "") == 0);
    CHECK(dtmf_info_digit("application/dtmf", "x") == 0);
    CHECK(dtmf_info_digit("application/dtmf", std::string("\0" "5", 2)) == 0);
  }

  TEST_CASE("dtmf_info::reads only inside the body") {
    // A body cut right after a digit of an event number: nothing past its end.
    std::string whole = "Signal=1";
    CHECK(dtmf_info_digit("application/dtmf-relay", std::string_view(whole).substr(0, 8)) == '1');
    std::string cut = "Signal=12";
    CHECK(dtmf_info_digit("application/dtmf-relay", std::string_view(cut).substr(0, 8)) == '1');
    CHECK(dtmf_info_digit("application/dtmf-relay", std::string_view(cut).substr(0, 7)) == 0);
    // A large body with the key at its end.
    std::string big(1 << 20, ' ');
    big += "Signal=4";
    CHECK(dtmf_info_digit("application/dtmf-relay", big) == '4');
  }
}
