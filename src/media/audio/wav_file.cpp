#include "sipcall/media/audio/wav_file.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <string>

#include "media/codec/resampler.h"
#include "sound_file.h"

namespace sipcall::media {

namespace {
// Reads up to `frames` frames, averaging channels to mono. `interleaved`
// is scratch space kept by the caller: a looping file shorter than one
// block is read hundreds of times per 20 ms frame, and allocating and
// zeroing a whole block each time cost far more than the reading (2 s of a
// 2-frame, 34-channel file took 10 s in the instrumented fuzz build).
std::vector<int16_t> read_mono(SoundFileReader& f, size_t frames, std::vector<int16_t>& interleaved) {
  const auto channels = static_cast<size_t>(f.channels());
  interleaved.resize(frames * channels);
  std::vector<int16_t> mono(f.read(interleaved.data(), frames));
  for (size_t i = 0; i < mono.size(); ++i) {
    int sum = 0;
    for (size_t c = 0; c < channels; ++c) sum += interleaved[i * channels + c];
    mono[i] = static_cast<int16_t>(sum / static_cast<int>(channels));
  }
  return mono;
}

constexpr size_t kReadBlock = 4096;  // [frames] per read in read_wav
}  // namespace

struct WavFileSource::State {
  std::unique_ptr<SoundFileReader> file;
  Resampler resampler;
  std::deque<int16_t> fifo;          // 48 kHz samples not yet handed out
  std::vector<int16_t> interleaved;  // read_mono's scratch space
};

WavFileSource::WavFileSource(std::unique_ptr<State> state, bool loop) : state_(std::move(state)), loop_(loop) {}
WavFileSource::~WavFileSource() = default;

Result<std::unique_ptr<WavFileSource>> WavFileSource::open(const std::string& path, bool loop) {
  auto opened = open_sound_file(path);
  if (!opened.ok()) return opened.error();
  auto resampler = Resampler::create(opened.value()->rate(), kPcmRate);
  if (!resampler.ok()) return Error::unusable_file("audio file '" + path + "': " + resampler.error().message());
  auto state = std::unique_ptr<State>(new State{std::move(opened.value()), std::move(resampler.value()), {}, {}});
  return std::unique_ptr<WavFileSource>(new WavFileSource(std::move(state), loop));
}

PcmFrame WavFileSource::read() {
  State& s = *state_;
  // One frame of file audio, plus a little so the resampler's rounding
  // never leaves us short.
  const auto block = static_cast<size_t>(s.file->rate() / 50 + 2);
  int empty_reads = 0;
  while (s.fifo.size() < kFrameSamples && !finished_) {
    std::vector<int16_t> mono = read_mono(*s.file, block, s.interleaved);
    if (mono.empty()) {
      if (!loop_ || ++empty_reads > 1) {  // a second empty read after rewinding: give up
        finished_ = true;
        break;
      }
      s.file->rewind();
      continue;
    }
    empty_reads = 0;
    std::vector<int16_t> wide = s.resampler.process(mono);
    s.fifo.insert(s.fifo.end(), wide.begin(), wide.end());
  }
  PcmFrame out(kFrameSamples, 0);
  const size_t n = std::min<size_t>(kFrameSamples, s.fifo.size());
  std::copy_n(s.fifo.begin(), n, out.begin());
  s.fifo.erase(s.fifo.begin(), s.fifo.begin() + static_cast<long>(n));
  return out;
}

struct WavFileSink::State {
  std::unique_ptr<RiffWavWriter> file;
  WavSinkOptions options;
  std::optional<Resampler> down_received;  // 48 kHz -> file rate
  std::optional<Resampler> down_sent;
  PcmFrame last_sent;
};

WavFileSink::WavFileSink(std::unique_ptr<State> state) : state_(std::move(state)) {}
WavFileSink::~WavFileSink() { close(); }

Result<std::unique_ptr<WavFileSink>> WavFileSink::open(const std::string& path, WavSinkOptions options) {
  if (options.sample_rate != kPcmRate && options.sample_rate != 8000)
    return Error::unusable_file("recording '" + path + "': sample rate must be 48000 or 8000");
  auto f = RiffWavWriter::create(path, options.sample_rate, options.stereo_both ? 2 : 1);
  if (!f.ok()) return f.error();
  auto state = std::make_unique<State>();
  state->file = std::move(f.value());
  state->options = options;
  if (options.sample_rate != kPcmRate) {
    auto a = Resampler::create(kPcmRate, options.sample_rate);
    auto b = Resampler::create(kPcmRate, options.sample_rate);
    if (!a.ok()) return a.error();
    if (!b.ok()) return b.error();
    state->down_received.emplace(std::move(a.value()));
    state->down_sent.emplace(std::move(b.value()));
  }
  return std::unique_ptr<WavFileSink>(new WavFileSink(std::move(state)));
}

void WavFileSink::on_sent(const PcmFrame& sent) { state_->last_sent = sent; }

void WavFileSink::write(const PcmFrame& received) {
  State& s = *state_;
  if (!s.file) return;
  const size_t frame_len = static_cast<size_t>(s.options.sample_rate / 50);
  auto fit = [&](std::optional<Resampler>& r, const PcmFrame& in) {
    std::vector<int16_t> v = r ? r->process(in) : in;
    v.resize(frame_len, v.empty() ? 0 : v.back());
    return v;
  };
  std::vector<int16_t> right = fit(s.down_received, received);
  if (!s.options.stereo_both) {
    s.file->write(right.data(), right.size());
    return;
  }
  std::vector<int16_t> left = fit(s.down_sent, s.last_sent.empty() ? PcmFrame(kFrameSamples, 0) : s.last_sent);
  s.last_sent.clear();  // a tick without on_sent() records silence on the left
  std::vector<int16_t> both(2 * frame_len);
  for (size_t i = 0; i < frame_len; ++i) {
    both[2 * i] = left[i];
    both[2 * i + 1] = right[i];
  }
  s.file->write(both.data(), frame_len);
}

Error WavFileSink::close() {
  if (!state_->file) return {};
  Error err = state_->file->close();
  state_->file.reset();
  return err;
}

Result<WavData> read_wav(const std::string& path) {
  auto opened = open_sound_file(path);
  if (!opened.ok()) return opened.error();
  SoundFileReader& file = *opened.value();
  const auto ch = static_cast<size_t>(file.channels());
  // Read to the end in blocks: the frame count in a header is a claim, not
  // a size to allocate (a 242-byte FLAC claiming 2^36 frames asked for 128 GB).
  std::vector<int16_t> interleaved;
  std::vector<int16_t> block(kReadBlock * ch);
  for (size_t got; (got = file.read(block.data(), kReadBlock)) > 0;) {
    const auto samples = static_cast<std::ptrdiff_t>(got * ch);
    interleaved.insert(interleaved.end(), block.begin(), block.begin() + samples);
  }
  WavData d;
  d.sample_rate = file.rate();
  d.channels = file.channels();
  const size_t frames = interleaved.size() / ch;
  d.per_channel.assign(ch, std::vector<int16_t>(frames));
  d.samples.resize(frames);
  for (size_t i = 0; i < frames; ++i) {
    int sum = 0;
    for (size_t c = 0; c < ch; ++c) {
      d.per_channel[c][i] = interleaved[i * ch + c];
      sum += interleaved[i * ch + c];
    }
    d.samples[i] = static_cast<int16_t>(sum / static_cast<int>(ch));
  }
  return d;
}

}  // namespace sipcall::media
