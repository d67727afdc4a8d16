// A command's SipAgent from creation to shutdown: created with the queue of
// its events, registered before the command's work, unregistered and shut
// down after, each step bounded by --timeout and by a signal.
// Internal to src/commands; runs on the signalling thread.
#pragma once

#include <memory>
#include <string>

#include "command_clock.h"
#include "command_report.h"
#include "event_queue.h"
#include "sipcall/error.h"
#include "sipcall/report/reporter.h"
#include "sipcall/sip/sip_agent.h"

namespace sipcall {

// REGISTERs and waits, bounded by `timeout` and by a signal, for the final
// outcome, which lands in `outcome` whenever one arrived. The Error carries
// the exit code and the one-line message ("register 101 failed: ...").
Error register_and_wait(Signalling& agent, EventQueue& queue, const AgentOptions& account, int expires_s,
                        Clock::duration timeout, SipEvent& outcome);

// Unregisters (when `registered`), then shuts the agent down; bounded by
// `timeout`, never fatal. Records unregister_ms / "unregistered" in the
// report objects.
void wind_down(Signalling& agent, EventQueue& queue, Reporter& reporter, bool registered, Clock::duration timeout,
               const std::string& server, JsonObject& report, JsonObject& timings);

// The agent a command drives, the queue of its events and --timeout: what
// `register`, `register --accounts`, `dial` and `answer` set up alike once
// their account is known, and the registration and wind-down that go with
// it into the command's report. The queue outlives the agent that reports
// into it.
class CommandAgent {
 public:
  // `flow_lines`: one call-flow line per SIP message (see EventQueue); the
  // report counts the requests the queue ignores.
  CommandAgent(Reporter& reporter, CommandReport& out, bool flow_lines, double timeout_s);
  // Creates the agent for `account`.
  Error start(const AgentOptions& account);
  SipAgent& agent() { return *agent_; }
  EventQueue& queue() { return queue_; }
  Clock::duration timeout() const { return timeout_; }
  // register_and_wait(); when it fails the agent is wound down (there is
  // no binding to remove) and the Error is the command's verdict.
  Error register_first(const AgentOptions& account, int expires_s, SipEvent& outcome);
  // wind_down() into the command's report.
  void wind_down(bool registered);

 private:
  Reporter& reporter_;
  CommandReport& out_;
  EventQueue queue_;
  Clock::duration timeout_;
  std::unique_ptr<SipAgent> agent_;
  std::string server_;  // for messages
};

}  // namespace sipcall
