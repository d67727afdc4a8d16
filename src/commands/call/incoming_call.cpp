#include "incoming_call.h"

#include "call_setup.h"
#include "sipcall/config/server_url.h"
#include "sipcall/commands/signals.h"

namespace sipcall {

std::string numbered_path(const std::string& path, int call_number) {
  if (path.empty() || call_number <= 1) return path;
  auto slash = path.rfind('/');
  auto dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) dot = path.size();
  return path.substr(0, dot) + "-" + std::to_string(call_number) + path.substr(dot);
}

IncomingCall::IncomingCall(const AnswerContext& context, const SipEvent& invite, int number)
    : ctx_(context), number_(number), sip_call_(invite.call), signals_seen_(signals_received()),
      security_(context.options.call.media_security, context.websocket) {
  report_.add("number", number).add("from", invite.peer);
  ctx_.reporter.line("incoming call " + std::to_string(number) + " from " + invite.peer);

  // An INVITE without SDP (delayed offer) gets our offer in the 200 and
  // brings its answer in the ACK.
  delayed_offer_ = invite.body.empty();
  if (delayed_offer_) {
    formats_ = offer_formats(ctx_.codecs);
    if (Error err = security_.offer(local_)) {
      fail(exit_code_of(err), err.message() + " (refused with 500)", 500);
      return;
    }
  } else {
    auto offer = parse_sdp(invite.body);
    if (!offer.ok()) {
      fail(ExitCode::media_failure, "unusable SDP offer: " + offer.error().message(), 488);
      return;
    }
    auto params = answer_offer(offer.value(), ctx_.codecs, formats_);
    if (!params.ok()) {
      fail(ExitCode::media_failure, params.error().message(), 488);
      return;
    }
    offered_params_ = params.value();
    if (Error err = security_.answer_offer(offer.value(), local_, offered_params_)) {
      fail(ExitCode::media_failure, "unusable SDP offer: " + err.message(), 488);
      return;
    }
    local_.rejected_before = offer.value().rejected_before;
    local_.rejected_after = offer.value().rejected_after;
    local_.direction = answer_direction(offered_params_.direction);
    local_.rtcp_mux = offered_params_.rtcp_mux;
  }
  // 503: the usual cause is that every port pair of --rtp-ports is taken
  // by the calls in progress; the caller may try again later.
  auto media = open_call_media(ctx_.options.call, ctx_.route_address, local_);
  if (!media.ok()) {
    fail(exit_code_of(media.error()), media.error().message() + " (refused with 503)", 503);
    return;
  }
  if (Error err = security_.prepare_transport(local_, *media.value(), delayed_offer_ ? nullptr : &offered_params_)) {
    const int status = err.kind() == ErrorKind::unusable_sdp ? 488 : 500;
    fail(exit_code_of(err), err.message() + " (refused with " + std::to_string(status) + ")", status);
    return;
  }
  // An offer from an address family our media socket cannot send to would
  // be a call without audio from its first packet (RFC 3264: 488).
  if (!delayed_offer_ && !offered_params_.webrtc) {
    if (Error err = media.value()->check_reachable(offered_params_.remote_address)) {
      fail(ExitCode::media_failure, err.message() + " (refused with 488)", 488);
      return;
    }
  }
  auto audio = open_call_audio(ctx_.options.call, ctx_.options.echo,
                               numbered_path(ctx_.options.call.record_file, number), ctx_.reporter);
  if (!audio.ok()) {
    fail(exit_code_of(audio.error()), audio.error().message(), 500);
    return;
  }
  audio_ = std::move(audio.value());
  call_ = std::make_unique<ActiveCall>(ctx_.agent, ctx_.queue, ctx_.reporter, ctx_.options.call, ctx_.codecs,
                                       sip_call_, std::move(media.value()), local_, security_);
  ctx_.agent.respond(sip_call_, 180);
  answer_at_ = Clock::now() + from_seconds(ctx_.options.answer_delay_s);
}

IncomingCall::~IncomingCall() = default;

std::string IncomingCall::prefix() const {
  // Lines of overlapping calls interleave; one call at a time needs no name.
  return ctx_.options.parallel > 1 ? "call " + std::to_string(number_) + ": " : "";
}

void IncomingCall::fail(ExitCode code, const std::string& error, int status) {
  if (status == 488) {
    ctx_.agent.refuse(sip_call_, status, error);
    report_.add("refused_status", status);
  } else if (status) {
    ctx_.agent.respond(sip_call_, status);
    report_.add("refused_status", status);
  }
  result_.code = code;
  result_.error = error;
  ctx_.reporter.line("sip-call: call " + std::to_string(number_) + ": " + error);
  report_.add("result", "error").add("exit_code", static_cast<int>(code)).add("error", error);
  phase_ = Phase::done;
}

