// `sip-call answer`: stay registered (through faults, see
// registration_keeper.h) and answer incoming calls, each with the media
// options of `dial` (or --echo), until --calls are done, a signal, or
// --idle-timeout. One call at a time; others get 486.
#include <cstdio>

#include "active_call.h"
#include "agent_loop.h"
#include "call_audio.h"
#include "registration_keeper.h"
#include "sipcall/account.h"
#include "sipcall/commands.h"
#include "sipcall/exit_codes.h"
#include "sipcall/signals.h"

namespace sipcall {

namespace {

// Registration lifetime asked for [s]; nua refreshes well before.
constexpr int kAnswerExpires_s = 300;

// heard.wav, heard-2.wav, heard-3.wav ...: one file per call.
std::string numbered_path(const std::string& path, int call_number) {
  if (path.empty() || call_number <= 1) return path;
  auto slash = path.rfind('/');
  auto dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) dot = path.size();
  return path.substr(0, dot) + "-" + std::to_string(call_number) + path.substr(dot);
}

struct Answerer {
  SipAgent& agent;
  EventQueue& queue;
  Reporter& reporter;
  const AnswerOptions& options;
  const std::vector<std::string>& codecs;
  const std::string& route_address;
  Clock::duration timeout;
  RegistrationKeeper& keeper;  // sees the registration's events during a call

  // Answers one incoming call and runs it to its end. `e` is its
  // incoming_call event. Returns the call's report object.
  JsonObject handle(const SipEvent& e, int number, CallResult& result);
};

JsonObject Answerer::handle(const SipEvent& e, int number, CallResult& result) {
  JsonObject r;
  r.add("number", number).add("from", e.peer);
  reporter.line("incoming call " + std::to_string(number) + " from " + e.peer);
  auto fail = [&](ExitCode code, const std::string& error, int status) {
    if (status) agent.respond(e.call, status);
    result.code = code;
    result.error = error;
    reporter.line("sip-call: call " + std::to_string(number) + ": " + error);
    return r.add("result", "error").add("exit_code", static_cast<int>(code)).add("error", error);
  };

  // An INVITE without SDP (delayed offer) gets our offer in the 200 and
  // brings its answer in the ACK.
  bool delayed_offer = e.body.empty();
  std::vector<SdpFormat> formats;
  Result<media::MediaParams> params = media::MediaParams{};
  LocalMedia local;
  if (delayed_offer) {
    formats = offer_formats(codecs);
  } else {
    auto offer = parse_sdp(e.body);
    if (!offer.ok()) return fail(ExitCode::media_failure, "unusable SDP offer: " + offer.error().message(), 488);
    params = answer_offer(offer.value(), codecs, formats);
    if (!params.ok()) return fail(ExitCode::media_failure, params.error().message(), 488);
    local.rejected_before = offer.value().rejected_before;
    local.rejected_after = offer.value().rejected_after;
  }
  auto media = open_call_media(options.call, route_address, local);
  if (!media.ok()) return fail(media.error().code(), media.error().message(), 500);
  auto audio = open_call_audio(options.call, options.echo, numbered_path(options.call.record_file, number), reporter);
  if (!audio.ok()) return fail(audio.error().code(), audio.error().message(), 500);

  if (!delayed_offer) {
    local.direction = answer_direction(params.value().direction);
    local.rtcp_mux = params.value().rtcp_mux;
  }
  ActiveCall call(agent, queue, reporter, options.call, codecs, e.call, std::move(media.value()), local);
  auto busy_for_others = [&](const SipEvent& other) {
    if (other.type == SipEventType::incoming_call) agent.respond(other.call, 486);
    else keeper.on_event(other);  // a retry that falls due waits for the call's end
  };

  agent.respond(e.call, 180);
  auto answer_at = Clock::now() + from_seconds(options.answer_delay_s);
  int signals_at_start = signals_received();
  for (;;) {
    SipEvent ev;
    Wait w = wait_event(agent, queue, ev, answer_at, true, signals_at_start);
    if (w == Wait::timeout) break;
    if (w == Wait::signal) {
      agent.respond(e.call, 480);
      return fail(ExitCode::failure, "interrupted while ringing", 0);
    }
    if (ev.call != e.call) busy_for_others(ev);
    else if (ev.type == SipEventType::remote_hangup || ev.type == SipEventType::call_terminated)
      return fail(ExitCode::no_answer, "the caller hung up before the answer", 0);
  }

  if (delayed_offer) {
    agent.respond(e.call, 200, build_sdp(local, formats));
    SipEvent ack;
    Wait w;
    do {
      w = wait_event(agent, queue, ack, Clock::now() + timeout, false, 0);
    } while (w == Wait::event && !(ack.call == e.call && (ack.type == SipEventType::call_ack ||
                                                         ack.type == SipEventType::call_terminated)));
    auto answer = w == Wait::event && ack.type == SipEventType::call_ack ? parse_sdp(ack.body)
                                                                         : Result<SdpAudio>(Error::media("no ACK"));
    params = answer.ok() ? accept_answer(answer.value(), formats) : Result<media::MediaParams>(answer.error());
    Error err = params.ok() ? call.apply(params.value(), audio.value()) : params.error();
    if (err) {
      call.abandon(true, timeout);
      return fail(ExitCode::media_failure, "no usable SDP answer in the ACK: " + err.message(), 0);
    }
  } else {
    // Media first, so that our first RTP leaves with the 200 OK.
    if (Error err = call.apply(params.value(), audio.value())) return fail(err.code(), err.message(), 500);
    agent.respond(e.call, 200, build_sdp(local, formats));
  }
  reporter.line("answered call " + std::to_string(number) + ", " + params.value().codec.name + " with " +
                params.value().remote_address + ":" + std::to_string(params.value().remote_rtp_port));
  result = call.run(timeout, signals_at_start, busy_for_others);
  print_call_summary(reporter, result, call.params(), "the caller");
  if (!result.error.empty()) reporter.line("sip-call: call " + std::to_string(number) + ": " + result.error);
  r.add("result", result.code == ExitCode::ok ? "ok" : "error").add("exit_code", static_cast<int>(result.code));
  if (!result.error.empty()) r.add("error", result.error);
  r.add("hangup_by", result.hangup_by).add("call_ms", result.duration_ms);
  add_call_report(r, result, call.params());
  return r;
}

}  // namespace

