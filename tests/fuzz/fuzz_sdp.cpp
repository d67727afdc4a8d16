// SDP from the far end (sdp.h): Sofia's parser, then both negotiation
// directions. Whatever is accepted must name one of our codecs on a real
// port, and our own SDP built from it must parse back the same way.
#include "fuzz_support.h"
#include "sipcall/sip/sdp.h"

using namespace sipcall;
using sipcall::fuzz::check;

namespace {

bool ours(const std::string& name) { return name == "opus" || name == "pcmu" || name == "pcma"; }

void check_params(const media::MediaParams& p) {
  check(ours(p.codec.name), "negotiated a codec we do not have");
  check(p.remote_rtp_port != 0, "negotiated a rejected stream");
  check(p.ptime_ms >= 10 && p.ptime_ms <= 60 && p.ptime_ms % 10 == 0, "negotiated an unusable ptime");
  check(p.codec.payload_type >= 0 && p.codec.payload_type <= 127, "payload type out of range");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  auto sdp = parse_sdp(body);
  if (!sdp.ok()) {
    check(sdp.error().kind() == ErrorKind::unusable_sdp, "bad SDP is not a media error");
    return 0;
  }
  check(sdp->crypto.size() <= 16, "a=crypto lines are not bounded");
  const std::vector<std::string> codecs = {"opus", "pcmu", "pcma"};
  auto offered = offer_formats(codecs);
  if (auto answer = accept_answer(sdp.value(), offered); answer.ok()) check_params(answer.value());

  std::vector<SdpFormat> formats;
  auto params = answer_offer(sdp.value(), codecs, formats);
  if (!params.ok()) return 0;
  check_params(params.value());
  check(!formats.empty() && formats.size() <= 2, "answer formats: the codec and at most a telephone-event");

  LocalMedia local;
  local.address = "127.0.0.1";
  local.rtp_port = 10000;
  local.rtcp_port = 10001;
  local.direction = answer_direction(params.value().direction);
  local.rtcp_mux = params.value().rtcp_mux;
  // An SRTP answer carries a=crypto values; those that Sofia read as one
  // attribute value go back as one line each.
  for (const auto& c : sdp->crypto)
    if (c.find_first_of("\r\n") == std::string::npos) local.crypto.push_back(c);
  auto ours_again = parse_sdp(build_sdp(local, formats));
  check(ours_again.ok(), "our answer does not parse");
  check(ours_again->formats.size() == formats.size(), "our answer lost a format");
  check(ours_again->port == 10000 && ours_again->address == "127.0.0.1", "our answer changed address or port");
  check(ours_again->srtp == !local.crypto.empty(), "our answer's profile is not what its a=crypto lines say");
  check(ours_again->crypto.size() == local.crypto.size(), "our answer lost an a=crypto line");
  return 0;
}
