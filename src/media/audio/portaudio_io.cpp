#include "sipcall/media/audio/portaudio_io.h"

#include <portaudio.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <thread>
#include <optional>
#include <type_traits>

#include "backend_logs.h"
#include "portaudio_library.h"
#include "media/codec/resampler.h"
#include "spsc_ring.h"

namespace sipcall::media {

namespace {
// What PaLibrary reports when libportaudio.so.2 itself cannot be loaded;
// outside PortAudio's own error codes, which are all negative.
constexpr PaError kNotLoaded = 1;

// The loaded library; only valid once a PaLibrary has succeeded.
const PortAudioApi& portaudio() { return *portaudio_api(); }

// Pa_Initialize is reference counted by PortAudio; one guard per user.
// Loading the library silences ALSA and JACK first: Pa_Initialize probes
// every host API, and each one that finds nothing says so on stderr.
struct PaLibrary {
  std::string load_error;
  PaError err = initialise(load_error);
  ~PaLibrary() {
    if (err == paNoError) portaudio().Terminate();
  }
  static PaError initialise(std::string& load_error) {
    if (!portaudio_api(&load_error)) return kNotLoaded;
    forget_alsa_message();
    return portaudio().Initialize();
  }
};

// PortAudio's own words are generic ("Unanticipated host error"); the host
// API's (its error text, or ALSA's last message since the caller's
// forget_alsa_message()) are what tells the user why.
std::string pa_error_text(PaError err) {
  std::string text = portaudio().GetErrorText(err);
  const PaHostErrorInfo* host = err == paUnanticipatedHostError ? portaudio().GetLastHostErrorInfo() : nullptr;
  if (host && host->errorText && *host->errorText)
    text += std::string(" (") + host->errorText + ")";
  else if (const std::string alsa = last_alsa_message(); !alsa.empty())
    text += " (ALSA: " + alsa + ")";
  return text;
}

// Why a PaLibrary failed, for the user.
std::string library_error_text(const PaLibrary& lib) {
  if (lib.err == kNotLoaded) return "cannot load PortAudio (" + lib.load_error + ")";
  return "PortAudio: " + pa_error_text(lib.err);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

int channels_of(const PaDeviceInfo* d, bool input) { return input ? d->maxInputChannels : d->maxOutputChannels; }

Result<PaDeviceIndex> find_device(const std::string& spec, bool input) {
  const char* kind = input ? "input" : "output";
  const PaDeviceIndex count = portaudio().GetDeviceCount();
  if (count < 0) return Error::audio_io(std::string("audio devices: ") + pa_error_text(count));
  if (spec.empty() || spec == "default") {
    const PaDeviceIndex d = input ? portaudio().GetDefaultInputDevice() : portaudio().GetDefaultOutputDevice();
    if (d == paNoDevice) return Error::audio_io(std::string("no default audio ") + kind + " device");
    return d;
  }
  if (std::all_of(spec.begin(), spec.end(), [](unsigned char c) { return std::isdigit(c); })) {
    const int index = std::stoi(spec);
    if (index >= count) return Error::audio_io("audio device " + spec + " does not exist (see `sip-call devices`)");
    if (channels_of(portaudio().GetDeviceInfo(index), input) < 1)
      return Error::audio_io("audio device " + spec + " has no " + kind + " channels");
    return index;
  }
  std::vector<PaDeviceIndex> partial;
  for (PaDeviceIndex i = 0; i < count; ++i) {
    const PaDeviceInfo* d = portaudio().GetDeviceInfo(i);
    if (!d || channels_of(d, input) < 1) continue;
    if (spec == d->name) return i;
    if (lower(d->name).find(lower(spec)) != std::string::npos) partial.push_back(i);
  }
  if (partial.size() == 1) return partial[0];
  if (partial.empty())
    return Error::audio_io(std::string("audio ") + kind + " device '" + spec + "' not found (see `sip-call devices`)");
  return Error::audio_io(std::string("audio ") + kind + " device '" + spec + "' is ambiguous (see `sip-call devices`)");
}
}  // namespace

struct PortAudioStream {
  PaLibrary library;
  PaStream* pa = nullptr;
  bool input = true;
  int device_rate = kPcmRate;  // [Hz]
  SpscRing<int16_t> ring;
  std::optional<Resampler> resampler;  // 48 kHz <-> device rate, media thread only
  std::string device;

