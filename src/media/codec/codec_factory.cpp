#include <algorithm>
#include <cctype>

#include "sipcall/media/codec/codec.h"

namespace sipcall::media {

Result<std::unique_ptr<Codec>> make_codec(const CodecSpec& spec, int ptime_ms) {
  std::string name = spec.name;
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (spec.payload_type < 0 || spec.payload_type > 127)
    return Error::codec("codec " + spec.name + ": payload type " + std::to_string(spec.payload_type) + " out of range");
  if (ptime_ms < 10 || ptime_ms > 60 || ptime_ms % 10)
    return Error::codec("codec " + spec.name + ": unsupported ptime " + std::to_string(ptime_ms) + " ms");
  if (name == "pcmu") return make_g711_codec(spec, ptime_ms, false);
  if (name == "pcma") return make_g711_codec(spec, ptime_ms, true);
  if (name == "opus") return make_opus_codec(spec, ptime_ms);
  return Error::codec("unsupported codec '" + spec.name + "' (known: opus, pcmu, pcma)");
}

}  // namespace sipcall::media
