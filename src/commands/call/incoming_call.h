// One call `answer` took, from its INVITE to its report: rings for
// --answer-delay, answers (with our SDP, or taking the caller's answer from
// the ACK for an INVITE without an offer), then lets ActiveCall carry it.
//
// Event-driven like ActiveCall, so that `answer --parallel N` drives N of
// them from one signalling loop: the loop hands each one the events about
// its SIP call and calls tick() no later than next_wake().
// Internal to src/commands; runs on the signalling thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "active_call.h"
#include "commands/event_queue.h"
#include "call_audio.h"
#include "sipcall/report/exit_codes.h"
#include "sipcall/report/json_writer.h"
#include "sipcall/config/options.h"

namespace sipcall {

// What every call of one `answer` run shares; all of it outlives the calls.
struct AnswerContext {
  Signalling& agent;
  EventQueue& queue;
  Reporter& reporter;
  const AnswerOptions& options;
  const std::vector<std::string>& codecs;
  const std::string& route_address;  // our address towards the server, for SDP
  Clock::duration timeout;           // --timeout: network waits
  Clock::time_point started;         // the command's start, for answered_ms/ended_ms
  bool websocket = false;            // registered over ws or wss: our own offers are WebRTC media (auto)
};

class IncomingCall {
 public:
  // Takes the incoming_call event `invite`: checks the offer, binds RTP
  // ports, opens the audio and rings (180), or refuses the call at once
  // (488 for an unusable offer, 503 when no RTP port is free, 500 when the
  // audio cannot be opened), which makes it done().
  IncomingCall(const AnswerContext& context, const SipEvent& invite, int number);
  ~IncomingCall();

  // An event about this call (e.call == sip_call()).
  void on_event(const SipEvent& e);
  // Timers: the answer delay, the wait for the ACK, and ActiveCall's.
  void tick();
  Clock::time_point next_wake() const;
  bool done() const { return phase_ == Phase::done; }
  // We sent the 200 OK (a call refused with 488, 503 or 500 never was).
  bool answered() const { return answered_; }

  int number() const { return number_; }
  int sip_call() const { return sip_call_; }
  // Once done(): the outcome and the call's object for the report.
  const CallResult& result() const { return result_; }
  const JsonObject& report() const { return report_; }

 private:
  enum class Phase { ringing, awaiting_ack, talking, abandoning, done };
  void answer();
  void on_ack(const SipEvent& e);
  // A status of 488 carries `error` in a Warning header.
  void fail(ExitCode code, const std::string& error, int status);
  void talk(const media::MediaParams& params);
  void wrap_up();
  std::string prefix() const;

  const AnswerContext& ctx_;
  int number_;
  int sip_call_;
  int signals_seen_;
  Phase phase_ = Phase::ringing;
  Clock::time_point answer_at_;  // ringing: --answer-delay ends; awaiting_ack: give up on the ACK
  bool answered_ = false;
  bool delayed_offer_ = false;   // the INVITE had no SDP: ours goes in the 200, theirs comes in the ACK
  std::vector<SdpFormat> formats_;
  media::MediaParams offered_params_;  // from the INVITE's offer
  LocalMedia local_;
  CallSecurity security_;
  CallAudio audio_;
  std::unique_ptr<ActiveCall> call_;
  CallResult result_;
  JsonObject report_;
};

// heard.wav, heard-2.wav, heard-3.wav ...: one file per call.
std::string numbered_path(const std::string& path, int call_number);

}  // namespace sipcall
