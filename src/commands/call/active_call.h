// One call from the moment it has media until its dialog is gone, shared by
// `dial` and `answer`: it starts and updates the media stream from SDP,
// answers re-INVITEs, sends DTMF, watches for missing RTP, hangs up on
// --duration or a signal, and collects what the report needs.
//
// It is event-driven (begin, on_event, tick, finish) so that one signalling
// loop can drive many calls at once (`answer --parallel`); run() is that
// loop for a single call (`dial`).
// Internal to src/commands; runs on the signalling thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "commands/event_queue.h"
#include "call_audio.h"
#include "call_report.h"
#include "call_security.h"
#include "sipcall/error.h"
#include "sipcall/media/session/media_session.h"
#include "sipcall/media/session/reception_check.h"
#include "sipcall/config/options.h"
#include "sipcall/sip/sdp.h"
#include "sipcall/sip/sip_agent.h"

namespace sipcall {

class ActiveCall {
 public:
  // `media` is bound already; `local` describes it (address, ports, o= ids).
  ActiveCall(Signalling& agent, EventQueue& queue, Reporter& reporter, const CallOptions& options,
             std::vector<std::string> codecs, int call, std::unique_ptr<media::MediaSession> media, LocalMedia local);
  // With the SDP policy that made `local` (its offer, or its answer).
  ActiveCall(Signalling& agent, EventQueue& queue, Reporter& reporter, const CallOptions& options,
             std::vector<std::string> codecs, int call, std::unique_ptr<media::MediaSession> media, LocalMedia local,
             CallSecurity security);
  ~ActiveCall();

  int call() const { return call_; }
  LocalMedia& local() { return local_; }
  CallSecurity& security() { return security_; }
  const media::MediaParams& params() const { return params_; }

  // Starts streaming with `params` (or updates a running stream: early
  // media, then the final answer). The first call takes the audio.
  Error apply(const media::MediaParams& params, CallAudio& audio);

  // The far end refused our first offer with 488 before answering; under
  // --media-security auto a WebRTC offer is followed by a plain one, once. The SDP of that offer, or nullopt when there is none
  // (another mode, or tried already), or an Error when it cannot be made.
  // The caller sends it as a new INVITE and hands its call id to use_call().
  Result<std::optional<std::string>> other_profile_offer(const std::vector<SdpFormat>& formats);
  void use_call(int call) { call_ = call; }

  // The in-call phase, from answer until the dialog is gone, for a loop
  // that drives many calls: begin() at the answer; then on_event() for each
  // event about this call and tick() after every wait (no later than
  // next_wake()), until finished(); then finish() once. `timeout` bounds
  // the wait for the dialog to end after a BYE; a signal beyond
  // `signals_seen` hangs up.
  void begin(Clock::duration timeout, int signals_seen);
  void on_event(const SipEvent& e);
  void tick();
  Clock::time_point next_wake() const;
  bool finished() const { return terminated_ || gave_up_; }
  // Stops the media and adds its statistics, DTMF and the tone check.
  CallResult finish();

  // Hangs up a call that never began (CANCEL or BYE as fits) without
  // waiting; finished() turns true when its dialog is gone, or `timeout`
  // later. finish() is not needed then.
  void end(bool answered, Clock::duration timeout);

  // The in-call phase driven by a loop of its own (one call at a time).
  // `other` sees events that are not about this call.
  CallResult run(Clock::duration timeout, int signals_seen, const std::function<void(const SipEvent&)>& other);
  // end() and wait, bounded by `timeout`, for the dialog to end.
  void abandon(bool answered, Clock::duration timeout);

  CallResult& result() { return result_; }

 private:
  // A re-INVITE or UPDATE (`request` names it in messages) with or
  // without an offer.
  void on_reoffer(const SipEvent& e, const std::string& request);
  void answer_reoffer(const std::string& request, int status, const std::string& sdp = {});
  void refuse_reoffer(const std::string& request, const Error& why);
  void drive(const std::function<void(const SipEvent&)>& other);
  void send_due_dtmf(Clock::time_point now);
  bool media_failed(std::string& why);
  void take_peer_params(const media::MediaParams& params);
  void judge_reception();
  void hung_up_by(const char* who, Clock::time_point now);
  void send_bye();
  void on_bye_answer(const SipEvent& e);
  void on_info_answer(const SipEvent& e);
  std::string dtmf_info_failure() const;
  std::string bye_failure() const;

  Signalling& agent_;
  EventQueue& queue_;
  Reporter& reporter_;
  const CallOptions& options_;
  std::vector<std::string> codecs_;
  int call_;
  std::unique_ptr<media::MediaSession> media_;
  LocalMedia local_;
  CallSecurity security_;
  media::MediaParams params_;
  CallResult result_;
  bool terminated_ = false;
  bool gave_up_ = false;      // the dialog outlived `timeout_` after our BYE
  bool begun_ = false;
  bool hung_up_ = false;      // BYE sent or received (or CANCEL)
  Clock::duration timeout_{};
  int signals_seen_ = 0;
  Clock::time_point answered_at_;
  Clock::time_point hang_up_at_;  // --duration; after hang-up: give up on the dialog
  bool dtmf_pending_ = false;
  Clock::time_point next_dtmf_at_;
  std::string info_digits_left_;  // SIP INFO digits still to send, one per kInfoDigitGap
  // The digit whose INFO awaits its final answer (0: none). nua sends the
  // requests of a dialog one at a time, so the next digit waits for it.
  char info_in_flight_ = 0;
  bool info_digits_queued_ = false;  // info_digits_left_ was filled from --dtmf
  int info_refused_status_ = 0;   // final non-2xx to an INFO; no more digits follow
  std::string info_refused_phrase_;
  bool info_from_network_ = true;
  bool bye_sent_ = false;
  bool bye_answered_ = false;
  bool bye_from_network_ = true;
  bool remote_bye_seen_ = false;  // the peer's own BYE (it may cross ours)
  std::string info_received_;
  Clock::time_point media_expected_since_;  // answer, or the peer's return from hold
  media::OwedReception owed_;               // how long the peer should have been sending
  bool awaiting_ack_answer_ = false;
  std::shared_ptr<media::ReceivedAudio> received_;  // for --expect-tone
  std::vector<SdpFormat> offered_formats_;   // we offered in a 200 to an offerless re-INVITE
};

}  // namespace sipcall
