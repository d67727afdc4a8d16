// What every command that drives a SipAgent shares: a queue of the agent's
// events, bounded waits for them, registration before and clean shutdown
// after. Internal to src/commands.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <string>

#include "sipcall/report/exit_codes.h"
#include "sipcall/report/reporter.h"
#include "sipcall/sip/sip_agent.h"

namespace sipcall {

using Clock = std::chrono::steady_clock;

long ms_since(Clock::time_point t);
// A flag's seconds (fractions allowed) as a clock duration.
Clock::duration from_seconds(double s);

class EventQueue;

// A command's final report: the fields it gathered, then result, exit code,
// error and total time, written once by finish().
class CommandReport {
 public:
  CommandReport(Reporter& reporter, const std::string& command);
  JsonObject& fields() { return fields_; }
  JsonObject& timings() { return timings_; }
  Clock::time_point started() const { return started_; }
  // From now on the report says how many requests `queue` saw dropped.
  void count_ignored_requests(const EventQueue& queue) { queue_ = &queue; }
  // Prints `error` (if any) as the one human error line and writes the report.
  ExitCode finish(ExitCode code, const std::string& error);

 private:
  Reporter& reporter_;
  Clock::time_point started_ = Clock::now();
  JsonObject fields_;
  JsonObject timings_;
  const EventQueue* queue_ = nullptr;
};

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
Wait wait_event(SipAgent& agent, EventQueue& queue, SipEvent& out, Clock::time_point deadline, bool stop_on_signal,
                int signals_seen);

// "register 101 failed: 401 Unauthorized", or the transport's diagnosis when
// Sofia made the response up.
std::string failure_message(const SipEvent& e, const std::string& what, const std::string& server);

// What went wrong with a failed request: the agent's own verdict, else
// what its status means; and the exit code that becomes.
ErrorKind error_kind_of(const SipEvent& e);
ExitCode exit_code_of(const SipEvent& e);

// The Error for a failed REGISTER: exit code by status, and "<what> failed:
// ..." with a hint when the credentials were refused.
Error registration_error(const SipEvent& e, const AgentOptions& account, const std::string& what);

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
