// Receiver-side statistics of one RTP source (RFC 3550 appendix A.1, A.3,
// A.8): extended sequence numbers across the 16-bit wrap, loss counts and
// the interarrival jitter estimate. Not thread-safe: the owner locks.
#pragma once

#include <cstdint>

namespace sipcall::media {

class ReceptionStats {
 public:
  // clock_rate: RTP timestamp rate of the source [Hz], needed for jitter.
  explicit ReceptionStats(uint32_t clock_rate) : clock_rate_(clock_rate) {}

  // Records one packet. arrival_us is a monotonic arrival time [us].
  // Returns false when the packet is rejected as a big sequence jump (it
  // then needs a second, consecutive packet to resynchronise, as in A.1).
  // update_jitter=false for packets whose timestamp is no sampling instant
  // (RFC 4733 events keep the start timestamp for the whole event).
  bool on_packet(uint16_t sequence, uint32_t rtp_timestamp, int64_t arrival_us, bool update_jitter = true);

  bool started() const { return started_; }
  uint32_t clock_rate() const { return clock_rate_; }  // [Hz]
  uint64_t received() const { return received_; }             // packets accepted [count]
  uint32_t extended_max_sequence() const { return static_cast<uint32_t>(cycles_ + max_seq_); }
  uint64_t expected() const;                                   // [count]
  int64_t cumulative_lost() const;                             // may be negative on duplicates [count]
  double jitter_ticks() const { return jitter_; }              // [RTP timestamp units]
  double jitter_ms() const;                                    // [ms]

  // Fraction lost since the previous call, as the 8-bit fixed point value
  // of an RTCP report block (lost/expected * 256); advances the interval.
  uint8_t take_fraction_lost();

 private:
  void restart(uint16_t sequence);

  uint32_t clock_rate_;
  bool started_ = false;
  uint16_t max_seq_ = 0;
  uint64_t cycles_ = 0;  // sequence wraps * 65536
  uint32_t base_seq_ = 0;
  uint32_t bad_seq_ = 0x10000 + 1;  // "impossible" until a jump is seen
  uint64_t received_ = 0;
  uint64_t expected_prior_ = 0;
  uint64_t received_prior_ = 0;
  double jitter_ = 0;
  bool have_transit_ = false;
  int64_t last_transit_ = 0;  // [RTP timestamp units]
};

}  // namespace sipcall::media
