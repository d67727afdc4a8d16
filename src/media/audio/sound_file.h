// Reading and writing sound files, below wav_file.h. WAV (RIFF/WAVE) in the
// encodings telephony uses is read and written by our own code
// (riff_wav.cpp); anything else -- AIFF, FLAC, Ogg, ADPCM or GSM in a WAV
// -- is read by libsndfile, loaded only when such a file is opened
// (sndfile_reader.cpp). Why not libsndfile for everything: Debian's links
// FLAC, Vorbis, Ogg and two MP3 libraries, and loading them costs every
// process about 1.1 MB of resident pages, a tenth of a call's footprint,
// for files that are almost always 16-bit PCM WAV.
// Internal to src/media.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "sipcall/error.h"

namespace sipcall::media {

// A sound file opened for reading: interleaved 16-bit frames.
class SoundFileReader {
 public:
  virtual ~SoundFileReader() = default;
  int rate() const { return rate_; }          // [Hz], 1..kMaxFileRate
  int channels() const { return channels_; }  // 1..kMaxFileChannels

  // Reads up to `frames` frames into out[frames * channels()]; returns the
  // number read, 0 at the end (or when the file cannot be read further).
  virtual size_t read(int16_t* out, size_t frames) = 0;
  // Back to the first frame, for --loop.
  virtual void rewind() = 0;

 protected:
  int rate_ = 0;
  int channels_ = 0;
};

// What a file's header may claim. Every read allocates rate/50 frames of
// all channels, so a 2 KB WAV claiming 100 MHz and 1024 channels made each
// 20 ms tick allocate 4 GB; real recordings stay far below these.
constexpr int kMaxFileRate = 384000;  // [Hz]
constexpr int kMaxFileChannels = 64;

// Error::usage naming the path when a file's header claims no audio, or a
// rate or channel count beyond the limits above; an empty Error otherwise.
Error check_file_shape(const std::string& path, int rate, int channels);

// Opens any sound file we can read: our WAV reader first, libsndfile for
// the rest. Error::usage naming the path when the file is missing,
// unreadable, not a sound file, or holds no audio.
Result<std::unique_ptr<SoundFileReader>> open_sound_file(const std::string& path);

// Our RIFF/WAVE reader: PCM 8/16/24/32 bit, IEEE float 32/64 bit, A-law,
// mu-law, plain or WAVE_FORMAT_EXTENSIBLE. A null reader (and no error)
// when the file is not a WAV of those encodings, for the caller to try
// libsndfile; an error when it is one but broken.
Result<std::unique_ptr<SoundFileReader>> open_riff_wav(const std::string& path);

// libsndfile, loaded at the first call; Error::usage when it cannot be
// loaded or cannot read the file.
Result<std::unique_ptr<SoundFileReader>> open_with_libsndfile(const std::string& path);

// A 16-bit PCM WAV being written. The header's sizes are brought up to date
// about once a second and on close(), so a recording cut short by a crash
// or SIGKILL is still a valid WAV up to its last second.
class RiffWavWriter {
 public:
  static Result<std::unique_ptr<RiffWavWriter>> create(const std::string& path, int rate, int channels);
  ~RiffWavWriter();

  // Appends interleaved frames; the first write error is kept for close().
  void write(const int16_t* frames, size_t count);
  // Finalises the header and closes the file; idempotent.
  Error close();

 private:
  RiffWavWriter(int fd, std::string path, int rate, int channels);
  void update_header();

  int fd_;
  std::string path_;
  int rate_;
  int channels_;
  uint64_t data_bytes_ = 0;
  uint64_t bytes_at_last_update_ = 0;
  int write_errno_ = 0;
};

}  // namespace sipcall::media
