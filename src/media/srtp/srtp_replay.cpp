#include "media/srtp/srtp_replay.h"

namespace sipcall::media {

std::optional<uint64_t> guess_rtp_index(std::optional<uint64_t> highest, uint16_t seq) {
  if (!highest) return seq;  // a stream's first packet: counter 0 (RFC 3711 3.3.1)
  const uint32_t roc = static_cast<uint32_t>(*highest >> 16);
  const uint16_t s_l = static_cast<uint16_t>(*highest);
  // Pick the counter (roc - 1, roc or roc + 1) that puts seq nearest to s_l.
  int64_t v = roc;
  if (s_l < 0x8000) {
    if (seq > s_l && seq - s_l > 0x8000) v = static_cast<int64_t>(roc) - 1;
  } else if (seq < s_l && s_l - 0x8000 > seq) {
    v = static_cast<int64_t>(roc) + 1;
  }
  if (v < 0 || v > 0xffffffffLL) return std::nullopt;
  return (static_cast<uint64_t>(v) << 16) | seq;
}

ReplayWindow::Verdict ReplayWindow::check(uint64_t index) const {
  if (!highest_ || index > *highest_) return Verdict::fresh;
  const uint64_t behind = *highest_ - index;
  if (behind >= kWidth) return Verdict::too_old;
  return (seen_ >> behind) & 1 ? Verdict::replayed : Verdict::fresh;
}

void ReplayWindow::accept(uint64_t index) {
  if (!highest_) {
    highest_ = index;
    seen_ = 1;
    return;
  }
  if (index > *highest_) {
    const uint64_t ahead = index - *highest_;
    seen_ = ahead >= kWidth ? 0 : seen_ << ahead;
    seen_ |= 1;
    highest_ = index;
    return;
  }
  const uint64_t behind = *highest_ - index;
  if (behind < kWidth) seen_ |= static_cast<unsigned __int128>(1) << behind;
}

}  // namespace sipcall::media
