// A call's outcome and how it is shown: the human lines after the call and
// the JSON fields of its report, shared by `dial` and `answer`.
// Internal to src/commands.
#pragma once

#include <string>

#include "sipcall/report/exit_codes.h"
#include "sipcall/error.h"
#include "sipcall/media/audio/received_audio.h"
#include "sipcall/media/session/media_session.h"
#include "sipcall/report/json_writer.h"
#include "sipcall/report/reporter.h"

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
  media::ToneVerdict tone;      // its verdict
  // Our BYE: -1 none sent (the peer hung up), 0 no answer within the
  // wait, else the final status of its answer (and its reason phrase).
  int bye_status = -1;
  std::string bye_reason;
};

// Adds a finished call's "media", "dtmf_sent" and "dtmf_received" fields.
void add_call_report(JsonObject& report, const CallResult& r, const media::MediaParams& params);
// The human lines after a call: "audio: opus/48000 pt 111, sent 500,
// received 498 packets (0.4 % lost), jitter 1.2 ms, RTT 0 ms, MOS 4.41",
// the tone check, DTMF received and "<who> hung up after N ms"; `peer`
// names the far end ("the far end", "the caller").
// `prefix` starts every line ("call 2: " when calls overlap).
void print_call_summary(Reporter& reporter, const CallResult& r, const media::MediaParams& params,
                        const std::string& peer, const std::string& prefix = "");

}  // namespace sipcall
