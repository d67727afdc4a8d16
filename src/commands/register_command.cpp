// `sip-call register`: REGISTER, report, then remove our binding (or, with
// --keep, stay registered through faults until a signal).
#include "agent_loop.h"
#include "registration_keeper.h"
#include "sipcall/config/agent_config.h"
#include "sipcall/commands/commands.h"
#include "sipcall/report/exit_codes.h"
#include "sipcall/commands/signals.h"
#include "sipcall/sip/sip_agent.h"

namespace sipcall {


ExitCode run_register(const GlobalOptions& global, const RegisterOptions& options, Reporter& reporter) {
  CommandReport out(reporter, "register");
  JsonObject& report = out.fields();
  JsonObject& timings = out.timings();

  auto agent_options = make_agent_options(global);
  if (!agent_options.ok()) return out.finish(exit_code_of(agent_options.error()), agent_options.error().message());
  const AgentOptions& ao = agent_options.value();
  std::string transport(transport_name(ao.server.transport));
  std::string server = ao.server.to_string();
  report.add("user", ao.user).add("aor", "sip:" + ao.user + "@" + ao.domain).add("server", server)
      .add("transport", transport);

  EventQueue queue(reporter, false);
  out.count_ignored_requests(queue);
  auto timeout = std::chrono::milliseconds(static_cast<long>(global.timeout_s * 1000));
  auto created = SipAgent::create(ao, queue);
  if (!created.ok()) return out.finish(exit_code_of(created.error()), created.error().message());
  SipAgent& agent = *created.value();

  auto t_register = Clock::now();
  SipEvent e;
  Error registered = register_and_wait(agent, queue, ao, options.expires_s, timeout, e);
  bool answered = e.type == SipEventType::registered || e.type == SipEventType::registration_failed;
  if (answered) report.add("status", e.status).add("reason", e.phrase);
  if (registered) {
    wind_down(agent, queue, reporter, false, timeout, server, report, timings);
    return out.finish(exit_code_of(registered), registered.message());
  }

  long register_ms = ms_since(t_register);
  timings.add("register_ms", register_ms);
  // A registrar that grants no lifetime (no Contact, no Expires) still said 200.
  std::string lifetime = e.expires_s >= 0 ? "expires " + std::to_string(e.expires_s) + " s" : "no lifetime granted";
  if (e.expires_s >= 0) report.add("expires", e.expires_s);
  else report.add_null("expires");
  reporter.line("registered " + ao.user + " at " + ao.domain + " via " + transport_label(ao.server.transport) + " in " +
                std::to_string(register_ms) + " ms (" + lifetime + ")");

  if (options.keep) {
    reporter.event(JsonObject().add("event", "registered").add("user", ao.user).add("status", e.status).add("expires", e.expires_s));
    RegistrationKeeper keeper(agent, reporter, ao, options.expires_s);
    while (!keeper.failure()) {
      SipEvent ev;
      Wait kw = wait_event(agent, queue, ev, keeper.deadline(Clock::now() + std::chrono::hours(24)), true, 0);
      if (kw == Wait::signal) break;
      if (kw == Wait::event) keeper.on_event(ev);
      keeper.poll();
    }
    report.add("refreshes", keeper.refreshes()).add("reconnects", keeper.reconnects());
    if (Error stop = keeper.outcome()) {
      wind_down(agent, queue, reporter, false, timeout, server, report, timings);
      return out.finish(exit_code_of(stop), stop.message());
    }
    reporter.line("unregistering " + ao.user);
  }

  wind_down(agent, queue, reporter, true, timeout, server, report, timings);
  return out.finish(ExitCode::ok, "");
}

}  // namespace sipcall
