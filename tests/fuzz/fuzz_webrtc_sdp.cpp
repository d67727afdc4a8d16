// The transport attributes of a WebRTC m= section from the far end
// (src/media/webrtc/webrtc_sdp.h): the input is lines of "name:value" (or a
// bare name); lines before one that is just "m" are session level. A
// usable result must be complete (credentials, a candidate, a fingerprint)
// and survive local_attributes + remote_transport unchanged.
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "media/webrtc/webrtc_sdp.h"

using namespace sipcall;
using namespace sipcall::media;
using namespace sipcall::media::webrtc;
using sipcall::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<SdpAttribute> session, media;
  bool in_media = false;
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line == "m") {
      in_media = true;
      continue;
    }
    auto colon = line.find(':');
    SdpAttribute a{std::string(line.substr(0, colon)),
                   colon == std::string_view::npos ? std::string() : std::string(line.substr(colon + 1))};
    (in_media ? media : session).push_back(std::move(a));
  }
  auto t = remote_transport(session, media);
  if (!t.ok()) {
    check(t.error().kind() == ErrorKind::unusable_sdp, "a bad transport section is not an SDP error");
    check(!t.error().message().empty() && t.error().message().size() < 400, "error message empty or unbounded");
    check(t.error().message().find('\n') == std::string::npos, "error message is not one line");
    return 0;
  }
  const RemoteDescription& d = t->description;
  check(!d.ufrag.empty() && !d.pwd.empty(), "usable without ICE credentials");
  check(!d.candidates.empty() && d.candidates.size() <= 25, "candidate count out of bounds");
  check(!d.fingerprints.empty() && d.fingerprints.size() <= 8, "fingerprint count out of bounds");

  // Written as ours, it must read back the same (setup and fingerprint
  // taken from what was read).
  LocalDescription local;
  local.credentials = {d.ufrag, d.pwd};
  local.candidates = d.candidates;
  local.fingerprint = d.fingerprints[0];
  local.setup = d.setup;
  auto back = remote_transport({}, local_attributes(local));
  check(back.ok(), "our own attributes do not parse");
  check(back->description.ufrag == d.ufrag && back->description.pwd == d.pwd, "credentials changed in a round trip");
  check(back->description.candidates == d.candidates, "candidates changed in a round trip");
  check(back->description.fingerprints[0] == d.fingerprints[0], "fingerprint changed in a round trip");
  check(back->description.setup == d.setup, "setup changed in a round trip");
  return 0;
}
