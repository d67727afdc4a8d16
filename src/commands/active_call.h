// One call from the moment it has media until its dialog is gone, shared by
// `dial` and `answer`: it starts and updates the media stream from SDP,
// answers re-INVITEs, sends DTMF, watches for missing RTP, hangs up on
// --duration or a signal, and collects what the report needs.
// Internal to src/commands; runs on the signalling thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent_loop.h"
#include "call_audio.h"
#include "sipcall/error.h"
#include "sipcall/json_writer.h"
#include "sipcall/media/media_session.h"
#include "sipcall/options.h"
#include "sipcall/sdp.h"
#include "sipcall/sip_agent.h"

namespace sipcall {

struct CallResult {
  ExitCode code = ExitCode::ok;
  std::string error;        // one line, empty when ok
  std::string hangup_by;    // "local", "remote", or "" (never connected)
  long duration_ms = 0;     // from answer to hang-up [ms]
  std::string dtmf_sent;
  std::string dtmf_received;  // RFC 4733 and SIP INFO, in arrival order
  media::MediaStats stats;
  bool media_started = false;
  double expected_tone_hz = 0;  // --expect-tone, 0 = not checked
  ToneVerdict tone;             // its verdict
};

class ActiveCall {
 public:
  // `media` is bound already; `local` describes it (address, ports, o= ids).
  ActiveCall(SipAgent& agent, EventQueue& queue, Reporter& reporter, const CallOptions& options,
             std::vector<std::string> codecs, int call, std::unique_ptr<media::MediaSession> media, LocalMedia local);
  ~ActiveCall();

  int call() const { return call_; }
  LocalMedia& local() { return local_; }
  const media::MediaParams& params() const { return params_; }

  // Starts streaming with `params` (or updates a running stream: early
  // media, then the final answer). The first call takes the audio.
  Error apply(const media::MediaParams& params, CallAudio& audio);

  // The in-call phase, from answer until the dialog is gone. `other` sees
  // events that are not about this call (answer: new INVITEs get 486).
  // `timeout` bounds the wait for the dialog to end after a BYE. A signal
  // beyond the first `signals_seen` hangs up.
  CallResult run(Clock::duration timeout, int signals_seen, const std::function<void(const SipEvent&)>& other);

  // Hangs up a call that never got to run() (CANCEL or BYE as fits) and
  // waits, bounded by `timeout`, for its dialog to end.
  void abandon(bool answered, Clock::duration timeout);

  CallResult& result() { return result_; }

 private:
  void on_reoffer(const SipEvent& e);
  void wait_terminated(Clock::duration timeout, const std::function<void(const SipEvent&)>& other);
  bool media_failed(std::string& why);

  SipAgent& agent_;
  EventQueue& queue_;
  Reporter& reporter_;
  const CallOptions& options_;
  std::vector<std::string> codecs_;
  int call_;
  std::unique_ptr<media::MediaSession> media_;
  LocalMedia local_;
  media::MediaParams params_;
  CallResult result_;
  bool terminated_ = false;
  Clock::time_point media_expected_since_;  // answer, or the peer's return from hold
  bool awaiting_ack_answer_ = false;
  std::shared_ptr<ReceivedAudio> received_;  // for --expect-tone        // we offered in a 200 to an offerless re-INVITE
  std::vector<SdpFormat> offered_formats_;
};

// What `dial` and `answer` check before anything goes on the network.
struct CallCommandSetup {
  std::vector<std::string> codecs;  // --codecs, validated
  AgentOptions account;
  std::string server;               // for messages
};
// Validates --codecs and the account, and adds user, server and transport
// to the report.
Result<CallCommandSetup> prepare_call_command(const GlobalOptions& global, const CallOptions& call,
                                              JsonObject& report);

// Binds a call's RTP/RTCP ports on the media address (--media-address, else
// our address on the route to the server) and fills `local` for our SDP.
Result<std::unique_ptr<media::MediaSession>> open_call_media(const CallOptions& options,
                                                             const std::string& route_address, LocalMedia& local);

// Adds a finished call's "media", "dtmf_sent" and "dtmf_received" fields.
void add_call_report(JsonObject& report, const CallResult& r, const media::MediaParams& params);
// The human lines after a call: "audio: opus/48000 pt 111, sent 500,
// received 498 packets (0.4 % lost), jitter 1.2 ms, RTT 0 ms, MOS 4.41",
// the tone check, DTMF received and "<who> hung up after N ms"; `peer`
// names the far end ("the far end", "the caller").
void print_call_summary(Reporter& reporter, const CallResult& r, const media::MediaParams& params,
                        const std::string& peer);

}  // namespace sipcall
