#include "agent_loop.h"

#include <algorithm>
#include <cstdio>

#include "sipcall/sip/sip_failure.h"
#include "sipcall/report/exit_codes.h"
#include "sipcall/commands/signals.h"

namespace sipcall {

long ms_since(Clock::time_point t) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

Clock::duration from_seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

namespace {

// "-> INVITE sip:102@pbx.test", "<- 180 Ringing", "<- 200 OK (BYE)".
std::string flow_text(const SipTrace& t) {
  std::string_view first = start_line(t.text);
  std::string text;
  if (response_status(t.text)) {
    text = flow_label(t.text);
    std::string method = cseq(t.text);
    auto space = method.find(' ');
    if (space != std::string::npos) method = method.substr(space + 1);
    if (!method.empty() && method != "INVITE") text += " (" + method + ")";
  } else {
    auto end = first.rfind(" SIP/2.0");
    text = std::string(end == std::string_view::npos ? first : first.substr(0, end));
  }
  return text;
}

}  // namespace

CommandReport::CommandReport(Reporter& reporter, const std::string& command) : reporter_(reporter) {
  fields_.add("command", command);
}

ExitCode CommandReport::finish(ExitCode code, const std::string& error) {
  if (!error.empty()) reporter_.line("sip-call: " + error);
  fields_.add("timings", timings_).add("result", code == ExitCode::ok ? "ok" : "error")
      .add("exit_code", static_cast<int>(code)).add("exit_reason", exit_code_name(code));
  if (!error.empty()) fields_.add("error", error);
  if (queue_) fields_.add("requests_ignored", queue_->requests_ignored());
  fields_.add("total_ms", ms_since(started_));
  reporter_.report(fields_);
  return code;
}

void EventQueue::on_sip_event(const SipEvent& e) {
  if (e.type == SipEventType::request_ignored) {
    // A flood of them must not flood stderr: the first few are named, the
    // rest only counted.
    constexpr long kNamed = 5;
    if (++requests_ignored_ > kNamed) return;
    reporter_.line("ignored " + e.detail + ": not the server (--accept-from any takes it)" +
                   (requests_ignored_ == kNamed ? "; further ones are only counted" : ""));
    reporter_.event(JsonObject().add("event", "request_ignored").add("request", e.detail));
    return;
  }
  if (e.type != SipEventType::trace) {
    events_.push_back(e);
    return;
  }
  reporter_.trace(e.trace);
  if (observer_) observer_(e.trace);
  if (!flow_lines_) return;
  std::string text = flow_text(e.trace);
  if (!reporter_.verbose()) {
    char head[32];
    std::snprintf(head, sizeof head, "[%6ld ms] %s ", e.trace.elapsed_ms, e.trace.outgoing ? "->" : "<-");
    reporter_.line(head + text);
  }
  reporter_.event(JsonObject().add("event", "sip").add("ms", e.trace.elapsed_ms)
                      .add("direction", e.trace.outgoing ? "out" : "in").add("message", text));
}

bool EventQueue::pop(SipEvent& out) {
  if (events_.empty()) return false;
  out = std::move(events_.front());
  events_.pop_front();
  return true;
}

Wait wait_event(SipAgent& agent, EventQueue& queue, SipEvent& out, Clock::time_point deadline, bool stop_on_signal,
                int signals_seen) {
  for (;;) {
    if (queue.pop(out)) return Wait::event;
    if (stop_on_signal && signals_received() > signals_seen) return Wait::signal;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return Wait::timeout;
    // Sofia delivers a message read late in one step only in the next, and
    // that step then still blocks in poll: a non-blocking step first hands
    // over what is already queued (up to 100 ms sooner on TCP).
    agent.run_for(0);
    if (queue.pop(out)) return Wait::event;
    agent.run_for(static_cast<int>(std::min<long long>(left, 100)));
  }
}

std::string failure_message(const SipEvent& e, const std::string& what, const std::string& server) {
  if (!e.from_network) {
    if (e.status == 408) return what + " failed: no response from " + server;
    return what + " failed: cannot reach " + server + (e.detail.empty() ? "" : " (" + e.detail + ")");
  }
  // A response that says one thing and means another (a 200 OK keeping no binding) names it.
  if (!e.detail.empty()) return what + " failed: " + e.detail;
  return what + " failed: " + std::to_string(e.status) + " " + e.phrase;
}

Error register_and_wait(SipAgent& agent, EventQueue& queue, const AgentOptions& account, int expires_s,
                        Clock::duration timeout, SipEvent& outcome) {
  std::string server = account.server.to_string();
  agent.register_binding(expires_s);
  Wait w;
  do {
    w = wait_event(agent, queue, outcome, Clock::now() + timeout, true, 0);
  } while (w == Wait::event && outcome.type != SipEventType::registered &&
           outcome.type != SipEventType::registration_failed);
  if (w == Wait::signal) return Error::internal("interrupted before the registration completed");
  if (w == Wait::timeout)
    return Error::no_response("register failed: no final response from " + server + " within " +
                          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) + " ms");
  if (outcome.type == SipEventType::registered) return {};
  return registration_error(outcome, account, "register " + account.user);
}

ExitCode exit_code_of(const SipEvent& e) {
  return exit_code_of(error_kind_of(e));
}

ErrorKind error_kind_of(const SipEvent& e) {
  return e.verdict != ErrorKind::none ? e.verdict : sip_failure_kind(e.status, e.from_network);
}

Error registration_error(const SipEvent& e, const AgentOptions& account, const std::string& what) {
  ErrorKind kind = error_kind_of(e);
  std::string message = failure_message(e, what, account.server.to_string());
  if (kind == ErrorKind::auth_refused && e.verdict == ErrorKind::none)
    message += account.password.empty() ? " (no password given)" : " (wrong password or auth ID?)";
  return {kind, message};
}

void wind_down(SipAgent& agent, EventQueue& queue, Reporter& reporter, bool registered, Clock::duration timeout,
               const std::string& server, JsonObject& report, JsonObject& timings) {
  if (registered) {
    auto t0 = Clock::now();
    agent.unregister();
    SipEvent e;
    int sig = signals_received();
    while (wait_event(agent, queue, e, Clock::now() + timeout, false, sig) == Wait::event) {
      if (e.type != SipEventType::unregistered) continue;
      if (e.status >= 200 && e.status < 300) {
        timings.add("unregister_ms", ms_since(t0));
        report.add("unregistered", true);
      } else {
        reporter.warn(failure_message(e, "removing the binding", server));
        report.add("unregistered", false);
      }
      break;
    }
  }
  // Sofia finishes pending transactions first; after a failure there is
  // nothing worth waiting for, so that wait is short.
  agent.shutdown();
  SipEvent e;
  auto limit = registered ? std::min<Clock::duration>(timeout, std::chrono::seconds(3))
                          : Clock::duration(std::chrono::milliseconds(500));
  auto deadline = Clock::now() + limit;
  while (wait_event(agent, queue, e, deadline, false, 0) == Wait::event)
    if (e.type == SipEventType::shutdown_complete) break;
}

}  // namespace sipcall