void IncomingCall::answer() {
  if (delayed_offer_) {
    answered_ = true;
    ctx_.agent.respond(sip_call_, 200, build_sdp(call_->local(), formats_));
    phase_ = Phase::awaiting_ack;
    answer_at_ = Clock::now() + ctx_.timeout;
    return;
  }
  // Media first, so that our first RTP leaves with the 200 OK.
  if (Error err = call_->apply(offered_params_, audio_)) return fail(exit_code_of(err), err.message(), 500);
  answered_ = true;
  ctx_.agent.respond(sip_call_, 200, build_sdp(call_->local(), formats_));
  talk(offered_params_);
}

void IncomingCall::on_ack(const SipEvent& e) {
  auto answer = parse_sdp(e.body);
  auto params = answer.ok() ? accept_answer(answer.value(), formats_) : Result<media::MediaParams>(answer.error());
  if (params.ok()) {
    if (Error why = call_->security().accept_answer(answer.value(), params.value())) params = why;
  }
  Error err = params.ok() ? call_->apply(params.value(), audio_) : params.error();
  if (!err) return talk(params.value());
  fail(ExitCode::media_failure, "no usable SDP answer in the ACK: " + err.message(), 0);
  call_->end(true, ctx_.timeout);
  phase_ = Phase::abandoning;
}

void IncomingCall::talk(const media::MediaParams& params) {
  ctx_.reporter.line("answered call " + std::to_string(number_) + ", " + params.codec.name + " with " +
                     host_port(params.remote_address, params.remote_rtp_port));
  ctx_.reporter.event(JsonObject().add("event", "answered").add("number", number_));
  report_.add("answered_ms", ms_since(ctx_.started));
  call_->begin(ctx_.timeout, signals_seen_);
  phase_ = Phase::talking;
}

void IncomingCall::wrap_up() {
  result_ = call_->finish();
  print_call_summary(ctx_.reporter, result_, call_->params(), "the caller", prefix());
  if (!result_.error.empty()) ctx_.reporter.line("sip-call: call " + std::to_string(number_) + ": " + result_.error);
  report_.add("result", result_.code == ExitCode::ok ? "ok" : "error").add("exit_code", static_cast<int>(result_.code));
  if (!result_.error.empty()) report_.add("error", result_.error);
  report_.add("ended_ms", ms_since(ctx_.started)).add("hangup_by", result_.hangup_by).add("call_ms", result_.duration_ms);
  add_call_report(report_, result_, call_->params());
  phase_ = Phase::done;
}

void IncomingCall::on_event(const SipEvent& e) {
  switch (phase_) {
    case Phase::ringing:
      if (e.type == SipEventType::remote_hangup || e.type == SipEventType::call_terminated)
        fail(ExitCode::no_answer, "the caller hung up before the answer", 0);
      break;
    case Phase::awaiting_ack:
      if (e.type == SipEventType::call_ack) on_ack(e);
      else if (e.type == SipEventType::call_terminated)
        fail(ExitCode::media_failure, "no usable SDP answer in the ACK: no ACK", 0);
      break;
    case Phase::talking:
    case Phase::abandoning:
      call_->on_event(e);
      break;
    case Phase::done:
      break;
  }
}

void IncomingCall::tick() {
  auto now = Clock::now();
  switch (phase_) {
    case Phase::ringing:
      if (signals_received() > signals_seen_) {
        fail(ExitCode::failure, "interrupted while ringing", 480);
      } else if (now >= answer_at_) {
        answer();
      }
      break;
    case Phase::awaiting_ack:
      if (now >= answer_at_) {
        fail(ExitCode::media_failure, "no usable SDP answer in the ACK: no ACK", 0);
        call_->end(true, ctx_.timeout);
        phase_ = Phase::abandoning;
      }
      break;
    case Phase::talking:
      call_->tick();
      if (call_->finished()) wrap_up();
      break;
    case Phase::abandoning:
      call_->tick();
      if (call_->finished()) phase_ = Phase::done;
      break;
    case Phase::done:
      break;
  }
}

Clock::time_point IncomingCall::next_wake() const {
  switch (phase_) {
    case Phase::ringing:
    case Phase::awaiting_ack:
      return answer_at_;
    case Phase::talking:
    case Phase::abandoning:
      return call_->next_wake();
    case Phase::done:
      break;
  }
  return Clock::time_point::max();
}

}  // namespace sipcall
