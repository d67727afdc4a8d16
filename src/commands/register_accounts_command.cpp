// `sip-call register --accounts FILE`: many registrations from one process.
// Every account of the file is REGISTERed at once over the agent's one
// transport; each outcome is reported as it arrives, then a summary. Then
// all are unregistered, or with --keep each is held by its own
// RegistrationKeeper until a signal.
#include <optional>
#include <vector>

#include "agent_lifecycle.h"
#include "command_report.h"
#include "request_failure.h"
#include "registration_keeper.h"
#include "sipcall/config/agent_config.h"
#include "sipcall/config/accounts_file.h"
#include "sipcall/commands/commands.h"
#include "sipcall/report/exit_codes.h"
#include "sipcall/commands/signals.h"
#include "sipcall/sip/sip_agent.h"

namespace sipcall {

namespace {

// One account's live state; `options` is the agent's with this account's
// user and credentials, for the messages and the keeper.
struct AccountRun {
  AgentOptions options;
  int id = 0;     // SipAgent account id
  int line = 0;   // in the accounts file
  bool done = false;
  bool registered = false;
  int status = 0;
  std::string reason;
  long register_ms = -1;
  Error error;
  std::unique_ptr<RegistrationKeeper> keeper;
};

AgentOptions with_account(AgentOptions base, const SipAccount& a) {
  base.user = a.user;
  base.auth_user = a.auth_user;
  base.password = a.password;
  return base;
}

// Waits for the first outcome of every account; returns how the wait ended.
Wait await_outcomes(SipAgent& agent, EventQueue& queue, Reporter& reporter, std::vector<AccountRun>& runs,
                    std::vector<int>& run_of_id, Clock::time_point started, Clock::time_point deadline) {
  size_t open = runs.size();
  while (open > 0) {
    SipEvent e;
    Wait w = wait_event(agent, queue, e, deadline, true, 0);
    if (w != Wait::event) return w;
    if (e.type != SipEventType::registered && e.type != SipEventType::registration_failed) continue;
    if (e.account < 0 || static_cast<size_t>(e.account) >= run_of_id.size()) continue;
    AccountRun& r = runs[static_cast<size_t>(run_of_id[static_cast<size_t>(e.account)])];
    if (r.done) continue;
    r.done = true;
    --open;
    r.status = e.status;
    r.reason = e.phrase;
    r.register_ms = ms_since(started);
    const std::string& user = r.options.user;
    if (e.type == SipEventType::registered) {
      r.registered = true;
      reporter.line("registered " + user + " in " + std::to_string(r.register_ms) + " ms");
      reporter.event(JsonObject().add("event", "registered").add("user", user).add("status", e.status)
                         .add("expires", e.expires_s).add("register_ms", r.register_ms));
    } else {
      r.error = registration_error(e, r.options, "register " + user);
      reporter.line("sip-call: " + r.error.message());
      reporter.event(JsonObject().add("event", "registration_failed").add("user", user).add("status", e.status)
                         .add("reason", e.phrase).add("exit_code", static_cast<int>(exit_code_of(r.error))));
    }
  }
  return Wait::event;
}

// Holds every registered account until a signal; each keeper sees only its
// own account's events.
void keep_all(SipAgent& agent, EventQueue& queue, Reporter& reporter, std::vector<AccountRun>& runs,
              const std::vector<int>& run_of_id, int expires_s) {
  for (auto& r : runs)
    if (r.registered) r.keeper = std::make_unique<RegistrationKeeper>(agent, reporter, r.options, expires_s,
                                                                       BackoffPolicy{}, r.id);
  for (;;) {
    auto deadline = Clock::now() + std::chrono::hours(24);
    for (auto& r : runs)
      if (r.keeper) deadline = r.keeper->deadline(deadline);
    SipEvent e;
    Wait w = wait_event(agent, queue, e, deadline, true, 0);
    if (w == Wait::signal) break;
    if (w == Wait::event && e.account >= 0 && static_cast<size_t>(e.account) < run_of_id.size()) {
      AccountRun& r = runs[static_cast<size_t>(run_of_id[static_cast<size_t>(e.account)])];
      if (r.keeper) r.keeper->on_event(e);
    }
    for (auto& r : runs)
      if (r.keeper && !r.keeper->failure()) r.keeper->poll();
  }
}

std::string user_of(const std::vector<AccountRun>& runs, int account) {
  for (const auto& r : runs)
    if (r.id == account) return r.options.user;
  return "account " + std::to_string(account);
}

// Un-REGISTERs every account with a binding, all at once, and waits for
// their answers within `timeout`. Returns how many were removed.
int unregister_all(SipAgent& agent, EventQueue& queue, Reporter& reporter, std::vector<AccountRun>& runs,
                   Clock::duration timeout) {
  int pending = 0;
  for (auto& r : runs) {
    bool held = r.keeper ? r.keeper->registered() : r.registered;
    if (!held) continue;
    agent.unregister(r.id);
    ++pending;
  }
  int removed = 0;
  SipEvent e;
  int sig = signals_received();
  auto deadline = Clock::now() + timeout;
  while (pending > 0 && wait_event(agent, queue, e, deadline, false, sig) == Wait::event) {
    if (e.type != SipEventType::unregistered) continue;
    --pending;
    if (e.status >= 200 && e.status < 300) ++removed;
    else reporter.warn(failure_message(e, "removing the binding of " + user_of(runs, e.account),
                                       runs.front().options.server.to_string()));
  }
  return removed;
}

}  // namespace

ExitCode run_register_accounts(const GlobalOptions& global, const RegisterOptions& options, Reporter& reporter) {
  CommandReport out(reporter, "register");
  JsonObject& report = out.fields();
  JsonObject& timings = out.timings();

  auto accounts = read_accounts_file(options.accounts_file);
  if (!accounts.ok()) return out.fail(accounts.error());
  // Passwords never enter a SIP message (digest only), and traces redact
  // the digest response; the reporter holds just one literal secret.
  const auto& lines = accounts.value();

  // The first account is the agent's own; the others are added to it.
  GlobalOptions first = global;
  first.user = lines.front().account.user;
  first.password = lines.front().account.password;
  first.auth_user = lines.front().account.auth_user;
  auto agent_options = make_agent_options(first);
  if (!agent_options.ok()) return out.fail(agent_options.error());
  const AgentOptions& ao = agent_options.value();
  std::string server = ao.server.to_string();
  report.add("server", server).add("transport", std::string(transport_name(ao.server.transport)));

  CommandAgent session(reporter, out, false, global.timeout_s);
  if (Error err = session.start(ao)) return out.fail(err);
  SipAgent& agent = session.agent();
  EventQueue& queue = session.queue();
  auto timeout = session.timeout();

  std::vector<AccountRun> runs(lines.size());
  std::vector<int> run_of_id(lines.size(), -1);
  for (size_t k = 0; k < lines.size(); ++k) {
    AccountRun& r = runs[k];
    r.options = with_account(ao, lines[k].account);
    r.line = lines[k].line;
    r.id = k == 0 ? 0 : agent.add_account(lines[k].account);
    if (static_cast<size_t>(r.id) >= run_of_id.size()) run_of_id.resize(static_cast<size_t>(r.id) + 1, -1);
    run_of_id[static_cast<size_t>(r.id)] = static_cast<int>(k);
  }

  // All in flight before the first answer is read.
  auto started = Clock::now();
  for (auto& r : runs) agent.register_binding(options.expires_s, r.id);
  Wait w = await_outcomes(agent, queue, reporter, runs, run_of_id, started, started + timeout);
  long all_ms = ms_since(started);
  const auto timeout_ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
  for (auto& r : runs) {
    if (r.done) continue;
    r.error = w == Wait::signal ? Error::internal("interrupted before the registration of " + r.options.user + " completed")
                                : Error::no_response("register " + r.options.user + " failed: no final response from " +
                                                 server + " within " + std::to_string(timeout_ms) + " ms");
    reporter.line("sip-call: " + r.error.message());
  }

  int registered = 0;
  for (const auto& r : runs) registered += r.registered ? 1 : 0;
  int total = static_cast<int>(runs.size());
  bool all = registered == total;
  reporter.line(std::to_string(registered) + " of " + std::to_string(total) + " registered in " +
                std::to_string(all_ms) + " ms");
  reporter.event(JsonObject().add("event", "summary").add("registered", registered).add("total", total)
                     .add("ms", all_ms));
  if (all) timings.add("all_registered_ms", all_ms);
  else timings.add_null("all_registered_ms");

  if (options.keep && w != Wait::signal && registered > 0) {
    keep_all(agent, queue, reporter, runs, run_of_id, options.expires_s);
    reporter.line("unregistering " + std::to_string(registered) + " accounts");
  }
  auto t_unregister = Clock::now();
  int removed = w == Wait::signal ? 0 : unregister_all(agent, queue, reporter, runs, timeout);
  if (removed > 0) timings.add("unregister_ms", ms_since(t_unregister));
  session.wind_down(false);

  // Exit code: the first failure by file order, including one that a
  // keeper met while holding the registration.
  std::optional<Error> first_failure;
  std::vector<JsonObject> rows;
  int failed = 0;
  for (auto& r : runs) {
    Error outcome = r.keeper ? r.keeper->outcome() : r.error;
    if (outcome) {
      ++failed;
      if (!first_failure) first_failure = outcome;
    }
    JsonObject row;
    row.add("user", r.options.user).add("line", r.line);
    if (r.status) row.add("status", r.status).add("reason", r.reason);
    else row.add_null("status").add_null("reason");
    if (r.register_ms >= 0) row.add("register_ms", r.register_ms);
    else row.add_null("register_ms");
    row.add("exit_code", static_cast<int>(outcome ? exit_code_of(outcome) : ExitCode::ok));
    if (outcome) row.add("error", outcome.message());
    rows.push_back(std::move(row));
  }
  report.add("total", total).add("registered", registered).add("failed", failed).add("unregistered", removed)
      .add("accounts", rows);
  if (!first_failure) return out.finish(ExitCode::ok, "");
  return out.finish(exit_code_of(*first_failure), std::to_string(failed) + " of " + std::to_string(total) +
                                               " accounts failed; first: " + first_failure->message());
}

}  // namespace sipcall
