// RTP packets (RFC 3550 section 5.1): parse with full validation and
// serialize. Parsing never trusts a length field: truncated or garbage input
// yields an Error, never a read past the buffer.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sipcall/error.h"

namespace sipcall::media {

struct RtpHeader {
  bool marker = false;
  uint8_t payload_type = 0;  // 0..127
  uint16_t sequence = 0;
  uint32_t timestamp = 0;  // [ticks of the payload's clock rate]
  uint32_t ssrc = 0;
  std::vector<uint32_t> csrcs;  // at most 15
  bool has_extension = false;
  uint16_t extension_profile = 0;       // "defined by profile" field
  std::vector<uint8_t> extension_data;  // length is a multiple of 4 [bytes]
};

struct RtpPacket {
  RtpHeader header;
  std::vector<uint8_t> payload;
  uint8_t padding = 0;  // padding bytes to append on serialize / found on parse [bytes]
};

// Errors are Error::media with a message naming the defect.
Result<RtpPacket> parse_rtp(std::span<const uint8_t> data);

// Fails only on an unrepresentable packet (more than 15 CSRCs, extension
// length not a multiple of 4 or too long, payload type > 127).
Result<std::vector<uint8_t>> serialize_rtp(const RtpPacket& packet);

// rtcp-mux demultiplexing (RFC 5761 section 4): RTCP packet types 192..223
// occupy the byte where RTP keeps marker + payload type 64..95.
bool looks_like_rtcp(std::span<const uint8_t> data);

}  // namespace sipcall::media
