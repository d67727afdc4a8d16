#include <doctest/doctest.h>

#include <vector>

#include "media/dtls/demux.h"

using namespace sipcall::media::dtls;

namespace {
DatagramKind kind(std::vector<uint8_t> d) { return classify_datagram(d); }
std::vector<uint8_t> of(uint8_t first, uint8_t second, size_t size) {
  std::vector<uint8_t> d(size, 0);
  if (size > 0) d[0] = first;
  if (size > 1) d[1] = second;
  return d;
}
}  // namespace

TEST_CASE("demux: by first byte (RFC 7983)") {
  CHECK(kind(of(0x00, 0x01, 20)) == DatagramKind::stun);  // binding request
  CHECK(kind(of(0x01, 0x01, 32)) == DatagramKind::stun);  // binding success
  CHECK(kind(of(3, 0, 20)) == DatagramKind::stun);
  CHECK(kind(of(22, 0xfe, 13)) == DatagramKind::dtls);  // handshake
  CHECK(kind(of(20, 0xfe, 14)) == DatagramKind::dtls);  // change_cipher_spec
  CHECK(kind(of(63, 0, 13)) == DatagramKind::dtls);
  CHECK(kind(of(0x80, 0, 172)) == DatagramKind::rtp);   // PCMU
  CHECK(kind(of(0x80, 111, 60)) == DatagramKind::rtp);  // opus
  CHECK(kind(of(0x80, 0x80 | 96, 60)) == DatagramKind::rtp);  // marker + dynamic PT
  CHECK(kind(of(0xbf, 0, 12)) == DatagramKind::rtp);
  for (uint8_t other : {4, 16, 19, 64, 79, 100, 127, 192, 255}) CHECK(kind(of(other, 0, 100)) == DatagramKind::other);
}

TEST_CASE("demux: RTCP by payload type with rtcp-mux (RFC 5761)") {
  CHECK(kind(of(0x80, 200, 28)) == DatagramKind::rtcp);  // SR
  CHECK(kind(of(0x81, 201, 32)) == DatagramKind::rtcp);  // RR
  CHECK(kind(of(0x81, 203, 8)) == DatagramKind::rtcp);   // BYE
  CHECK(kind(of(0x80, 192, 8)) == DatagramKind::rtcp);   // PT 64
  CHECK(kind(of(0x80, 223, 8)) == DatagramKind::rtcp);   // PT 95
  CHECK(kind(of(0x80, 64, 8)) == DatagramKind::rtcp);    // PT 64 without marker: still not RTP
  CHECK(kind(of(0x80, 191, 12)) == DatagramKind::rtp);   // PT 63 + marker
  CHECK(kind(of(0x80, 224, 12)) == DatagramKind::rtp);   // PT 96 + marker
}

TEST_CASE("demux: too short for what it claims is other") {
  CHECK(kind({}) == DatagramKind::other);
  CHECK(kind(of(0, 1, 19)) == DatagramKind::other);
  CHECK(kind(of(22, 0xfe, 12)) == DatagramKind::other);
  CHECK(kind(of(0x80, 0, 1)) == DatagramKind::other);
  CHECK(kind(of(0x80, 0, 11)) == DatagramKind::other);
  CHECK(kind(of(0x80, 200, 7)) == DatagramKind::other);
  CHECK(kind_name(DatagramKind::rtcp) == "rtcp");
}
