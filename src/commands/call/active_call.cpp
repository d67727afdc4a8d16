#include "active_call.h"

#include <algorithm>
#include <cstdio>

#include "sipcall/commands/signals.h"
#include "sipcall/duration_text.h"

namespace sipcall {

namespace {

constexpr auto kMaxCall = std::chrono::hours(1);             // --duration 0: the peer hangs up, but not never
constexpr auto kInfoDigitGap = std::chrono::milliseconds(250);  // between SIP INFO digits
constexpr int kInfoDigitMs = 160;                            // Duration= we announce

// RTP is owed only by an active peer: sendonly and inactive are hold (the
// re-INVITE line says "on hold" for them), with or without music, and
// recvonly sends nothing.
bool peer_sends(media::Direction d) { return d == media::Direction::sendrecv; }

}  // namespace

ActiveCall::ActiveCall(Signalling& agent, EventQueue& queue, Reporter& reporter, const CallOptions& options,
                       std::vector<std::string> codecs, int call, std::unique_ptr<media::MediaSession> media,
                       LocalMedia local)
    : ActiveCall(agent, queue, reporter, options, std::move(codecs), call, std::move(media), std::move(local),
                 CallSecurity(options.media_security)) {}

ActiveCall::ActiveCall(Signalling& agent, EventQueue& queue, Reporter& reporter, const CallOptions& options,
                       std::vector<std::string> codecs, int call, std::unique_ptr<media::MediaSession> media,
                       LocalMedia local, CallSecurity security)
    : agent_(agent), queue_(queue), reporter_(reporter), options_(options), codecs_(std::move(codecs)), call_(call),
      media_(std::move(media)), local_(std::move(local)), security_(std::move(security)) {}

Result<std::optional<std::string>> ActiveCall::other_profile_offer(const std::vector<SdpFormat>& formats) {
  if (!security_.switch_offer_profile()) return std::optional<std::string>();
  if (Error err = security_.offer(local_)) return err;
  if (!security_.offers_webrtc()) {
    media_->drop_webrtc();
    local_.transport.clear();
    local_.mid.clear();
    local_.bundle = false;
    local_.rtp_port = media_->local_rtp_port();
    local_.rtcp_port = media_->local_rtcp_port();
  } else if (Error err = security_.prepare_transport(local_, *media_, nullptr)) {
    return err;
  }
  ++local_.version;
  return std::optional<std::string>(build_sdp(local_, formats));
}

ActiveCall::~ActiveCall() {
  if (media_) media_->stop();
}

Error ActiveCall::apply(const media::MediaParams& params, CallAudio& audio) {
  if (audio.received) received_ = audio.received;
  Error err = result_.media_started ? media_->update(params)
                                    : media_->start(params, std::move(audio.source), std::move(audio.sink));
  if (err) return err;
  params_ = params;
  result_.media_started = true;
  return {};
}

void ActiveCall::answer_reoffer(const std::string& request, int status, const std::string& sdp) {
  if (request == "UPDATE") agent_.respond_update(call_, status, sdp);
  else agent_.respond(call_, status, sdp);
}

// A re-INVITE's 488 says why in a Warning; UPDATE's answer has none.
void ActiveCall::refuse_reoffer(const std::string& request, const Error& why) {
  reporter_.warn(request + " refused: " + why.message());
  if (request == "UPDATE") agent_.respond_update(call_, 488);
  else agent_.refuse(call_, 488, why.message());
}

void ActiveCall::on_reoffer(const SipEvent& e, const std::string& request) {
  std::vector<SdpFormat> formats;
  Result<media::MediaParams> params = Error::unusable_sdp(request + " without SDP");
  if (e.body.empty()) {
    // An offerless re-INVITE asks for our offer; keep what is running and
    // re-offer the current codec (the answer comes in the ACK), with fresh
    // keys when the call runs SRTP.
    formats = offer_formats(codecs_);
    if (Error err = security_.offer(local_)) return refuse_reoffer(request, err);
  } else {
    auto offer = parse_sdp(e.body);
    params = offer.ok() ? answer_offer(offer.value(), codecs_, formats) : Result<media::MediaParams>(offer.error());
    if (!params.ok()) return refuse_reoffer(request, params.error());
    // New keys take effect with the media update, or not at all.
    CallSecurity security = security_;
    LocalMedia local = local_;
    if (Error err = security.answer_offer(offer.value(), local, params.value())) return refuse_reoffer(request, err);
    if (Error err = media_->update(params.value())) return refuse_reoffer(request, err);
    security_ = std::move(security);
    local_.crypto = std::move(local.crypto);
    take_peer_params(params.value());
    local_.direction = answer_direction(params_.direction);
    local_.rtcp_mux = params_.rtcp_mux;
    local_.rejected_before = offer.value().rejected_before;
    local_.rejected_after = offer.value().rejected_after;
    reporter_.line(request + ": peer is " +
                   (params_.direction == media::Direction::sendrecv ? "active" : "on hold") + ", codec " +
                   params_.codec.name);
  }
  ++local_.version;
  answer_reoffer(request, 200, build_sdp(local_, formats));
  awaiting_ack_answer_ = e.body.empty() && request == "re-INVITE";
  offered_formats_ = formats;
}

// The peer's new SDP is in force: the media watchdog restarts when it
// returns from hold, and the RTP it owes follows its direction.
void ActiveCall::take_peer_params(const media::MediaParams& params) {
  const auto now = Clock::now();
  if (peer_sends(params.direction) && !peer_sends(params_.direction)) media_expected_since_ = now;
  params_ = params;
  owed_.peer_sends(peer_sends(params_.direction), now);
}

// At the end of the call: did the peer send what it owed, and could we
// send? (media_failed() watches the same while the call lasts.)
void ActiveCall::judge_reception() {
  if (result_.code != ExitCode::ok) return;
  const auto& s = result_.stats;
  if (!s.transport_error.empty()) {
    result_.code = ExitCode::media_failure;
    result_.error = s.transport_error;
    return;
  }
  if (s.packets_send_failed > 0) {
    result_.code = ExitCode::media_failure;
    result_.error = "could not send RTP: " + std::to_string(s.packets_send_failed) + " packets refused (" +
                    s.send_error + ")";
    return;
  }
  if (options_.media_timeout_s <= 0) return;
  const auto hung_up_at = answered_at_ + std::chrono::milliseconds(result_.duration_ms);
  if (auto why = media::reception_shortfall(s.packets_received, owed_.owed_ms(hung_up_at))) {
    result_.code = ExitCode::media_failure;
    result_.error = *why;
  }
}

bool ActiveCall::media_failed(std::string& why) {
  auto sent = media_->stats();
  if (!sent.transport_error.empty()) {  // WebRTC media: ICE or DTLS failed
    why = sent.transport_error;
    return true;
  }
  if (sent.packets_send_failed > 0) {
    why = "could not send RTP: " + sent.send_error;
    return true;
  }
  if (!peer_sends(params_.direction)) return false;
  auto timeout_ms = static_cast<long>(options_.media_timeout_s * 1000);
  if (timeout_ms <= 0 || ms_since(media_expected_since_) <= timeout_ms) return false;
  const auto& s = sent;
  if (s.packets_received == 0) {
    why = "no RTP received within " + seconds_text(options_.media_timeout_s) + " of the answer (one-way or no audio)";
    return true;
  }
  if (s.last_rtp_age_ms > timeout_ms) {
    why = "RTP stopped: nothing received for " + seconds_text(options_.media_timeout_s);
    return true;
  }
  return false;
}

void ActiveCall::begin(Clock::duration timeout, int signals_seen) {
  begun_ = true;
  timeout_ = timeout;
  signals_seen_ = signals_seen;
  answered_at_ = Clock::now();
  media_expected_since_ = answered_at_;
  owed_.peer_sends(peer_sends(params_.direction), answered_at_);
  hang_up_at_ =
      answered_at_ + (options_.duration_s > 0 ? from_seconds(options_.duration_s) : Clock::duration(kMaxCall));
  // DTMF: RFC 4733 needs a negotiated telephone-event; otherwise SIP INFO.
  next_dtmf_at_ = answered_at_ + from_seconds(options_.dtmf_delay_s);
  dtmf_pending_ = !options_.dtmf.empty();
  if (dtmf_pending_ && !options_.dtmf_info && params_.telephone_event_pt < 0)
    reporter_.warn("the peer did not accept telephone-event; sending DTMF as SIP INFO");
}

void ActiveCall::send_due_dtmf(Clock::time_point now) {
  if (!dtmf_pending_ || now < next_dtmf_at_) return;
  if (!options_.dtmf_info && params_.telephone_event_pt >= 0) {
    media_->send_dtmf(options_.dtmf);
    result_.dtmf_sent = options_.dtmf;
    dtmf_pending_ = false;
    return;
  }
  if (!info_digits_queued_) {
    info_digits_left_ = options_.dtmf;
    info_digits_queued_ = true;
  }
  // Only acknowledged digits count as sent (on_info_answer); a refused one
  // ends the sequence.
  if (info_in_flight_ || info_refused_status_) return;
  if (!info_digits_left_.empty()) {
    info_in_flight_ = info_digits_left_.front();
    agent_.send_dtmf_info(call_, info_in_flight_, kInfoDigitMs);
    info_digits_left_.erase(0, 1);
    next_dtmf_at_ = now + kInfoDigitGap;
  }
  dtmf_pending_ = !info_digits_left_.empty();
}

void ActiveCall::on_info_answer(const SipEvent& e) {
  if (!info_in_flight_) return;
  if (e.status >= 200 && e.status < 300) {
    result_.dtmf_sent += info_in_flight_;
  } else {
    info_refused_status_ = e.status;
    info_refused_phrase_ = e.phrase;
    info_from_network_ = e.from_network;
    dtmf_pending_ = false;
  }
  info_in_flight_ = 0;
}

std::string ActiveCall::dtmf_info_failure() const {
  if (!info_in_flight_ && !info_refused_status_) return {};
  std::string why = "DTMF: " + std::to_string(result_.dtmf_sent.size()) + " of " + std::to_string(options_.dtmf.size()) +
                    " digits acknowledged; ";
  if (info_in_flight_) return why + "the INFO for '" + info_in_flight_ + "' got no answer before the hang-up";
  if (!info_from_network_ || info_refused_status_ == 408)
    return why + "an INFO got no answer (" + std::to_string(info_refused_status_) + " " + info_refused_phrase_ +
           (info_from_network_ ? " from the network)" : ")");
  return why + "an INFO was refused with " + std::to_string(info_refused_status_) + " " + info_refused_phrase_;
}

// RFC 3261 15.1.1: the session ends when the BYE is sent, media with it.
void ActiveCall::send_bye() {
  agent_.bye(call_);
  bye_sent_ = true;
  media_->stop();
}

void ActiveCall::on_bye_answer(const SipEvent& e) {
  if (!bye_sent_ || bye_answered_) return;
  bye_answered_ = true;
  bye_from_network_ = e.from_network;
  result_.bye_status = e.from_network ? e.status : 0;
  result_.bye_reason = e.phrase;
}

// What the answer to our BYE says about the far end. A 481 means it had
// forgotten the call, unless its own BYE crossed ours; a 408 from the
// network is a proxy that could not reach it; no answer at all, or any
// other failure, is a far end that does not end calls properly.
std::string ActiveCall::bye_failure() const {
  if (!bye_sent_) return {};
  if (bye_answered_ && !bye_from_network_) return "the far end never answered our BYE (" + result_.bye_reason + ")";
  if (!bye_answered_)
    return "the far end never answered our BYE" +
           (gave_up_ ? " within " + seconds_text(std::chrono::duration<double>(timeout_).count()) : std::string());
  int status = result_.bye_status;
  if (status < 300 || (status == 481 && remote_bye_seen_)) return {};
  std::string answer = std::to_string(status) + " " + result_.bye_reason;
  if (status == 408) return "our BYE got " + answer + " from the network: the far end did not answer it";
  if (status == 481) return "our BYE got " + answer + ": the far end had lost the call";
  return "our BYE was refused: " + answer;
}

void ActiveCall::hung_up_by(const char* who, Clock::time_point now) {
  result_.hangup_by = who;
  result_.duration_ms = ms_since(answered_at_);
  hung_up_ = true;
  // The dialog must end within --timeout whatever the peer does.
  hang_up_at_ = now + timeout_;
}

void ActiveCall::tick() {
  auto now = Clock::now();
  if (hung_up_) {
    if (!terminated_ && now >= hang_up_at_) gave_up_ = true;
    return;
  }
  send_due_dtmf(now);
  std::string why;
  if (media_failed(why)) {
    result_.code = ExitCode::media_failure;
    result_.error = why;
  } else if (signals_received() > signals_seen_) {
    result_.code = ExitCode::failure;
    result_.error = "interrupted during the call";
  } else if (now < hang_up_at_) {
    return;
  }
  hung_up_by("local", now);
  send_bye();
}

Clock::time_point ActiveCall::next_wake() const {
  // 100 ms: the media watchdog and signals have no event of their own.
  auto wake = std::min(Clock::now() + std::chrono::milliseconds(100), hang_up_at_);
  if (dtmf_pending_ && !hung_up_ && !info_in_flight_) wake = std::min(wake, next_dtmf_at_);
  return wake;
}

void ActiveCall::on_event(const SipEvent& e) {
  switch (e.type) {
    case SipEventType::remote_hangup:
      remote_bye_seen_ = true;
      if (!hung_up_) hung_up_by("remote", Clock::now());
      break;
    case SipEventType::bye_answered:
      on_bye_answer(e);
      break;
    case SipEventType::info_answered:
      on_info_answer(e);
      break;
    case SipEventType::call_terminated:
      terminated_ = true;
      break;
    case SipEventType::call_reoffer:
      if (begun_) on_reoffer(e, "re-INVITE");
      break;
    case SipEventType::call_update:
      // An UPDATE without an offer (a refresh) changes nothing (RFC 3311).
      if (!begun_ || e.body.empty()) agent_.respond_update(call_, begun_ ? 200 : 491);
      else on_reoffer(e, "UPDATE");
      break;
    case SipEventType::call_ack:
      if (awaiting_ack_answer_ && !e.body.empty()) {
        auto answer = parse_sdp(e.body);
        auto params = answer.ok() ? accept_answer(answer.value(), offered_formats_)
                                  : Result<media::MediaParams>(answer.error());
        if (params.ok()) {
          if (Error err = security_.accept_answer(answer.value(), params.value())) params = err;
        }
        if (params.ok() && !media_->update(params.value())) take_peer_params(params.value());
        else reporter_.warn("ignoring the SDP answer in ACK: " + (params.ok() ? "update failed" : params.error().message()));
      }
      awaiting_ack_answer_ = false;
      break;
    case SipEventType::dtmf_info:
      info_received_ += e.dtmf;
      break;
    default:
      break;
  }
}

void ActiveCall::end(bool answered, Clock::duration timeout) {
  if (answered) send_bye();
  else agent_.cancel(call_);
  timeout_ = timeout;
  hung_up_ = true;
  hang_up_at_ = Clock::now() + timeout;
}

CallResult ActiveCall::finish() {
  if (!hung_up_) {
    result_.hangup_by = "remote";
    result_.duration_ms = ms_since(answered_at_);
  }
  media_->stop();
  result_.stats = media_->stats();
  result_.dtmf_received = result_.stats.dtmf_received + info_received_;
  judge_reception();
  if (options_.expect_tone_hz > 0 && received_) {
    result_.expected_tone_hz = options_.expect_tone_hz;
    result_.tone = media::check_tone(*received_, options_.expect_tone_hz);
    if (!result_.tone.found && result_.code == ExitCode::ok) {
      char buf[160];
      if (result_.stats.packets_received == 0)  // the analysis of silence says nothing useful
        std::snprintf(buf, sizeof buf, "no RTP arrived, so the expected %g Hz tone was not heard",
                      options_.expect_tone_hz);
      else
        std::snprintf(buf, sizeof buf,
                      "the received audio is not the expected %g Hz tone (strongest %g Hz at %.0f dBFS)",
                      options_.expect_tone_hz, result_.tone.dominant_hz, result_.tone.level_dbfs);
      result_.code = ExitCode::media_failure;
      result_.error = buf;
    }
  }
  if (bye_sent_ && !bye_answered_) result_.bye_status = 0;
  for (const std::string& why : {dtmf_info_failure(), bye_failure()}) {
    if (why.empty() || result_.code != ExitCode::ok) continue;
    result_.code = ExitCode::dialog_failure;
    result_.error = why;
  }
  return result_;
}

void ActiveCall::drive(const std::function<void(const SipEvent&)>& other) {
  for (tick(); !finished(); tick()) {
    SipEvent e;
    if (wait_event(agent_, queue_, e, next_wake(), false, 0) != Wait::event) continue;
    if (e.call == call_) on_event(e);
    else if (other) other(e);
  }
}

void ActiveCall::abandon(bool answered, Clock::duration timeout) {
  end(answered, timeout);
  drive({});
}

CallResult ActiveCall::run(Clock::duration timeout, int signals_seen, const std::function<void(const SipEvent&)>& other) {
  begin(timeout, signals_seen);
  drive(other);
  return finish();
}

}  // namespace sipcall
