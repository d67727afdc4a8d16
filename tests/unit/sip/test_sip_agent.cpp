#include <doctest/doctest.h>

#include "sipcall/report/exit_codes.h"

#include <algorithm>
#include <vector>

#include "sipcall/sip/sip_agent.h"

using namespace sipcall;

namespace {

struct Events : SipListener {
  std::vector<SipEventType> types;
  void on_sip_event(const SipEvent& e) override { types.push_back(e.type); }
  bool has(SipEventType t) const { return std::find(types.begin(), types.end(), t) != types.end(); }
};

// A udp agent on the loopback: creating one binds a port and sends nothing.
AgentOptions loopback_udp() {
  AgentOptions o;
  o.server.transport = Transport::udp;
  o.server.host = "127.0.0.1";
  o.server.port = 5060;
  o.server_address = "127.0.0.1";
  o.local_address = "127.0.0.1";
  o.domain = "pbx.test";
  o.user = "101";
  return o;
}

// shutdown() and the event loop until shutdown_complete, at most 5 s.
bool shut_down(SipAgent& agent, const Events& events) {
  agent.shutdown();
  for (int i = 0; i < 100 && !events.has(SipEventType::shutdown_complete); ++i) agent.run_for(50);
  return events.has(SipEventType::shutdown_complete);
}

}  // namespace

TEST_SUITE("sip_agent") {
  TEST_CASE("sip_agent::a second agent of the process is refused while the first lives") {
    Events first_events, second_events;
    auto first = SipAgent::create(loopback_udp(), first_events);
    REQUIRE(first.ok());
    auto second = SipAgent::create(loopback_udp(), second_events);
    REQUIRE_FALSE(second.ok());
    CHECK(exit_code_of(second.error()) == ExitCode::failure);
    CHECK(second.error().message().find("one SipAgent per process") != std::string::npos);
    CHECK(second_events.types.empty());
    CHECK(shut_down(*first.value(), first_events));
    first.value().reset();

    // Once the first is gone, another may be created.
    Events third_events;
    auto third = SipAgent::create(loopback_udp(), third_events);
    REQUIRE(third.ok());
    CHECK(shut_down(*third.value(), third_events));
  }
}
