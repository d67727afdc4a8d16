// `sip-call answer`: stay registered (through faults, see
// registration_keeper.h) and answer incoming calls, each with the media
// options of `dial` (or --echo), until --calls are done, a signal, or
// --idle-timeout. Up to --parallel calls at a time (default 1), all driven
// by one signalling loop; others get 486.
#include <algorithm>
#include <map>
#include <memory>

#include "agent_lifecycle.h"
#include "command_report.h"
#include "commands/call/call_audio.h"
#include "commands/call/call_setup.h"
#include "commands/call/incoming_call.h"
#include "registration_keeper.h"
#include "sipcall/config/agent_config.h"
#include "sipcall/commands/commands.h"
#include "sipcall/report/exit_codes.h"
#include "sipcall/commands/signals.h"
#include "sipcall/duration_text.h"

namespace sipcall {

namespace {

// Registration lifetime asked for [s]; nua refreshes well before.
constexpr int kAnswerExpires_s = 300;

// The calls in progress, each fed the events of its SIP call.
using CallsInProgress = std::map<int, std::unique_ptr<IncomingCall>>;  // by SipEvent::call

// What the final report keeps of a call: its media and audio are released
// as soon as it ends, however long `answer` runs on.
struct EndedCall {
  int number;
  bool answered;
  CallResult result;
  JsonObject report;
};

// Moves the calls that have ended from `active` to `ended`, each announced
// by its "call" event line. Returns whether any did.
bool reap_ended(CallsInProgress& active, std::vector<EndedCall>& ended, Reporter& reporter) {
  bool any = false;
  for (auto it = active.begin(); it != active.end();) {
    if (!it->second->done()) {
      ++it;
      continue;
    }
    reporter.event(JsonObject().add("event", "call").add("call", it->second->report()));
    ended.push_back({it->second->number(), it->second->answered(), it->second->result(), it->second->report()});
    it = active.erase(it);
    any = true;
  }
  return any;
}

// The ended calls in the order they came in; the first that failed names
// the exit code (calls of --parallel may end in any order).
struct Tally {
  std::vector<JsonObject> reports;
  int answered = 0;
  int failed = 0;
  ExitCode code = ExitCode::ok;
  std::string error;  // "call N: ..."
};
Tally tally(std::vector<EndedCall> ended) {
  std::sort(ended.begin(), ended.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
  Tally t;
  for (const auto& call : ended) {
    t.reports.push_back(call.report);
    t.answered += call.answered;
    if (call.result.code == ExitCode::ok) continue;
    if (t.failed++ == 0) t.code = call.result.code, t.error = "call " + std::to_string(call.number) + ": " + call.result.error;
  }
  return t;
}

}  // namespace

ExitCode run_answer(const GlobalOptions& global, const AnswerOptions& options, Reporter& reporter) {
  CommandReport out(reporter, "answer");
  JsonObject& report = out.fields();
  JsonObject& timings = out.timings();

  auto setup = prepare_call_command(global, options.call, report);
  if (!setup.ok()) return out.fail(setup.error());
  AgentOptions& ao = setup.value().account;
  ao.accept_calls = true;
  const std::vector<std::string>& codecs = setup.value().codecs;

  // Try the audio options once now, so that a bad file fails at start-up
  // rather than at the first call.
  {
    auto audio = open_call_audio(options.call, options.echo, {}, reporter);
    if (!audio.ok()) return out.fail(audio.error());
  }

  CommandAgent session(reporter, out, true, global.timeout_s);
  if (Error err = session.start(ao)) return out.fail(err);
  SipAgent& agent = session.agent();
  EventQueue& queue = session.queue();
  auto timeout = session.timeout();

  auto t0 = Clock::now();
  SipEvent reg;
  if (Error err = session.register_first(ao, kAnswerExpires_s, reg)) return out.fail(err);
  timings.add("register_ms", ms_since(t0));
  reporter.line("registered " + ao.user + " at " + ao.domain + " via " + transport_label(ao.server.transport) +
                ", waiting for calls");
  reporter.event(JsonObject().add("event", "registered").add("user", ao.user).add("status", reg.status).add("expires", reg.expires_s));

  RegistrationKeeper keeper(agent, reporter, ao, kAnswerExpires_s);
  const bool websocket = ao.server.transport == Transport::ws || ao.server.transport == Transport::wss;
  AnswerContext context{agent, queue, reporter, options, codecs, ao.local_address, timeout, out.started(), websocket};
  CallsInProgress active;
  std::vector<EndedCall> ended;
  int calls = 0;  // taken so far, also the number of the last one
  bool stopping = false, idle_expired = false;
  int signals_seen = 0;
  auto idle_since = Clock::now();
  for (;;) {
    if (reap_ended(active, ended, reporter)) idle_since = Clock::now();
    // Calls beyond --calls, or after a signal or a lost registration, are
    // turned away; the loop ends when the last call in progress has.
    bool accepting = !stopping && !keeper.failure() && (options.calls == 0 || calls < options.calls);
    if (!accepting && active.empty()) break;
    auto idle_deadline = options.idle_timeout_s > 0 && active.empty() ? idle_since + from_seconds(options.idle_timeout_s)
                                                                       : Clock::now() + std::chrono::hours(24);
    auto wake = keeper.deadline(idle_deadline);
    for (const auto& [id, call] : active) wake = std::min(wake, call->next_wake());
    SipEvent e;
    Wait w = wait_event(agent, queue, e, wake, true, signals_seen);
    if (w == Wait::signal) {
      // Every call sees the signal at its next tick and hangs up (BYE).
      stopping = true;
      signals_seen = signals_received();
    }
    keeper.poll();
    if (w == Wait::event && !keeper.on_event(e)) {
      if (auto it = active.find(e.call); it != active.end()) {
        it->second->on_event(e);
      } else if (e.type == SipEventType::incoming_call) {
        if (accepting && static_cast<int>(active.size()) < options.parallel)
          active.emplace(e.call, std::make_unique<IncomingCall>(context, e, ++calls));
        else
          agent.respond(e.call, 486);
      }
    }
    for (auto& [id, call] : active) call->tick();
    if (w == Wait::timeout && accepting && active.empty() && options.idle_timeout_s > 0 &&
        Clock::now() >= idle_deadline) {
      idle_expired = true;
      break;
    }
  }

  Tally calls_done = tally(std::move(ended));
  ExitCode code = calls_done.code;
  std::string error = calls_done.error;
  int failed = calls_done.failed;
  if (idle_expired && code == ExitCode::ok) {
    code = ExitCode::timeout, error = "no call arrived within " + seconds_text(options.idle_timeout_s);
  }
  report.add("calls_answered", calls_done.answered).add("calls_failed", failed).add("calls", calls_done.reports)
      .add("reconnects", keeper.reconnects());
  if (Error lost = keeper.outcome(); lost && code == ExitCode::ok) code = exit_code_of(lost), error = lost.message();
  session.wind_down(keeper.registered());
  // Each failed call already printed its line; the report still names the first.
  if (!error.empty() && failed > 0) {
    report.add("error", error);
    return out.finish(code, "");
  }
  return out.finish(code, error);
}

}  // namespace sipcall
