#include "agent_lifecycle.h"

#include <algorithm>

#include "request_failure.h"
#include "sipcall/commands/signals.h"

namespace sipcall {

Error register_and_wait(Signalling& agent, EventQueue& queue, const AgentOptions& account, int expires_s,
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

void wind_down(Signalling& agent, EventQueue& queue, Reporter& reporter, bool registered, Clock::duration timeout,
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

CommandAgent::CommandAgent(Reporter& reporter, CommandReport& out, bool flow_lines, double timeout_s)
    : reporter_(reporter), out_(out), queue_(reporter, flow_lines), timeout_(from_seconds(timeout_s)) {
  out.count_ignored_requests(queue_);
}

Error CommandAgent::start(const AgentOptions& account) {
  auto created = SipAgent::create(account, queue_);
  if (!created.ok()) return created.error();
  agent_ = std::move(created.value());
  server_ = account.server.to_string();
  return {};
}

Error CommandAgent::register_first(const AgentOptions& account, int expires_s, SipEvent& outcome) {
  Error err = register_and_wait(*agent_, queue_, account, expires_s, timeout_, outcome);
  if (err) wind_down(false);
  return err;
}

void CommandAgent::wind_down(bool registered) {
  sipcall::wind_down(*agent_, queue_, reporter_, registered, timeout_, server_, out_.fields(), out_.timings());
}

}  // namespace sipcall
