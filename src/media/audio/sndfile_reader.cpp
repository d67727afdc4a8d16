// The sound files our own WAV reader leaves (sound_file.h), read through
// libsndfile. It is loaded with dlopen the first time such a file is
// opened, so that its codec libraries cost nothing to the common case.
#include <sndfile.h>

#include <mutex>

#include "dynamic_library.h"
#include "sound_file.h"

namespace sipcall::media {

namespace {

// Debian's runtime package (libsndfile1) ships only the versioned name.
constexpr const char* kLibraryName = "libsndfile.so.1";

struct Sndfile {
  decltype(&::sf_open) open = nullptr;
  decltype(&::sf_close) close = nullptr;
  decltype(&::sf_readf_short) readf_short = nullptr;
  decltype(&::sf_seek) seek = nullptr;
  decltype(&::sf_strerror) strerror = nullptr;
  std::string error;  // why it could not be loaded; empty when loaded
};

const Sndfile& sndfile() {
  static std::once_flag once;
  static Sndfile lib;
  std::call_once(once, [] {
    void* handle = open_library(kLibraryName, lib.error);
    if (!handle) return;
    // Every slot is tried; lib.error keeps the first one missing.
    auto find = [&](const char* symbol, auto& slot) { resolve(handle, kLibraryName, symbol, slot, lib.error); };
    find("sf_open", lib.open);
    find("sf_close", lib.close);
    find("sf_readf_short", lib.readf_short);
    find("sf_seek", lib.seek);
    find("sf_strerror", lib.strerror);
  });
  return lib;
}

class SndfileReader final : public SoundFileReader {
 public:
  SndfileReader(SNDFILE* file, const SF_INFO& info) : file_(file) {
    rate_ = info.samplerate;
    channels_ = info.channels;
  }
  ~SndfileReader() override { sndfile().close(file_); }

  size_t read(int16_t* out, size_t frames) override {
    const sf_count_t got = sndfile().readf_short(file_, out, static_cast<sf_count_t>(frames));
    return got > 0 ? static_cast<size_t>(got) : 0;
  }
  void rewind() override { sndfile().seek(file_, 0, SEEK_SET); }

 private:
  SNDFILE* file_;
};

}  // namespace

Result<std::unique_ptr<SoundFileReader>> open_with_libsndfile(const std::string& path) {
  const Sndfile& lib = sndfile();
  if (!lib.error.empty())
    return Error::unusable_file("cannot read audio file '" + path + "': it is not a WAV sip-call decodes itself, and " +
                        "libsndfile cannot be loaded (" + lib.error + ")");
  SF_INFO info{};
  SNDFILE* f = lib.open(path.c_str(), SFM_READ, &info);
  if (!f) return Error::unusable_file("cannot read audio file '" + path + "': " + lib.strerror(nullptr));
  std::unique_ptr<SoundFileReader> reader(new SndfileReader(f, info));
  if (info.frames <= 0) return Error::unusable_file("audio file '" + path + "' contains no audio");
  if (Error e = check_file_shape(path, info.samplerate, info.channels)) return e;
  return reader;
}

}  // namespace sipcall::media