ExitCode run_answer(const GlobalOptions& global, const AnswerOptions& options, Reporter& reporter) {
  CommandReport out(reporter, "answer");
  JsonObject& report = out.fields();
  JsonObject& timings = out.timings();

  auto setup = prepare_call_command(global, options.call, report);
  if (!setup.ok()) return out.finish(setup.error().code(), setup.error().message());
  AgentOptions& ao = setup.value().account;
  ao.accept_calls = true;
  const std::string& server = setup.value().server;
  const std::vector<std::string>& codecs = setup.value().codecs;

  // Try the audio options once now, so that a bad file fails at start-up
  // rather than at the first call.
  {
    auto audio = open_call_audio(options.call, options.echo, {}, reporter);
    if (!audio.ok()) return out.finish(audio.error().code(), audio.error().message());
  }

  EventQueue queue(reporter, true);
  auto timeout = from_seconds(global.timeout_s);
  auto created = SipAgent::create(ao, queue);
  if (!created.ok()) return out.finish(created.error().code(), created.error().message());
  SipAgent& agent = *created.value();

  auto t0 = Clock::now();
  SipEvent reg;
  if (Error err = register_and_wait(agent, queue, ao, kAnswerExpires_s, timeout, reg)) {
    wind_down(agent, queue, reporter, false, timeout, server, report, timings);
    return out.finish(err.code(), err.message());
  }
  timings.add("register_ms", ms_since(t0));
  reporter.line("registered " + ao.user + " at " + ao.domain + " via " + transport_label(ao.server.transport) +
                ", waiting for calls");
  reporter.event(JsonObject().add("event", "registered").add("status", reg.status).add("expires", reg.expires_s));

  RegistrationKeeper keeper(agent, reporter, ao, kAnswerExpires_s);
  Answerer answerer{agent, queue, reporter, options, codecs, ao.local_address, timeout, keeper};
  ExitCode code = ExitCode::ok;
  std::string error;
  std::vector<JsonObject> call_reports;
  int calls = 0, failed = 0;
  auto idle_since = Clock::now();
  while ((options.calls == 0 || calls < options.calls) && !keeper.failure()) {
    auto deadline = options.idle_timeout_s > 0 ? idle_since + from_seconds(options.idle_timeout_s) : Clock::now() + std::chrono::hours(24);
    SipEvent e;
    Wait w = wait_event(agent, queue, e, keeper.deadline(deadline), true, 0);
    if (w == Wait::signal) break;
    keeper.poll();
    if (w == Wait::event && keeper.on_event(e)) continue;
    if (w == Wait::timeout && Clock::now() < deadline) continue;  // the keeper's turn, not ours
    if (w == Wait::timeout) {
      if (options.idle_timeout_s <= 0) continue;
      char buf[96];
      std::snprintf(buf, sizeof buf, "no call arrived within %g s", options.idle_timeout_s);
      if (code == ExitCode::ok) code = ExitCode::timeout, error = buf;
      break;
    }
    if (e.type != SipEventType::incoming_call) continue;
    CallResult result;
    JsonObject r = answerer.handle(e, ++calls, result);
    reporter.event(JsonObject().add("event", "call").add("call", r));
    call_reports.push_back(r);
    if (result.code != ExitCode::ok) {
      ++failed;
      if (code == ExitCode::ok) code = result.code, error = "call " + std::to_string(calls) + ": " + result.error;
    }
    if (signals_received() > 0) break;
    idle_since = Clock::now();
  }
  report.add("calls_answered", calls).add("calls_failed", failed).add("calls", call_reports)
      .add("reconnects", keeper.reconnects());
  if (Error lost = keeper.outcome(); lost && code == ExitCode::ok) code = lost.code(), error = lost.message();
  wind_down(agent, queue, reporter, keeper.registered(), timeout, server, report, timings);
  // Each failed call already printed its line; the report still names the first.
  if (!error.empty() && failed > 0) {
    report.add("error", error);
    return out.finish(code, "");
  }
  return out.finish(code, error);
}

}  // namespace sipcall
