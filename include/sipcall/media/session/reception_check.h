// Whether a call received the RTP its far end owed us: the end-of-call
// half of the media verdict (the --media-timeout watchdog is the other).
// A call shorter than --media-timeout was never judged by the watchdog, so
// a silent peer passed; this rule judges every call, however short.
//
// The far end owes RTP while its SDP says it sends (sendrecv, sendonly),
// from the answer or its return from hold until the hang-up, less a grace
// of kReceptionGraceMs at the start of each such stretch for its first
// packet to arrive. A call that was owed RTP is a media failure when it
// received none, or fewer than one packet per second owed: a healthy
// stream brings 17 to 100 packets a second (ptime 60 to 10 ms), and a peer
// with silence suppression (Opus DTX) still one every 400 ms.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace sipcall::media {

constexpr long kReceptionGraceMs = 1000;

class OwedReception {
 public:
  using Clock = std::chrono::steady_clock;

  // The peer's direction from `now` on: sending or not (hold, inactive).
  void peer_sends(bool sends, Clock::time_point now);
  // Milliseconds of RTP owed up to `end` (the hang-up), graces deducted.
  long owed_ms(Clock::time_point end) const;

 private:
  long closed_ms_ = 0;  // owed by stretches that ended
  std::optional<Clock::time_point> sending_since_;
};

// The failure text when `received` packets fall short of `owed_ms`, or
// nothing when they do not (or nothing was owed).
std::optional<std::string> reception_shortfall(uint64_t received, long owed_ms);

}  // namespace sipcall::media
