// Adaptive playout buffer for one RTP stream, backed by speexdsp's
// JitterBuffer (it tracks arrival statistics and grows/shrinks the delay;
// re-deriving that well is a project of its own). This wrapper adds what
// a codec needs for concealment: telling a lost packet apart from "nothing
// has arrived yet", and handing over the packet after a lost one (FEC).
//
// Not thread-safe: the session's receive thread puts and its media thread
// gets, under the session's lock.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace sipcall::media {

class JitterBuffer {
 public:
  // frame_ticks: RTP timestamp span of one packet (e.g. 160 for 20 ms at
  // 8 kHz); the buffer is pulled once per such span.
  explicit JitterBuffer(uint32_t frame_ticks);
  ~JitterBuffer();
  JitterBuffer(const JitterBuffer&) = delete;
  JitterBuffer& operator=(const JitterBuffer&) = delete;

  // A timestamp that jumps off the playout grid (a stream resumed at
  // another phase) resets the buffer first: see jitter_buffer.cpp.
  void put(uint32_t timestamp, uint16_t sequence, const std::vector<uint8_t>& payload);

  enum class Status {
    packet,   // `payload` is the packet to decode
    lost,     // a packet is missing: conceal (using `next_payload` if set)
    waiting,  // nothing to play: no stream yet, or it stopped; play silence
  };
  struct Pull {
    Status status = Status::waiting;
    std::vector<uint8_t> payload;
    std::vector<uint8_t> next_payload;  // the packet after a lost one, if here
  };
  // Call once per frame_ticks of playout time.
  Pull pull();

  void reset();
  uint32_t frame_ticks() const { return frame_ticks_; }

 private:
  struct Speex;
  std::unique_ptr<Speex> speex_;
  uint32_t frame_ticks_;
  // Copies of queued payloads by timestamp, to find the one after a gap.
  std::map<uint32_t, std::vector<uint8_t>> queued_;
  int missing_in_row_ = 0;
  bool started_ = false;
  uint32_t grid_origin_ = 0;     // timestamp the current playout grid starts from
  uint32_t last_timestamp_ = 0;  // of the latest put()
};

}  // namespace sipcall::media
