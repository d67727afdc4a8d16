// Sound file reading (wav_file.h: --play files and tone-check's read_wav)
// on arbitrary file contents. Our API takes a path, so each input is
// written to an in-memory file (memfd) and opened as /proc/self/fd/N.
// libsndfile itself is not instrumented; what this covers is our use of
// what it reports (frame counts, rates, channels) and the resampling after.
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "fuzz_support.h"
#include "sipcall/media/audio/wav_file.h"

using namespace sipcall::media;
using sipcall::fuzz::check;

namespace {

// Frames read from a --play source per input: 0.5 s of audio, enough to
// cross the resampler's start-up and a loop back to the beginning.
constexpr int kFramesToPlay = 25;

class MemoryFile {
 public:
  MemoryFile(const uint8_t* data, size_t size) : fd_(memfd_create("fuzz-wav", 0)) {
    check(fd_ >= 0, "memfd_create failed");
    check(write(fd_, data, size) == static_cast<ssize_t>(size), "writing the memfd failed");
  }
  ~MemoryFile() { close(fd_); }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const MemoryFile file(data, size);

  if (auto wav = read_wav(file.path()); wav.ok()) {
    check(wav->channels > 0 && wav->sample_rate > 0, "read_wav accepted a file without audio");
    check(wav->per_channel.size() == static_cast<size_t>(wav->channels), "channel count differs");
    for (const auto& channel : wav->per_channel) check(channel.size() == wav->samples.size(), "channel lengths differ");
  }

  // Odd sizes loop, even ones play once: both paths through read().
  if (auto source = WavFileSource::open(file.path(), size % 2 == 1); source.ok()) {
    for (int i = 0; i < kFramesToPlay; ++i) check((*source)->read().size() == kFrameSamples, "frame of wrong size");
  }
  return 0;
}
