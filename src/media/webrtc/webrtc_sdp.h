// The transport attributes of a UDP/TLS/RTP/SAVPF m= section: ICE's
// (RFC 8839) and DTLS-SRTP's (RFC 8122 a=fingerprint, RFC 4145/5763
// a=setup), from and to the attribute lists the SDP code has, so that the
// SDP code needs to know nothing of ICE or DTLS. a=mid, a=rtcp-mux and the
// BUNDLE group are the SDP builder's: they are not transport parameters.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "media/webrtc/webrtc_transport.h"
#include "sipcall/error.h"

namespace sipcall::media::webrtc {

// One "a=name:value" line without "a=" (value empty for a flag).
struct SdpAttribute {
  std::string name;
  std::string value;
  bool operator==(const SdpAttribute&) const = default;
};

// Ours, in this order: ice-ufrag, ice-pwd, ice-options:ice2, fingerprint,
// setup, one candidate per local candidate, end-of-candidates (we gather
// before we offer: no trickle).
std::vector<SdpAttribute> local_attributes(const LocalDescription& local);

// What the far end's SDP says of the transport of its audio m= section.
// Media-level attributes override session-level ones (RFC 8839, 8122).
// Errors (unusable_sdp, one line) for a section we cannot connect to: no
// ICE credentials or no usable candidate, no a=fingerprint we can verify,
// a broken ICE or DTLS attribute. a=fingerprint lines with hashes we do
// not know are skipped while one we know remains; a=setup absent means
// active (RFC 4145 section 4).
struct RemoteTransport {
  RemoteDescription description;
  size_t candidates_skipped = 0;  // tcp, mDNS, ... (ice::RemoteDescription says why)
  bool ice_lite = false;
};
Result<RemoteTransport> remote_transport(std::span<const SdpAttribute> session, std::span<const SdpAttribute> media);

}  // namespace sipcall::media::webrtc
