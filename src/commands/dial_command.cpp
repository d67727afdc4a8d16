// `sip-call dial TARGET`: register, INVITE, carry audio both ways for
// --duration, hang up, report. Every step is bounded: --timeout for the
// network, --ring-timeout for the callee, --media-timeout for RTP.
#include <algorithm>

#include "commands/call/active_call.h"
#include "agent_lifecycle.h"
#include "command_report.h"
#include "request_failure.h"
#include "commands/call/call_audio.h"
#include "commands/call/call_setup.h"
#include "sipcall/config/agent_config.h"
#include "sipcall/commands/commands.h"
#include "sipcall/report/exit_codes.h"
#include "sipcall/config/server_url.h"
#include "sipcall/commands/signals.h"
#include "sipcall/duration_text.h"

namespace sipcall {

namespace {

std::string json_int_array(const std::vector<int>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::to_string(values[i]);
  return out + "]";
}

}  // namespace

ExitCode run_dial(const GlobalOptions& global, const DialOptions& options, Reporter& reporter) {
  CommandReport out(reporter, "dial");
  JsonObject& report = out.fields();
  JsonObject& timings = out.timings();

  auto setup = prepare_call_command(global, options.call, report);
  if (!setup.ok()) return out.fail(setup.error());
  const AgentOptions& ao = setup.value().account;
  const std::string& server = setup.value().server;
  const std::vector<std::string>& codecs = setup.value().codecs;

  // Files and devices first: a typo in --play must not cost a call.
  auto audio = open_call_audio(options.call, false, options.call.record_file, reporter);
  if (!audio.ok()) return out.fail(audio.error());
  LocalMedia local;
  auto media = open_call_media(options.call, ao.local_address, local);
  if (!media.ok()) return out.fail(media.error());

  CommandAgent session(reporter, out, true, global.timeout_s);
  if (Error err = session.start(ao)) return out.fail(err);
  SipAgent& agent = session.agent();
  EventQueue& queue = session.queue();
  auto timeout = session.timeout();
  std::string target = agent.target_uri(options.target);
  report.add("target", target);

  bool registered = false;
  if (!options.no_register) {
    auto t0 = Clock::now();
    SipEvent e;
    if (Error err = session.register_first(ao, 300, e)) return out.fail(err);
    registered = true;
    timings.add("register_ms", ms_since(t0));
  }

  // Status codes and the post-dial delay as they arrive on the wire.
  std::vector<int> statuses;
  long post_dial_delay_ms = -1;
  Clock::time_point t_invite;
  queue.observe([&](const SipTrace& t) {
    int status = response_status(t.text);
    if (t.outgoing || !status || cseq(t.text).find(" INVITE") == std::string::npos) return;
    if (status == 407 || status == 401) return;  // the challenge is not the callee's answer
    // Wire order: a proxy may relay the callee's 180 after its 200.
    bool final_seen = std::any_of(statuses.begin(), statuses.end(), [](int s) { return s >= 200; });
    if (statuses.empty() || statuses.back() != status) statuses.push_back(status);
    if (post_dial_delay_ms < 0 && !final_seen && (status == 180 || status == 183))
      post_dial_delay_ms = ms_since(t_invite);
  });

  const Transport transport = ao.server.transport;
  CallSecurity security(options.call.media_security, transport == Transport::ws || transport == Transport::wss);
  if (Error err = security.offer(local)) return out.fail(err);
  if (Error err = security.prepare_transport(local, *media.value(), nullptr)) return out.fail(err);
  auto offered = offer_formats(codecs);
  std::string offer = build_sdp(local, offered);
  t_invite = Clock::now();
  int call_id = agent.invite(target, offer);
  ActiveCall call(agent, queue, reporter, options.call, codecs, call_id, std::move(media.value()), local,
                  std::move(security));

  // Ringing: until a final answer, --ring-timeout, or a signal.
  ExitCode code = ExitCode::ok;
  std::string error;
  bool answered = false, ended = false;
  auto ring_deadline = t_invite + from_seconds(options.ring_timeout_s);
  auto apply_sdp = [&](const std::string& body) -> Error {
    auto answer = parse_sdp(body);
    if (!answer.ok()) return answer.error();
    auto params = accept_answer(answer.value(), offered);
    if (!params.ok()) return params.error();
    if (Error err = call.security().accept_answer(answer.value(), params.value())) return err;
    return call.apply(params.value(), audio.value());
  };
  while (!answered && !ended) {
    SipEvent e;
    Wait w = wait_event(agent, queue, e, ring_deadline, true, 0);
    if (w != Wait::event) {
      bool timed_out = w == Wait::timeout;
      code = timed_out ? ExitCode::no_answer : ExitCode::failure;
      error = timed_out ? "no answer within " + seconds_text(options.ring_timeout_s) + ", call cancelled"
                        : "interrupted while ringing, call cancelled";
      call.abandon(false, timeout);
      ended = true;
      break;
    }
    if (e.call != call_id) continue;
    switch (e.type) {
      case SipEventType::call_progress:
        if (!e.body.empty() && !call.result().media_started) {
          if (Error err = apply_sdp(e.body)) reporter.warn("early media ignored: " + err.message());
          else reporter.line("early media from " + call.params().remote_address);
        }
        break;
      case SipEventType::call_answered:
        answered = true;
        timings.add("answer_ms", ms_since(t_invite));
        if (!e.body.empty()) {
          if (Error err = apply_sdp(e.body)) {
            code = ExitCode::media_failure;
            error = "answered, but the SDP answer is unusable: " + err.message();
          }
        } else if (!call.result().media_started) {
          code = ExitCode::media_failure;
          error = "answered without SDP";
        }
        break;
      case SipEventType::call_failed: {
        // auto: a 488 to our first offer gets one offer of the other
        // profile, as a new INVITE (visible in the call flow).
        if (e.status == 488) {
          auto other = call.other_profile_offer(offered);
          if (!other.ok()) {
            code = exit_code_of(other.error());
            error = other.error().message();
            report.add("status", e.status).add("reason", e.phrase);
            ended = true;
            break;
          }
          if (*other) {
            reporter.line("488 " + e.phrase + (e.warning.empty() ? "" : " (Warning: \"" + e.warning + "\")") +
                          " to our WebRTC media offer: offering plain RTP (RTP/AVP) instead");
            reporter.event(JsonObject().add("event", "reoffer").add("after", 488).add("profile", "plain"));
            call_id = agent.invite(target, **other);
            call.use_call(call_id);
            break;
          }
        }
        code = exit_code_of(e);
        error = failure_message(e, "call to " + target, server);
        if (!e.warning.empty()) error += " (Warning: \"" + e.warning + "\")";
        // A 488 to the only profile we may use means the call cannot get
        // it: that is the media failure --media-security sdes/dtls promises.
        if (e.status == 488 && options.call.media_security == MediaSecurity::sdes) {
          error += " (our offer was SRTP only: --media-security sdes)";
          code = ExitCode::media_failure;
        } else if (e.status == 488 && options.call.media_security == MediaSecurity::dtls) {
          error += " (our offer was WebRTC media only: --media-security dtls)";
          code = ExitCode::media_failure;
        }
        report.add("status", e.status).add("reason", e.phrase);
        ended = true;
        break;
      }
      case SipEventType::call_terminated:
        if (!ended) code = ExitCode::sip_failure, error = "call to " + target + " ended before an answer";
        ended = true;
        break;
      default:
        break;
    }
  }
  if (post_dial_delay_ms >= 0) timings.add("post_dial_delay_ms", post_dial_delay_ms);

  if (answered && code != ExitCode::ok) {
    call.abandon(true, timeout);
  } else if (answered) {
    reporter.line("answered after " + std::to_string(ms_since(t_invite)) + " ms" +
                  (post_dial_delay_ms >= 0 ? " (post-dial delay " + std::to_string(post_dial_delay_ms) + " ms)" : "") +
                  ", " + call.params().codec.name + " with " + host_port(call.params().remote_address, call.params().remote_rtp_port));
    report.add("status", 200).add("reason", "OK");
    reporter.event(JsonObject().add("event", "answered").add("ms", ms_since(t_invite)));
    CallResult result = call.run(timeout, 0, {});
    code = result.code;
    error = result.error;
    report.add("hangup_by", result.hangup_by);
    timings.add("call_ms", result.duration_ms);
    if (result.stats.ice_ms >= 0) timings.add("ice_ms", result.stats.ice_ms);
    if (result.stats.dtls_ms >= 0) timings.add("dtls_ms", result.stats.dtls_ms);
    print_call_summary(reporter, result, call.params(), "the far end");
    add_call_report(report, result, call.params());
  }
  report.add_raw("statuses", json_int_array(statuses));
  session.wind_down(registered);
  return out.finish(code, error);
}

}  // namespace sipcall
