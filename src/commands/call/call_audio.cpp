#include "call_audio.h"

#include <cmath>
#include <vector>

#include "sipcall/media/audio/tone_detect.h"

#include "sipcall/media/audio/portaudio_io.h"
#include "sipcall/media/audio/wav_file.h"

namespace sipcall {

namespace {

constexpr double kToneAmplitude = 8000;  // about -12 dBFS: clear, far from clipping

Result<std::unique_ptr<media::AudioSource>> open_source(const CallOptions& o, std::string& label) {
  if (!o.play_file.empty()) {
    label = "file " + o.play_file;
    auto wav = media::WavFileSource::open(o.play_file, o.loop);
    if (!wav.ok()) return wav.error();
    return std::unique_ptr<media::AudioSource>(std::move(wav.value()));
  }
  if (o.tone_hz > 0) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "tone %g Hz", o.tone_hz);
    label = buf;
    return std::unique_ptr<media::AudioSource>(std::make_unique<media::ToneSource>(o.tone_hz, kToneAmplitude));
  }
  if (o.silence) {
    label = "silence";
    return std::unique_ptr<media::AudioSource>(std::make_unique<media::SilenceSource>());
  }
  label = "device " + (o.input_device.empty() ? std::string("default") : o.input_device);
  auto dev = media::PortAudioSource::open(o.input_device);
  if (!dev.ok())
    return Error::audio_io(dev.error().message() + " (no microphone? use --tone HZ, --play FILE or --silence)");
  return std::unique_ptr<media::AudioSource>(std::move(dev.value()));
}

class ReceivedAudioSink final : public media::AudioSink {
 public:
  explicit ReceivedAudioSink(std::shared_ptr<ReceivedAudio> audio) : audio_(std::move(audio)) {}
  void write(const media::PcmFrame& received) override {
    if (audio_->samples.size() >= static_cast<size_t>(media::kPcmRate) * ReceivedAudio::kMaxSeconds) return;
    audio_->samples.insert(audio_->samples.end(), received.begin(), received.end());
  }

 private:
  std::shared_ptr<ReceivedAudio> audio_;
};

// A tone that fills less than this share of the received power is not
// "the tone": silence, noise, speech or another tone.
constexpr double kToneRatioThreshold = 0.5;

}  // namespace

ToneVerdict check_tone(const ReceivedAudio& audio, double hz) {
  ToneVerdict v;
  if (audio.samples.empty()) return v;
  double level = media::rms(audio.samples);
  v.level_dbfs = level > 0 ? 20 * std::log10(level / 32768.0) : -99;
  v.ratio = media::tone_power_ratio(audio.samples, media::kPcmRate, hz);
  v.dominant_hz = media::dominant_frequency(audio.samples, media::kPcmRate);
  v.found = v.ratio >= kToneRatioThreshold && v.level_dbfs > -50;
  return v;
}

Result<CallAudio> open_call_audio(const CallOptions& o, bool echo, const std::string& record_path, Reporter& reporter) {
  CallAudio audio;
  std::vector<std::unique_ptr<media::AudioSink>> sinks;
  if (echo) {
    auto pair = media::make_echo_pair();
    audio.source = std::move(pair.source);
    audio.source_label = "echo";
    sinks.push_back(std::move(pair.sink));
  } else {
    auto source = open_source(o, audio.source_label);
    if (!source.ok()) return source.error();
    audio.source = std::move(source.value());
  }
  if (!o.no_playback && !echo) {
    auto dev = media::PortAudioSink::open(o.output_device);
    if (dev.ok()) {
      sinks.push_back(std::move(dev.value()));
    } else if (!o.output_device.empty()) {
      return Error::audio_io(dev.error().message());
    } else {
      reporter.warn("no speaker, received audio is not played (" + dev.error().message() + "); --no-playback hides this");
    }
  }
  if (!record_path.empty()) {
    media::WavSinkOptions wo;
    wo.stereo_both = o.record_both;
    auto wav = media::WavFileSink::open(record_path, wo);
    if (!wav.ok()) return wav.error();
    sinks.push_back(std::move(wav.value()));
  }
  if (o.expect_tone_hz > 0) {
    audio.received = std::make_shared<ReceivedAudio>();
    sinks.push_back(std::make_unique<ReceivedAudioSink>(audio.received));
  }
  if (sinks.empty()) audio.sink = std::make_unique<media::NullSink>();
  else if (sinks.size() == 1) audio.sink = std::move(sinks.front());
  else audio.sink = std::make_unique<media::TeeSink>(std::move(sinks));
  return audio;
}

}  // namespace sipcall
