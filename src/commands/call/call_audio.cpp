#include "call_audio.h"

#include <cstdio>
#include <vector>

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

}  // namespace

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
    audio.received = std::make_shared<media::ReceivedAudio>();
    sinks.push_back(std::make_unique<media::ReceivedAudioSink>(audio.received));
  }
  if (sinks.empty()) audio.sink = std::make_unique<media::NullSink>();
  else if (sinks.size() == 1) audio.sink = std::move(sinks.front());
  else audio.sink = std::make_unique<media::TeeSink>(std::move(sinks));
  return audio;
}

}  // namespace sipcall
