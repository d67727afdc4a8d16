// The trace tap: Sofia-SIP writes each message it sends or receives to its
// default log (TPTAG_LOG); the tap turns that text into SipTraces and
// remembers which responses really arrived, so that a response Sofia made
// up itself (408 after no answer, 503 for a broken connection) is told from
// one the server sent (SipEvent::from_network).
//
// su_log has one sink per process, so there is one tap at a time: claim()
// fails while another holds it, which limits a process to one SipAgent.
// Runs on the signalling thread. Internal to src/sip.
#pragma once

#include <chrono>
#include <cstdarg>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

#include "sipcall/error.h"
#include "sipcall/sip/sip_trace.h"

struct sip_s;  // Sofia-SIP's sip_t

namespace sipcall {

class TraceTap {
 public:
  using Sink = std::function<void(SipTrace&& trace)>;

  // Takes Sofia's log for this tap: its messages go to `sink`, Sofia's own
  // debug chatter nowhere (it is not for users and may echo parts of
  // requests). An internal Error while another tap holds it.
  static Result<std::unique_ptr<TraceTap>> claim(Sink sink);
  ~TraceTap();  // gives the log back: nothing is traced until the next claim
  TraceTap(const TraceTap&) = delete;
  TraceTap& operator=(const TraceTap&) = delete;

  // Log text as su_log writes it (a message comes in many pieces).
  void feed(std::string_view text);
  void feed_log(const char* fmt, va_list ap);

  // Whether a response with this status, CSeq ("2 REGISTER") and Call-ID
  // was received, among the last kKept ones.
  bool received(int status, std::string_view cseq, std::string_view call_id) const;
  // The same for a response nua hands us (false without a CSeq).
  bool from_network(int status, sip_s const* sip) const;

  static constexpr size_t kKept = 4096;

 private:
  explicit TraceTap(Sink sink);
  static std::string key(int status, std::string_view cseq, std::string_view call_id);

  Sink sink_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  SofiaTraceParser parser_;
  // Not just the last response: a stream read may hold many, all traced
  // before the first is handed to us. Oldest dropped first.
  std::unordered_set<std::string> received_;
  std::deque<std::string> received_order_;
};

}  // namespace sipcall
