#include "rtp_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace sipcall::media {

namespace {
// RFC 3550 A.1: a forward jump of up to kMaxDropout packets is loss; a
// backward step of up to kMaxMisorder is reordering; anything else is a jump.
constexpr uint16_t kMaxDropout = 3000;
constexpr uint16_t kMaxMisorder = 100;
}  // namespace

void ReceptionStats::restart(uint16_t sequence) {
  max_seq_ = sequence;
  cycles_ = 0;
  base_seq_ = sequence;
  bad_seq_ = 0x10000 + 1;
  received_ = 0;
  expected_prior_ = 0;
  received_prior_ = 0;
  have_transit_ = false;
}

bool ReceptionStats::on_packet(uint16_t sequence, uint32_t rtp_timestamp, int64_t arrival_us, bool update_jitter) {
  if (!started_) {
    started_ = true;
    restart(sequence);
  } else {
    const uint16_t delta = static_cast<uint16_t>(sequence - max_seq_);
    if (delta != 0 && delta < kMaxDropout) {
      if (sequence < max_seq_) cycles_ += 0x10000;  // wrapped
      max_seq_ = sequence;
    } else if (delta != 0 && delta <= 0x10000 - kMaxMisorder) {
      if (sequence != bad_seq_) {
        bad_seq_ = (sequence + 1u) & 0xffffu;
        return false;
      }
      restart(sequence);  // two in a row: the sender restarted its sequence
    }
    // else: duplicate or reordered within kMaxMisorder; counted below.
  }
  ++received_;
  if (!update_jitter) return true;

  // A.8: transit time in timestamp units; its change between packets is the
  // jitter sample. Arrival converted with 64-bit math to avoid overflow.
  const int64_t arrival_ticks = arrival_us * static_cast<int64_t>(clock_rate_) / 1'000'000;
  const int64_t transit = arrival_ticks - static_cast<int64_t>(rtp_timestamp);
  if (have_transit_) {
    // Timestamps wrap at 2^32: the difference is taken modulo 2^32, signed.
    const auto d = static_cast<int32_t>(static_cast<uint32_t>(transit - last_transit_));
    jitter_ += (std::abs(static_cast<double>(d)) - jitter_) / 16.0;
  }
  last_transit_ = transit;
  have_transit_ = true;
  return true;
}

uint64_t ReceptionStats::expected() const {
  if (!started_) return 0;
  return cycles_ + max_seq_ - base_seq_ + 1;
}

int64_t ReceptionStats::cumulative_lost() const {
  return static_cast<int64_t>(expected()) - static_cast<int64_t>(received_);
}

double ReceptionStats::jitter_ms() const { return clock_rate_ ? jitter_ * 1000.0 / clock_rate_ : 0.0; }

uint8_t ReceptionStats::take_fraction_lost() {
  const uint64_t expected_now = expected();
  const int64_t expected_interval = static_cast<int64_t>(expected_now - expected_prior_);
  const int64_t received_interval = static_cast<int64_t>(received_ - received_prior_);
  expected_prior_ = expected_now;
  received_prior_ = received_;
  const int64_t lost_interval = expected_interval - received_interval;
  if (expected_interval <= 0 || lost_interval <= 0) return 0;
  return static_cast<uint8_t>(std::min<int64_t>(255, (lost_interval << 8) / expected_interval));
}

}  // namespace sipcall::media
