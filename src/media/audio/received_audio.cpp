#include "sipcall/media/audio/received_audio.h"

#include <cmath>

#include "sipcall/media/audio/tone_detect.h"

namespace sipcall::media {

namespace {

// A tone that fills less than this share of the received power is not
// "the tone": silence, noise, speech or another tone.
constexpr double kToneRatioThreshold = 0.5;

}  // namespace

void ReceivedAudioSink::write(const PcmFrame& received) {
  if (audio_->samples.size() >= static_cast<size_t>(kPcmRate) * ReceivedAudio::kMaxSeconds) return;
  audio_->samples.insert(audio_->samples.end(), received.begin(), received.end());
}

ToneVerdict check_tone(const ReceivedAudio& audio, double hz) {
  ToneVerdict v;
  if (audio.samples.empty()) return v;
  double level = rms(audio.samples);
  v.level_dbfs = level > 0 ? 20 * std::log10(level / 32768.0) : -99;
  v.ratio = tone_power_ratio(audio.samples, kPcmRate, hz);
  v.dominant_hz = dominant_frequency(audio.samples, kPcmRate);
  v.found = v.ratio >= kToneRatioThreshold && v.level_dbfs > -50;
  return v;
}

}  // namespace sipcall::media
