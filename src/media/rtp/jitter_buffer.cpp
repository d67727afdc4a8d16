#include "jitter_buffer.h"

#include <speex/speex_jitter.h>

namespace sipcall::media {

namespace {
constexpr size_t kMaxPayload = 1500;  // [bytes]; larger RTP payloads do not fit a datagram anyway
// After this many consecutive misses the stream is considered paused (hold,
// silence suppression): report `waiting` so codecs stop inventing audio.
constexpr int kMissesUntilWaiting = 10;
constexpr size_t kMaxQueued = 200;  // bound on our FEC lookup copies
}  // namespace

struct JitterBuffer::Speex {
  ::JitterBuffer* jb = nullptr;
  ~Speex() {
    if (jb) jitter_buffer_destroy(jb);
  }
};

JitterBuffer::JitterBuffer(uint32_t frame_ticks) : speex_(std::make_unique<Speex>()), frame_ticks_(frame_ticks) {
  speex_->jb = jitter_buffer_init(static_cast<int>(frame_ticks));
}

JitterBuffer::~JitterBuffer() = default;

void JitterBuffer::put(uint32_t timestamp, uint16_t sequence, const std::vector<uint8_t>& payload) {
  if (payload.empty() || payload.size() > kMaxPayload) return;
  // speexdsp plays out on a grid of frame_ticks laid from its first packet.
  // A stream that resumes off that grid (after hold, or another source
  // behind the same SSRC) has packets straddling two slots, which speexdsp
  // plays as "negative buffering" with a warning on stderr. Such a jump
  // starts a new grid. A step forward of at most one frame is the next
  // packet of a peer sending shorter packets than negotiated, not a jump.
  const auto step = static_cast<int32_t>(timestamp - last_timestamp_);
  if (started_ && (timestamp - grid_origin_) % frame_ticks_ != 0 &&
      (step <= 0 || step > static_cast<int32_t>(frame_ticks_)))
    reset();
  if (!started_) grid_origin_ = timestamp;
  last_timestamp_ = timestamp;
  JitterBufferPacket p{};
  p.data = const_cast<char*>(reinterpret_cast<const char*>(payload.data()));  // speex copies it
  p.len = static_cast<spx_uint32_t>(payload.size());
  p.timestamp = timestamp;
  p.span = frame_ticks_;
  p.sequence = sequence;
  jitter_buffer_put(speex_->jb, &p);
  if (queued_.size() >= kMaxQueued) queued_.clear();  // stream went astray; FEC is best effort
  queued_[timestamp] = payload;
  started_ = true;
}

JitterBuffer::Pull JitterBuffer::pull() {
  Pull out;
  std::vector<uint8_t> buf(kMaxPayload);
  JitterBufferPacket p{};
  p.data = reinterpret_cast<char*>(buf.data());
  p.len = static_cast<spx_uint32_t>(buf.size());
  spx_int32_t offset = 0;
  const auto expected_ts = static_cast<uint32_t>(jitter_buffer_get_pointer_timestamp(speex_->jb));
  const int rc = jitter_buffer_get(speex_->jb, &p, static_cast<spx_int32_t>(frame_ticks_), &offset);
  jitter_buffer_tick(speex_->jb);

  if (rc == JITTER_BUFFER_OK) {
    missing_in_row_ = 0;
    buf.resize(p.len);
    out.status = Status::packet;
    out.payload = std::move(buf);
    // Everything up to this packet has been played or given up on
    // (compared modulo 2^32: timestamps wrap).
    std::erase_if(queued_, [&](const auto& kv) { return static_cast<int32_t>(kv.first - p.timestamp) <= 0; });
    return out;
  }
  if (!started_ || ++missing_in_row_ > kMissesUntilWaiting) return out;  // waiting
  if (rc == JITTER_BUFFER_INSERTION) {  // the buffer grows its delay: fill the slot
    out.status = Status::lost;
    return out;
  }
  out.status = Status::lost;
  if (auto it = queued_.find(expected_ts + frame_ticks_); it != queued_.end()) out.next_payload = it->second;
  return out;
}

void JitterBuffer::reset() {
  jitter_buffer_reset(speex_->jb);
  queued_.clear();
  missing_in_row_ = 0;
  started_ = false;
}

}  // namespace sipcall::media
