#include "sipcall/media/session/reception_check.h"

#include <algorithm>

#include "sipcall/duration_text.h"

namespace sipcall::media {

namespace {
long stretch_owed_ms(OwedReception::Clock::duration sending) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(sending).count();
  return std::max<long>(0, static_cast<long>(ms) - kReceptionGraceMs);
}
}  // namespace

void OwedReception::peer_sends(bool sends, Clock::time_point now) {
  if (sends && !sending_since_) sending_since_ = now;
  if (!sends && sending_since_) {
    closed_ms_ += stretch_owed_ms(now - *sending_since_);
    sending_since_.reset();
  }
}

long OwedReception::owed_ms(Clock::time_point end) const {
  return closed_ms_ + (sending_since_ && end > *sending_since_ ? stretch_owed_ms(end - *sending_since_) : 0);
}

std::optional<std::string> reception_shortfall(uint64_t received, long owed_ms) {
  if (owed_ms <= 0) return std::nullopt;
  const auto at_least = static_cast<uint64_t>(owed_ms / 1000);
  if (received == 0)
    return "no RTP received from the far end, which should have been sending for " + seconds_text_tenths(owed_ms) +
           " after a grace of " + seconds_text_tenths(kReceptionGraceMs) + " (one-way or no audio)";
  if (received >= at_least) return std::nullopt;
  return "far too little RTP from the far end: " + std::to_string(received) + " packet" + (received == 1 ? "" : "s") +
         " in the " + seconds_text_tenths(owed_ms) + " it should have been sending (at least one a second is due)";
}

}  // namespace sipcall::media
