// The one PCM format inside the media engine. Every AudioSource, AudioSink
// and Codec adapter speaks it, so resampling and channel mixing happen once,
// at the edges (file, device, codec), never in the pipeline itself.
#pragma once

#include <cstdint>
#include <vector>

namespace sipcall::media {

inline constexpr int kPcmRate = 48000;                             // internal sample rate [Hz]
inline constexpr int kFrameMs = 20;                                // one media clock tick [ms]
inline constexpr int kFrameSamples = kPcmRate / 1000 * kFrameMs;  // samples per tick (960)

// Signed 16-bit mono samples at kPcmRate. Sources and sinks always exchange
// exactly kFrameSamples; codecs may produce longer buffers (ptime > 20 ms).
using PcmFrame = std::vector<int16_t>;

}  // namespace sipcall::media
