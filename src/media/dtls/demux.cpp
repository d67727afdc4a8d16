#include "demux.h"

namespace sipcall::media::dtls {

namespace {
constexpr size_t stun_header = 20;  // RFC 8489 section 5
constexpr size_t dtls_header = 13;  // RFC 6347 section 4.1: type, version, epoch, sequence, length
constexpr size_t rtp_header = 12;   // RFC 3550 section 5.1
constexpr size_t rtcp_header = 8;   // RFC 3550 section 6.4: common header and SSRC
}  // namespace

std::string_view kind_name(DatagramKind kind) {
  switch (kind) {
    case DatagramKind::stun: return "stun";
    case DatagramKind::dtls: return "dtls";
    case DatagramKind::rtp: return "rtp";
    case DatagramKind::rtcp: return "rtcp";
    case DatagramKind::other: return "other";
  }
  return "other";
}

DatagramKind classify_datagram(std::span<const uint8_t> datagram) {
  if (datagram.empty()) return DatagramKind::other;
  const uint8_t first = datagram[0];
  if (first <= 3) return datagram.size() >= stun_header ? DatagramKind::stun : DatagramKind::other;
  if (first >= 20 && first <= 63) return datagram.size() >= dtls_header ? DatagramKind::dtls : DatagramKind::other;
  if (first >= 128 && first <= 191) {
    if (datagram.size() < 2) return DatagramKind::other;
    const uint8_t payload_type = datagram[1] & 0x7f;
    if (payload_type >= 64 && payload_type <= 95)
      return datagram.size() >= rtcp_header ? DatagramKind::rtcp : DatagramKind::other;
    return datagram.size() >= rtp_header ? DatagramKind::rtp : DatagramKind::other;
  }
  return DatagramKind::other;
}

}  // namespace sipcall::media::dtls
