// The agent's events in the order they came, and the bounded wait for the
// next one that every command and call loop is built on.
// Internal to src/commands; runs on the signalling thread.
#pragma once

#include <deque>
#include <functional>
#include <string>

#include "command_clock.h"
#include "sipcall/report/reporter.h"
#include "sipcall/sip/sip_agent.h"

namespace sipcall {

// Collects the agent's events so a command can wait for them in order.
// Traces go straight to the reporter (whole messages with -v; one call-flow
// line each when `flow_lines`).
class EventQueue : public SipListener {
 public:
  EventQueue(Reporter& reporter, bool flow_lines) : reporter_(reporter), flow_lines_(flow_lines) {}
  void on_sip_event(const SipEvent& e) override;
  bool pop(SipEvent& out);
  // udp requests from other sources than the server, dropped unanswered.
  long requests_ignored() const { return requests_ignored_; }
  // Sees every message as it crosses the wire (the call's status codes
  // come from here: nua does not report every provisional response).
  void observe(std::function<void(const SipTrace&)> observer) { observer_ = std::move(observer); }

 private:
  std::function<void(const SipTrace&)> observer_;
  Reporter& reporter_;
  bool flow_lines_;
  std::deque<SipEvent> events_;
  long requests_ignored_ = 0;
};

enum class Wait { event, timeout, signal };

// Runs the agent until an event arrives, `deadline` passes, or (only when
// `stop_on_signal`) more than `signals_seen` SIGINT/SIGTERM have come in.
Wait wait_event(Signalling& agent, EventQueue& queue, SipEvent& out, Clock::time_point deadline, bool stop_on_signal,
                int signals_seen);

}  // namespace sipcall