  // Media-thread only: the capture queue's lowest level at a read since
  // the last trim (see PortAudioSource::read).
  static constexpr int kTrimEveryReads = 50;  // 1 s of 20 ms frames
  size_t lowest_level = SIZE_MAX;
  int reads_since_trim = 0;

  // Callback-thread only: how far the device has run since its first
  // callback, to notice a device without a clock (see pace()).
  bool pacing_started = false;
  std::chrono::steady_clock::time_point pacing_start;
  uint64_t pacing_frames = 0;

  explicit PortAudioStream(size_t ring_capacity) : ring(ring_capacity) {}
  ~PortAudioStream() { close(); }

  // Opens the device for a PortAudioSource (capture) or a PortAudioSink
  // (playback) and hands it to that wrapper, whose constructor is private
  // to the wrappers and to this struct.
  template <typename Io>
  static Result<std::unique_ptr<Io>> open_as(const std::string& spec);

  Error close() {
    if (!pa) return {};
    forget_alsa_message();
    portaudio().StopStream(pa);
    const PaError err = portaudio().CloseStream(pa);
    pa = nullptr;
    if (err != paNoError) return Error::audio_io("closing audio device '" + device + "': " + pa_error_text(err));
    return {};
  }

  // ALSA's null and file plugins have no clock: PortAudio then calls us
  // back as fast as the CPU allows, which would read a capture file in
  // milliseconds and spin a core. A real device never runs more than its
  // buffer ahead of the wall clock; when this one does, we sleep the
  // excess off. That is the only time this callback ever waits.
  void pace(unsigned long frames) {
    constexpr auto kMaxAhead = std::chrono::milliseconds(250);  // beyond any real device buffer
    const auto now = std::chrono::steady_clock::now();
    if (!pacing_started) {
      pacing_started = true;
      pacing_start = now;
    }
    pacing_frames += frames;
    const auto media_time = pacing_start + std::chrono::microseconds(pacing_frames * 1'000'000 /
                                                                      static_cast<uint64_t>(device_rate));
    if (media_time - now > kMaxAhead) std::this_thread::sleep_for(media_time - now - kMaxAhead);
  }

