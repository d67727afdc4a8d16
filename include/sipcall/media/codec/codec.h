// The codec seam: every payload format fills in this small interface, so
// the session never sees a codec's internals (only codec_opus.cpp includes
// <opus.h>). All PCM crossing it is the internal format (pcm.h): 48 kHz
// mono; an adapter whose codec runs at another rate resamples inside.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sipcall/error.h"
#include "sipcall/media/audio/pcm.h"

namespace sipcall::media {

// A payload format as negotiated in SDP (a=rtpmap:<pt> <name>/<rate>/<channels>).
struct CodecSpec {
  std::string name;        // "opus", "pcmu", "pcma" (case-insensitive)
  int payload_type = -1;   // 0..127
  int clock_rate = 0;      // RTP clock [Hz]; 0 = the codec's standard rate
  int channels = 1;        // as in SDP; opus is always 2 there
};

// Not thread-safe: one session's media thread owns an instance.
class Codec {
 public:
  virtual ~Codec() = default;

  virtual std::string name() const = 0;  // lower case, e.g. "pcmu"
  int payload_type() const { return payload_type_; }
  int clock_rate() const { return clock_rate_; }  // RTP clock [Hz]
  int channels() const { return channels_; }      // SDP channel count
  int ptime_ms() const { return ptime_ms_; }      // packet duration [ms]
  // RTP timestamp advance per packet [ticks].
  uint32_t samples_per_frame() const { return static_cast<uint32_t>(clock_rate_ / 1000 * ptime_ms_); }
  // Input length encode() expects: ptime at 48 kHz [samples].
  size_t pcm_samples_per_packet() const { return static_cast<size_t>(kPcmRate / 1000 * ptime_ms_); }

  // pcm: pcm_samples_per_packet() samples. Returns the RTP payload.
  virtual Result<std::vector<uint8_t>> encode(std::span<const int16_t> pcm) = 0;
  // payload: one RTP payload. Returns 48 kHz mono of the packet's duration.
  virtual Result<PcmFrame> decode(std::span<const uint8_t> payload) = 0;
  // Audio standing in for one lost packet (pcm_samples_per_packet() long).
  // next_payload is the packet after the lost one when it has already
  // arrived (opus recovers from its in-band FEC), else empty.
  virtual PcmFrame conceal(std::span<const uint8_t> next_payload) = 0;

 protected:
  Codec(int payload_type, int clock_rate, int channels, int ptime_ms)
      : payload_type_(payload_type), clock_rate_(clock_rate), channels_(channels), ptime_ms_(ptime_ms) {}

 private:
  int payload_type_;
  int clock_rate_;
  int channels_;
  int ptime_ms_;
};

// The factory by name. ptime_ms must be a multiple of 10 between 10 and 60
// (opus: 10, 20, 40, 60). Errors name the unsupported codec or parameter.
Result<std::unique_ptr<Codec>> make_codec(const CodecSpec& spec, int ptime_ms = 20);

// Adapters, for the factory only.
Result<std::unique_ptr<Codec>> make_g711_codec(const CodecSpec& spec, int ptime_ms, bool alaw);
Result<std::unique_ptr<Codec>> make_opus_codec(const CodecSpec& spec, int ptime_ms);

}  // namespace sipcall::media
