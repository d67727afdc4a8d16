// The steps around a command's work with its SipAgent: registration before,
// clean shutdown after, each bounded by --timeout and by a signal.
// Internal to src/commands; runs on the signalling thread.
#pragma once

#include <string>

#include "command_clock.h"
#include "event_queue.h"
#include "sipcall/error.h"
#include "sipcall/report/reporter.h"
#include "sipcall/sip/sip_agent.h"

namespace sipcall {

// REGISTERs and waits, bounded by `timeout` and by a signal, for the final
// outcome, which lands in `outcome` whenever one arrived. The Error carries
// the exit code and the one-line message ("register 101 failed: ...").
Error register_and_wait(SipAgent& agent, EventQueue& queue, const AgentOptions& account, int expires_s,
                        Clock::duration timeout, SipEvent& outcome);

// Unregisters (when `registered`), then shuts the agent down; bounded by
// `timeout`, never fatal. Records unregister_ms / "unregistered" in the
// report objects.
void wind_down(SipAgent& agent, EventQueue& queue, Reporter& reporter, bool registered, Clock::duration timeout,
               const std::string& server, JsonObject& report, JsonObject& timings);

}  // namespace sipcall
