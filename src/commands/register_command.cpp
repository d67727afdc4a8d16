// `sip-call register`: REGISTER, report, then remove our binding (or, with
// --keep, stay registered until a signal).
#include <chrono>
#include <deque>

#include "sipcall/account.h"
#include "sipcall/commands.h"
#include "sipcall/exit_codes.h"
#include "sipcall/signals.h"
#include "sipcall/sip_agent.h"

namespace sipcall {

namespace {

using Clock = std::chrono::steady_clock;

long ms_since(Clock::time_point t) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

// Collects the agent's events so the command can wait for them in order.
class EventQueue : public SipListener {
 public:
  explicit EventQueue(Reporter& r) : reporter_(r) {}
  void on_sip_event(const SipEvent& e) override {
    if (e.type == SipEventType::trace) {
      reporter_.trace(e.trace);
      return;
    }
    events_.push_back(e);
  }
  bool pop(SipEvent& out) {
    if (events_.empty()) return false;
    out = std::move(events_.front());
    events_.pop_front();
    return true;
  }

 private:
  Reporter& reporter_;
  std::deque<SipEvent> events_;
};

enum class Wait { event, timeout, signal };

// Runs the agent until an event arrives, `deadline` passes, or a signal (only
// when `stop_on_signal`) comes in.
Wait wait_event(SipAgent& agent, EventQueue& queue, SipEvent& out, Clock::time_point deadline,
                bool stop_on_signal, int signals_seen) {
  for (;;) {
    if (queue.pop(out)) return Wait::event;
    if (stop_on_signal && signals_received() > signals_seen) return Wait::signal;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return Wait::timeout;
    agent.run_for(static_cast<int>(std::min<long long>(left, 100)));
  }
}

std::string failure_message(const SipEvent& e, const std::string& what, const std::string& server) {
  if (!e.from_network) {
    if (e.status == 408) return what + " failed: no response from " + server;
    return what + " failed: cannot reach " + server + (e.detail.empty() ? "" : " (" + e.detail + ")");
  }
  return what + " failed: " + std::to_string(e.status) + " " + e.phrase;
}

}  // namespace

ExitCode run_register(const GlobalOptions& global, const RegisterOptions& options, Reporter& reporter) {
  auto started = Clock::now();
  JsonObject report;
  report.add("command", "register");

  auto agent_options = make_agent_options(global);
  if (!agent_options.ok()) {
    reporter.line("sip-call: " + agent_options.error().message());
    report.add("result", "error").add("exit_code", static_cast<int>(agent_options.error().code()))
        .add("exit_reason", exit_code_name(agent_options.error().code())).add("error", agent_options.error().message());
    reporter.report(report);
    return agent_options.error().code();
  }
  const AgentOptions& ao = agent_options.value();
  std::string transport(transport_name(ao.server.transport));
  report.add("user", ao.user).add("aor", "sip:" + ao.user + "@" + ao.domain).add("server", ao.server.to_string())
      .add("transport", transport);

  EventQueue queue(reporter);
  auto timeout = std::chrono::milliseconds(static_cast<long>(global.timeout_s * 1000));

  auto finish = [&](ExitCode code, const std::string& error) {
    if (!error.empty()) reporter.line("sip-call: " + error);
    report.add("result", code == ExitCode::ok ? "ok" : "error").add("exit_code", static_cast<int>(code))
        .add("exit_reason", exit_code_name(code));
    if (!error.empty()) report.add("error", error);
    report.add("total_ms", ms_since(started));
    reporter.report(report);
    return code;
  };

  auto created = SipAgent::create(ao, queue);
  if (!created.ok()) return finish(created.error().code(), created.error().message());
  SipAgent& agent = *created.value();

  // Unregister and release transports; bounded by --timeout, never fatal.
  auto wind_down = [&](bool registered, JsonObject& timings) {
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
          reporter.warn(failure_message(e, "removing the binding", ao.server.to_string()));
          report.add("unregistered", false);
        }
        break;
      }
    }
    // Sofia finishes pending transactions first; after a failure there is
    // nothing worth waiting for, so that wait is short.
    agent.shutdown();
    SipEvent e;
    auto deadline = Clock::now() + (registered ? std::min<std::chrono::milliseconds>(timeout, std::chrono::seconds(3))
                                               : std::chrono::milliseconds(500));
    while (wait_event(agent, queue, e, deadline, false, 0) == Wait::event)
      if (e.type == SipEventType::shutdown_complete) break;
  };

  JsonObject timings;
  auto t_register = Clock::now();
  agent.register_binding(options.expires_s);
  SipEvent e;
  Wait w = wait_event(agent, queue, e, Clock::now() + timeout, true, 0);
  while (w == Wait::event && e.type != SipEventType::registered && e.type != SipEventType::registration_failed)
    w = wait_event(agent, queue, e, Clock::now() + timeout, true, 0);

  if (w != Wait::event) {
    wind_down(false, timings);
    report.add("timings", timings);
    if (w == Wait::signal) return finish(ExitCode::failure, "interrupted before the registration completed");
    return finish(ExitCode::timeout, "register failed: no final response from " + ao.server.to_string() + " within " +
                                         std::to_string(timeout.count()) + " ms");
  }

  report.add("status", e.status).add("reason", e.phrase);
  if (e.type == SipEventType::registration_failed) {
    ExitCode code = exit_code_for_sip_failure(e.status, e.from_network);
    std::string message = failure_message(e, "register " + ao.user, ao.server.to_string());
    if (code == ExitCode::auth_failed)
      message += global.password.empty() ? " (no password given)" : " (wrong password or auth ID?)";
    wind_down(false, timings);
    report.add("timings", timings);
    return finish(code, message);
  }

  long register_ms = ms_since(t_register);
  timings.add("register_ms", register_ms);
  report.add("expires", e.expires_s);
  reporter.line("registered " + ao.user + " at " + ao.domain + " via " + transport_label(ao.server.transport) + " in " +
                std::to_string(register_ms) + " ms (expires " + std::to_string(e.expires_s) + " s)");

  if (options.keep) {
    reporter.event(JsonObject().add("event", "registered").add("status", e.status).add("expires", e.expires_s));
    int refreshes = 0;
    for (;;) {
      SipEvent ev;
      Wait kw = wait_event(agent, queue, ev, Clock::now() + std::chrono::hours(24), true, 0);
      if (kw == Wait::signal) break;
      if (kw != Wait::event) continue;
      if (ev.type == SipEventType::registered) {
        ++refreshes;
        if (reporter.verbose()) reporter.line("registration refreshed (expires " + std::to_string(ev.expires_s) + " s)");
        reporter.event(JsonObject().add("event", "refreshed").add("status", ev.status).add("expires", ev.expires_s));
      } else if (ev.type == SipEventType::registration_failed) {
        ExitCode code = exit_code_for_sip_failure(ev.status, ev.from_network);
        reporter.event(JsonObject().add("event", "registration_lost").add("status", ev.status).add("reason", ev.phrase));
        wind_down(false, timings);
        report.add("refreshes", refreshes).add("timings", timings);
        return finish(code, failure_message(ev, "refreshing the registration", ao.server.to_string()));
      }
    }
    report.add("refreshes", refreshes);
    reporter.line("unregistering " + ao.user);
  }

  wind_down(true, timings);
  report.add("timings", timings);
  return finish(ExitCode::ok, "");
}

}  // namespace sipcall
