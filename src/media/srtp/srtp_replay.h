// SRTP's packet indexes (RFC 3711 3.3.1) and replay list (3.3.2): pure
// arithmetic, no keys. Internal to src/media/srtp.
#pragma once

#include <cstdint>
#include <optional>

namespace sipcall::media {

// The 48-bit index of an SRTP packet: rollover counter * 2^16 + sequence
// number. The receiver never sees the counter; it guesses it from the
// highest index it has accepted (RFC 3711 3.3.1 and Appendix A). nullopt:
// the guess would be a counter below 0, i.e. a packet from before the stream
// began as we know it (too old to be anything but a replay).
std::optional<uint64_t> guess_rtp_index(std::optional<uint64_t> highest, uint16_t seq);

// Which indexes were accepted, over the last kWidth below the highest.
// Everything older is refused as a replay: a receiver cannot tell it from one.
class ReplayWindow {
 public:
  static constexpr uint64_t kWidth = 128;

  enum class Verdict { fresh, replayed, too_old };
  Verdict check(uint64_t index) const;
  // Marks index seen; after check() said fresh and the packet authenticated.
  void accept(uint64_t index);
  std::optional<uint64_t> highest() const { return highest_; }

 private:
  std::optional<uint64_t> highest_;
  unsigned __int128 seen_ = 0;  // bit d: index highest - d accepted
};

}  // namespace sipcall::media
