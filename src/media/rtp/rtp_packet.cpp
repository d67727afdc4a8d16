#include "rtp_packet.h"

#include <string>

#include "media/audio/byte_io.h"

namespace sipcall::media {

namespace {
constexpr size_t kFixedHeader = 12;  // [bytes]
}

Result<RtpPacket> parse_rtp(std::span<const uint8_t> data) {
  if (data.size() < kFixedHeader) return Error::malformed_media("RTP: truncated header (" + std::to_string(data.size()) + " bytes)");
  const uint8_t b0 = data[0];
  if ((b0 >> 6) != 2) return Error::malformed_media("RTP: version is " + std::to_string(b0 >> 6) + ", not 2");
  const bool padding = b0 & 0x20;
  const bool extension = b0 & 0x10;
  const size_t csrc_count = b0 & 0x0f;

  RtpPacket p;
  p.header.marker = data[1] & 0x80;
  p.header.payload_type = data[1] & 0x7f;
  p.header.sequence = read_u16(data, 2);
  p.header.timestamp = read_u32(data, 4);
  p.header.ssrc = read_u32(data, 8);

  size_t pos = kFixedHeader;
  if (data.size() < pos + 4 * csrc_count) return Error::malformed_media("RTP: truncated CSRC list");
  for (size_t i = 0; i < csrc_count; ++i, pos += 4) p.header.csrcs.push_back(read_u32(data, pos));

  if (extension) {
    if (data.size() < pos + 4) return Error::malformed_media("RTP: truncated extension header");
    p.header.has_extension = true;
    p.header.extension_profile = read_u16(data, pos);
    const size_t ext_len = 4 * size_t{read_u16(data, pos + 2)};
    pos += 4;
    if (data.size() < pos + ext_len) return Error::malformed_media("RTP: truncated extension data");
    p.header.extension_data.assign(data.begin() + pos, data.begin() + pos + ext_len);
    pos += ext_len;
  }

  size_t end = data.size();
  if (padding) {
    const uint8_t pad = data.back();
    if (pad == 0) return Error::malformed_media("RTP: padding bit set but padding count is 0");
    if (pad > end - pos) return Error::malformed_media("RTP: padding longer than payload");
    p.padding = pad;
    end -= pad;
  }
  p.payload.assign(data.begin() + pos, data.begin() + end);
  return p;
}

Result<std::vector<uint8_t>> serialize_rtp(const RtpPacket& p) {
  const RtpHeader& h = p.header;
  if (h.csrcs.size() > 15) return Error::malformed_media("RTP: more than 15 CSRCs");
  if (h.payload_type > 127) return Error::malformed_media("RTP: payload type above 127");
  if (h.has_extension && (h.extension_data.size() % 4 != 0 || h.extension_data.size() / 4 > 0xffff))
    return Error::malformed_media("RTP: extension length must be a multiple of 4 below 256 KiB");

  std::vector<uint8_t> out;
  out.reserve(kFixedHeader + 4 * h.csrcs.size() + 4 + h.extension_data.size() + p.payload.size() + p.padding);
  out.push_back(static_cast<uint8_t>(0x80 | (p.padding ? 0x20 : 0) | (h.has_extension ? 0x10 : 0) | h.csrcs.size()));
  out.push_back(static_cast<uint8_t>((h.marker ? 0x80 : 0) | h.payload_type));
  append_u16(out, h.sequence);
  append_u32(out, h.timestamp);
  append_u32(out, h.ssrc);
  for (uint32_t c : h.csrcs) append_u32(out, c);
  if (h.has_extension) {
    append_u16(out, h.extension_profile);
    append_u16(out, static_cast<uint16_t>(h.extension_data.size() / 4));
    out.insert(out.end(), h.extension_data.begin(), h.extension_data.end());
  }
  out.insert(out.end(), p.payload.begin(), p.payload.end());
  if (p.padding) {
    out.insert(out.end(), p.padding - 1, 0);
    out.push_back(p.padding);
  }
  return out;
}

bool looks_like_rtcp(std::span<const uint8_t> data) {
  return data.size() >= 2 && (data[0] >> 6) == 2 && data[1] >= 192 && data[1] <= 223;
}

}  // namespace sipcall::media
