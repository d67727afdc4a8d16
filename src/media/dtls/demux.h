// Telling apart what arrives on one ICE component (RFC 7983 section 7): STUN,
// DTLS and SRTP/SRTCP share the port, and with rtcp-mux RTP and RTCP share it
// too (RFC 5761 section 4).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace sipcall::media::dtls {

enum class DatagramKind { stun, dtls, rtp, rtcp, other };

std::string_view kind_name(DatagramKind kind);

// By the first byte: 0-3 STUN, 20-63 DTLS, 128-191 RTP or RTCP; the rest
// (ZRTP 16-19, TURN channels 64-79, empty datagrams, ...) is `other`. RTP and
// RTCP differ by the second byte: RTCP packet types 192-223 are RTP payload
// types 64-95 with the marker bit set, which RFC 5761 keeps out of RTP's way.
// A datagram too short for the header of what it claims to be is `other`.
DatagramKind classify_datagram(std::span<const uint8_t> datagram);

}  // namespace sipcall::media::dtls
