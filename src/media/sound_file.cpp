#include "sound_file.h"

namespace sipcall::media {

Error check_file_shape(const std::string& path, int rate, int channels) {
  if (rate <= 0 || channels <= 0) return Error::usage("audio file '" + path + "' contains no audio");
  if (rate > kMaxFileRate || channels > kMaxFileChannels)
    return Error::usage("audio file '" + path + "' claims " + std::to_string(rate) + " Hz and " +
                        std::to_string(channels) + " channels (at most " + std::to_string(kMaxFileRate) +
                        " Hz and " + std::to_string(kMaxFileChannels) + " channels are supported)");
  return {};
}

Result<std::unique_ptr<SoundFileReader>> open_sound_file(const std::string& path) {
  auto ours = open_riff_wav(path);
  if (!ours.ok() || ours.value()) return ours;
  return open_with_libsndfile(path);
}

}  // namespace sipcall::media
