// SDP offer/answer for one audio stream (RFC 3264, RFC 4566), in plain
// types. Parsing uses Sofia-SIP's SDP parser (sdp.cpp); building our SDP
// and choosing what to send are pure functions (offer_answer.cpp), so the
// negotiation rules are unit-tested without a network.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sipcall/error.h"
#include "sipcall/media/session/media_session.h"

namespace sipcall {

// One payload format of an m= line (a=rtpmap / a=fmtp, or a static type).
struct SdpFormat {
  int payload_type = -1;  // 0..127
  std::string encoding;   // as written, e.g. "opus", "PCMU", "telephone-event"
  int clock_rate = 0;     // [Hz]
  int channels = 1;       // from the rtpmap's third field
  std::string fmtp;       // a=fmtp value, without the payload type
};

// The first audio stream of a session description, as the peer wrote it.
struct SdpAudio {
  std::string address;          // c= (media level, else session level); "0.0.0.0" = old-style hold
  uint16_t port = 0;            // m= port; 0 = stream rejected
  uint16_t rtcp_port = 0;       // a=rtcp; 0 = absent (port + 1)
  bool rtcp_mux = false;        // a=rtcp-mux
  int ptime_ms = 0;             // a=ptime; 0 = absent
  media::Direction direction = media::Direction::sendrecv;
  std::vector<SdpFormat> formats;  // in m= line order
  bool srtp = false;               // the profile is RTP/SAVP (RFC 3711), not RTP/AVP
  std::vector<std::string> crypto;  // a=crypto values (RFC 4568), in order; they hold keys: secrets
  // WebRTC media (RFC 8827): the profile is UDP/TLS/RTP/SAVPF (or SAVP):
  // ICE and DTLS-SRTP, whose attributes the media session reads.
  bool webrtc = false;
  std::vector<media::TransportAttribute> session_transport;  // ICE/DTLS attributes before the first m=
  std::vector<media::TransportAttribute> media_transport;    // and of this stream (bounded)
  std::string mid;      // a=mid of this stream ("" when none)
  bool bundle = false;  // a=group:BUNDLE names this stream's mid
  // The offer's other streams (video, a second audio...), as the m= lines
  // an answer must carry to refuse them (port 0, RFC 3264 6), in order.
  std::vector<std::string> rejected_before;  // m= lines before this stream
  std::vector<std::string> rejected_after;   // m= lines after it
};

// Parses an SDP body. Error::media with the parser's reason for text that
// is not SDP, has no audio stream, or uses a transport other than RTP/AVP,
// RTP/SAVP and UDP/TLS/RTP/SAVP(F) (whether a profile is acceptable is the
// caller's policy).
Result<SdpAudio> parse_sdp(const std::string& body);

// What we put in our own SDP.
struct LocalMedia {
  std::string address;     // c= and o=; IPv4 or IPv6 literal
  uint16_t rtp_port = 0;   // m=
  uint16_t rtcp_port = 0;  // a=rtcp (always written: some PBXs assume +1)
  uint64_t session_id = 0; // o= session id
  uint64_t version = 0;    // o= version: +1 for every new description in a call
  int ptime_ms = 20;
  media::Direction direction = media::Direction::sendrecv;  // what we do
  bool rtcp_mux = false;   // answer a=rtcp-mux (only when the offer had it)
  // a=crypto values (RFC 4568; secrets). Not empty: the m= line says RTP/SAVP.
  std::vector<std::string> crypto;
  // WebRTC media: our ICE and DTLS attributes (MediaSession::webrtc_attributes).
  // Not empty: the m= line says UDP/TLS/RTP/SAVPF, with a=rtcp-mux.
  std::vector<media::TransportAttribute> transport;
  std::string mid;      // a=mid ("" = none); an answer repeats the offer's
  bool bundle = false;  // a=group:BUNDLE <mid> (when the offer had it)
  // When answering: the offer's other streams, refused in place (from
  // SdpAudio::rejected_before/after), so the answer has as many m= lines.
  std::vector<std::string> rejected_before;
  std::vector<std::string> rejected_after;
};

// The codecs a user allows, in preference order: "opus", "pcmu", "pcma".
// Usage error for an unknown name or an empty list.
Result<std::vector<std::string>> parse_codec_list(const std::string& comma_separated);

// Our offer's formats: each codec in order, then telephone-event for each
// clock rate in use (48000 with opus, 8000 with G.711).
std::vector<SdpFormat> offer_formats(const std::vector<std::string>& codecs);

// Renders a session description with one audio stream.
std::string build_sdp(const LocalMedia& local, const std::vector<SdpFormat>& formats);

// The peer's answer to our offer: the first format in the answer that we
// offered (the answer's payload type wins, e.g. 3CX's opus at 112).
// Error::media naming the reason when nothing usable is left.
Result<media::MediaParams> accept_answer(const SdpAudio& answer, const std::vector<SdpFormat>& offered);

// Our answer to the peer's offer: our most preferred codec that the offer
// has, with the offer's payload types. `formats` receives what to put in
// our answer. Error::media (-> 488) when nothing is common.
Result<media::MediaParams> answer_offer(const SdpAudio& offer, const std::vector<std::string>& codecs,
                                        std::vector<SdpFormat>& formats);

// The direction we answer with: the mirror of the peer's.
media::Direction answer_direction(media::Direction offered);

}  // namespace sipcall