  // Runs on PortAudio's thread: no locks, no allocation, no logging.
  static int callback(const void* in, void* out, unsigned long frames, const PaStreamCallbackTimeInfo*,
                      PaStreamCallbackFlags, void* user) {
    auto* self = static_cast<PortAudioStream*>(user);
    self->pace(frames);
    if (self->input) {
      if (in) self->ring.write(static_cast<const int16_t*>(in), frames);
    } else {
      auto* samples = static_cast<int16_t*>(out);
      const size_t got = self->ring.read(samples, frames);
      std::fill(samples + got, samples + frames, int16_t{0});  // underrun: silence
    }
    return paContinue;
  }
};

namespace {
Result<std::unique_ptr<PortAudioStream>> open_stream(const std::string& spec, bool input) {
  auto lib_check = std::make_unique<PaLibrary>();
  if (lib_check->err != paNoError) return Error::audio_io(library_error_text(*lib_check));
  auto index = find_device(spec, input);
  if (!index.ok()) return index.error();
  const PaDeviceInfo* info = portaudio().GetDeviceInfo(*index);
  const std::string label = spec.empty() ? std::string("default (") + info->name + ")" : spec;
  forget_alsa_message();  // what probing the devices said is not about this one

  PaStreamParameters params{};
  params.device = *index;
  params.channelCount = 1;
  params.sampleFormat = paInt16;
  params.suggestedLatency = input ? info->defaultLowInputLatency : info->defaultLowOutputLatency;
  const PaStreamParameters* in_params = input ? &params : nullptr;
  const PaStreamParameters* out_params = input ? nullptr : &params;
  double rate = kPcmRate;
  if (portaudio().IsFormatSupported(in_params, out_params, rate) != paFormatIsSupported) rate = info->defaultSampleRate;

  auto s = std::make_unique<PortAudioStream>(static_cast<size_t>(rate) / 50 * 10);  // 200 ms of slack
  s->input = input;
  s->device = label;
  s->device_rate = static_cast<int>(rate);
  if (s->device_rate != kPcmRate) {
    auto r = input ? Resampler::create(s->device_rate, kPcmRate) : Resampler::create(kPcmRate, s->device_rate);
    if (!r.ok()) return r.error();
    s->resampler.emplace(std::move(r.value()));
  }
  PaError err = portaudio().OpenStream(&s->pa, in_params, out_params, rate, paFramesPerBufferUnspecified, paClipOff,
                              &PortAudioStream::callback, s.get());
  if (err == paNoError) err = portaudio().StartStream(s->pa);
  if (err != paNoError) {
    s->close();
    return Error::audio_io("cannot open audio device '" + label + "': " + pa_error_text(err));
  }
  return s;
}
}  // namespace

Result<std::vector<AudioDeviceInfo>> list_devices() {
  PaLibrary lib;
  if (lib.err != paNoError) return Error::audio_io(library_error_text(lib));
  const PaDeviceIndex count = portaudio().GetDeviceCount();
  if (count < 0) return Error::audio_io(std::string("audio devices: ") + pa_error_text(count));
  std::vector<AudioDeviceInfo> out;
  for (PaDeviceIndex i = 0; i < count; ++i) {
    const PaDeviceInfo* d = portaudio().GetDeviceInfo(i);
    if (!d) continue;
    const PaHostApiInfo* api = portaudio().GetHostApiInfo(d->hostApi);
    out.push_back({i, d->name, api ? api->name : "", d->maxInputChannels, d->maxOutputChannels,
                   d->defaultSampleRate, i == portaudio().GetDefaultInputDevice(), i == portaudio().GetDefaultOutputDevice()});
  }
  return out;
}

template <typename Io>
Result<std::unique_ptr<Io>> PortAudioStream::open_as(const std::string& spec) {
  auto s = open_stream(spec, std::is_base_of_v<AudioSource, Io>);
  if (!s.ok()) return s.error();
  return std::unique_ptr<Io>(new Io(std::move(s.value())));
}

PortAudioSource::PortAudioSource(std::unique_ptr<PortAudioStream> s) : stream_(std::move(s)) {}
PortAudioSource::~PortAudioSource() = default;

Result<std::unique_ptr<PortAudioSource>> PortAudioSource::open(const std::string& device) {
  return PortAudioStream::open_as<PortAudioSource>(device);
}

PcmFrame PortAudioSource::read() {
  PortAudioStream& s = *stream_;
  const size_t need = static_cast<size_t>(s.device_rate / 50);
  // Frames queued beyond what the next read needs only delay what we send:
  // a capture opened before the call was answered, a device running fast,
  // a clockless plugin. Beyond four frames the queue is cut to two at once;
  // below that, the least it held over a second of reads, less a frame and
  // a quarter (one period of a device's jitter), is standing delay and
  // dropped at the end of that second. This took ~20 ms off the one-way
  // delay of a call through PortAudio (tests/bench, latency row).
  if (s.ring.available() > 4 * need) s.ring.skip(s.ring.available() - 2 * need);
  s.lowest_level = std::min(s.lowest_level, s.ring.available());
  if (++s.reads_since_trim == PortAudioStream::kTrimEveryReads) {
    const size_t keep = need + need / 4;
    if (s.lowest_level > keep + need / 4) s.ring.skip(s.lowest_level - keep);
    s.lowest_level = SIZE_MAX;
    s.reads_since_trim = 0;
  }
  if (s.ring.available() < need) return PcmFrame(kFrameSamples, 0);
  std::vector<int16_t> raw(need);
  s.ring.read(raw.data(), need);
  PcmFrame out = s.resampler ? s.resampler->process(raw) : raw;
  out.resize(kFrameSamples, out.empty() ? 0 : out.back());
  return out;
}

PortAudioSink::PortAudioSink(std::unique_ptr<PortAudioStream> s) : stream_(std::move(s)) {}
PortAudioSink::~PortAudioSink() = default;

Result<std::unique_ptr<PortAudioSink>> PortAudioSink::open(const std::string& device) {
  return PortAudioStream::open_as<PortAudioSink>(device);
}

void PortAudioSink::write(const PcmFrame& received) {
  PortAudioStream& s = *stream_;
  if (!s.pa) return;
  std::vector<int16_t> out = s.resampler ? s.resampler->process(received) : received;
  s.ring.write(out.data(), out.size());
}

Error PortAudioSink::close() { return stream_->close(); }

}  // namespace sipcall::media
