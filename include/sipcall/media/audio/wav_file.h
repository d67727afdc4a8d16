// Sound files for calls: --play sources and --record sinks. WAV in the
// encodings telephony uses (PCM 8-32 bit, float, A-law, mu-law, WAVEX) is
// read and written by our own code; any other file libsndfile reads (AIFF,
// FLAC, Ogg, ADPCM WAV...) plays through it, loaded on demand (see
// src/media/audio/sound_file.h for why).
#pragma once

#include <memory>
#include <string>

#include "sipcall/error.h"
#include "sipcall/media/audio/audio_io.h"

namespace sipcall::media {

// Plays a sound file: any rate and channel count, mixed to mono and
// resampled to 48 kHz. Reads happen on the media thread in small blocks.
class WavFileSource final : public AudioSource {
 public:
  // Error::usage naming the path when the file is missing, unreadable, not
  // a sound file, or empty.
  static Result<std::unique_ptr<WavFileSource>> open(const std::string& path, bool loop);
  ~WavFileSource() override;

  PcmFrame read() override;  // silence after the end unless looping
  bool finished() const override { return finished_; }

 private:
  struct State;  // reader, resampler, FIFO
  explicit WavFileSource(std::unique_ptr<State> state, bool loop);
  std::unique_ptr<State> state_;
  bool loop_;
  bool finished_ = false;
};

struct WavSinkOptions {
  int sample_rate = kPcmRate;  // file rate: 48000 or 8000 [Hz]
  bool stereo_both = false;    // left = what we sent, right = what we received
};

// Records 16-bit PCM WAV. close() finalises the header; the destructor
// closes too, and the header is kept up to date every second on the way,
// so a file is valid however the session ends.
class WavFileSink final : public AudioSink {
 public:
  // Error::usage naming the path when it cannot be created or the rate is
  // unsupported.
  static Result<std::unique_ptr<WavFileSink>> open(const std::string& path, WavSinkOptions options = {});
  ~WavFileSink() override;

  void write(const PcmFrame& received) override;
  void on_sent(const PcmFrame& sent) override;
  Error close() override;

 private:
  struct State;
  explicit WavFileSink(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Whole-file helper for tests and tone-check: mono samples (channels
// mixed) and the file's rate [Hz].
struct WavData {
  std::vector<int16_t> samples;
  int sample_rate = 0;
  int channels = 0;  // of the file, before mixing
  std::vector<std::vector<int16_t>> per_channel;  // de-interleaved channels
};
Result<WavData> read_wav(const std::string& path);

}  // namespace sipcall::media
