#include <doctest/doctest.h>

#include "sipcall/report/exit_codes.h"

#include <string>
#include <vector>

#include "sip/trace_tap.h"

using namespace sipcall;

namespace {

std::string dump(const char* direction, const std::string& message) {
  std::string out = std::string(direction) + " 80 bytes " + (direction[0] == 's' ? "to" : "from") +
                    " udp/[127.0.0.1]:5060 at 10:00:00.000001:\n"
                    "   ------------------------------------------------------------------------\n";
  size_t start = 0;
  while (start < message.size()) {
    size_t end = message.find("\r\n", start);
    out += "   " + message.substr(start, end - start) + "\n";
    start = end + 2;
  }
  return out + "   ------------------------------------------------------------------------\n";
}

const std::string kOk =
    "SIP/2.0 200 OK\r\nCSeq: 2 REGISTER\r\nCall-ID: abc@host\r\nContent-Length: 0\r\n\r\n";

}  // namespace

TEST_SUITE("trace_tap") {
  TEST_CASE("trace_tap::one tap at a time: a second claim fails until the first is gone") {
    auto first = TraceTap::claim({});
    REQUIRE(first.ok());
    auto second = TraceTap::claim({});
    REQUIRE_FALSE(second.ok());
    CHECK(exit_code_of(second.error()) == ExitCode::failure);
    CHECK(second.error().message().find("one SipAgent per process") != std::string::npos);
    first.value().reset();
    auto third = TraceTap::claim({});
    CHECK(third.ok());
  }

  TEST_CASE("trace_tap::messages reach the sink and received responses are remembered") {
    std::vector<SipTrace> traces;
    auto tap = TraceTap::claim([&](SipTrace&& t) { traces.push_back(std::move(t)); });
    REQUIRE(tap.ok());
    TraceTap& t = *tap.value();
    const std::string sent = dump("send", "REGISTER sip:pbx.test SIP/2.0\r\nCSeq: 2 REGISTER\r\nCall-ID: abc@host\r\n\r\n");
    const std::string got = dump("recv", kOk);
    // su_log writes a dump in pieces.
    for (size_t i = 0; i < sent.size(); i += 7) t.feed(std::string_view(sent).substr(i, 7));
    t.feed(got);
    REQUIRE(traces.size() == 2);
    CHECK(traces[0].outgoing);
    CHECK_FALSE(traces[1].outgoing);
    CHECK(traces[1].peer == "udp/[127.0.0.1]:5060");
    CHECK(t.received(200, "2 REGISTER", "abc@host"));
    // What Sofia would make up: another status, CSeq or Call-ID.
    CHECK_FALSE(t.received(408, "2 REGISTER", "abc@host"));
    CHECK_FALSE(t.received(200, "3 REGISTER", "abc@host"));
    CHECK_FALSE(t.received(200, "2 REGISTER", "other@host"));
    // A request we sent is no received response.
    CHECK_FALSE(t.received(0, "2 REGISTER", "abc@host"));
    CHECK_FALSE(t.from_network(200, nullptr));
  }

  TEST_CASE("trace_tap::remembers the last kKept responses, oldest forgotten first") {
    auto tap = TraceTap::claim({});
    REQUIRE(tap.ok());
    TraceTap& t = *tap.value();
    for (size_t i = 0; i <= TraceTap::kKept; ++i)
      t.feed(dump("recv", "SIP/2.0 200 OK\r\nCSeq: " + std::to_string(i + 1) + " OPTIONS\r\nCall-ID: c\r\n\r\n"));
    CHECK_FALSE(t.received(200, "1 OPTIONS", "c"));
    CHECK(t.received(200, "2 OPTIONS", "c"));
    CHECK(t.received(200, std::to_string(TraceTap::kKept + 1) + " OPTIONS", "c"));
  }
}
