// What a call received, kept for --expect-tone, and the verdict on it: a
// sink that records the received PCM up to a bound, and the check that it
// is the expected tone.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "sipcall/media/audio/audio_io.h"

namespace sipcall::media {

// Written by the media thread only (through ReceivedAudioSink); read after
// MediaSession::stop() has joined it.
struct ReceivedAudio {
  std::vector<int16_t> samples;  // 48 kHz mono, at most kMaxSeconds
  static constexpr int kMaxSeconds = 120;
};

// Appends every received frame to `audio` until it holds kMaxSeconds; the
// rest is dropped, so a long call cannot grow it without bound.
class ReceivedAudioSink final : public AudioSink {
 public:
  explicit ReceivedAudioSink(std::shared_ptr<ReceivedAudio> audio) : audio_(std::move(audio)) {}
  void write(const PcmFrame& received) override;

 private:
  std::shared_ptr<ReceivedAudio> audio_;
};

// The verdict of --expect-tone on a call's received audio.
struct ToneVerdict {
  bool found = false;
  double ratio = 0;         // power at the tone / total power, 0..1
  double dominant_hz = 0;   // strongest frequency 100..4000 Hz
  double level_dbfs = -99;  // RMS level
};
ToneVerdict check_tone(const ReceivedAudio& audio, double hz);

}  // namespace sipcall::media
