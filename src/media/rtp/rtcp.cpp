#include "rtcp.h"

#include <algorithm>

#include "media/audio/byte_io.h"

namespace sipcall::media {

namespace {
constexpr uint8_t kSr = 200, kRr = 201, kSdes = 202, kBye = 203;
constexpr uint8_t kSdesCname = 1;
constexpr size_t kBlockSize = 24;  // [bytes]

// Writes the 4-byte common header; the length is patched by finish().
size_t begin_packet(std::vector<uint8_t>& out, uint8_t count, uint8_t type) {
  const size_t start = out.size();
  out.push_back(static_cast<uint8_t>(0x80 | (count & 0x1f)));
  out.push_back(type);
  append_u16(out, 0);
  return start;
}

void finish_packet(std::vector<uint8_t>& out, size_t start) {
  while ((out.size() - start) % 4) out.push_back(0);
  const auto words = static_cast<uint16_t>((out.size() - start) / 4 - 1);
  out[start + 2] = static_cast<uint8_t>(words >> 8);
  out[start + 3] = static_cast<uint8_t>(words);
}

void append_blocks(std::vector<uint8_t>& out, std::span<const ReportBlock> blocks) {
  for (const ReportBlock& b : blocks) {
    append_u32(out, b.ssrc);
    const int32_t lost = std::clamp<int32_t>(b.cumulative_lost, -0x800000, 0x7fffff);
    append_u32(out, (uint32_t{b.fraction_lost} << 24) | (static_cast<uint32_t>(lost) & 0xffffff));
    append_u32(out, b.extended_highest_seq);
    append_u32(out, b.jitter);
    append_u32(out, b.last_sr);
    append_u32(out, b.delay_since_last_sr);
  }
}

ReportBlock read_block(std::span<const uint8_t> d, size_t pos) {
  ReportBlock b;
  b.ssrc = read_u32(d, pos);
  b.fraction_lost = d[pos + 4];
  uint32_t lost = read_u32(d, pos + 4) & 0xffffff;
  if (lost & 0x800000) lost |= 0xff000000;  // sign-extend 24 bits
  b.cumulative_lost = static_cast<int32_t>(lost);
  b.extended_highest_seq = read_u32(d, pos + 8);
  b.jitter = read_u32(d, pos + 12);
  b.last_sr = read_u32(d, pos + 16);
  b.delay_since_last_sr = read_u32(d, pos + 20);
  return b;
}

Error parse_sdes(std::span<const uint8_t> body, size_t chunks, RtcpReport& r) {
  size_t pos = 0;
  for (size_t c = 0; c < chunks; ++c) {
    if (body.size() < pos + 4) return Error::malformed_media("RTCP: truncated SDES chunk");
    pos += 4;  // SSRC of the chunk
    while (true) {
      if (pos >= body.size()) return Error::malformed_media("RTCP: SDES chunk without end");
      const uint8_t type = body[pos];
      if (type == 0) break;
      if (body.size() < pos + 2 || body.size() < pos + 2 + body[pos + 1]) return Error::malformed_media("RTCP: truncated SDES item");
      const size_t len = body[pos + 1];
      if (type == kSdesCname && !r.cname)
        r.cname = std::string(body.begin() + pos + 2, body.begin() + pos + 2 + len);
      pos += 2 + len;
    }
    pos = (pos / 4 + 1) * 4;  // end item and padding up to the next word
  }
  return {};
}
}  // namespace

void append_sender_report(std::vector<uint8_t>& out, uint32_t ssrc, const SenderInfo& info,
                          std::span<const ReportBlock> blocks) {
  blocks = blocks.first(std::min<size_t>(blocks.size(), 31));
  const size_t start = begin_packet(out, static_cast<uint8_t>(blocks.size()), kSr);
  append_u32(out, ssrc);
  append_u32(out, static_cast<uint32_t>(info.ntp_timestamp >> 32));
  append_u32(out, static_cast<uint32_t>(info.ntp_timestamp));
  append_u32(out, info.rtp_timestamp);
  append_u32(out, info.packet_count);
  append_u32(out, info.octet_count);
  append_blocks(out, blocks);
  finish_packet(out, start);
}

void append_receiver_report(std::vector<uint8_t>& out, uint32_t ssrc, std::span<const ReportBlock> blocks) {
  blocks = blocks.first(std::min<size_t>(blocks.size(), 31));
  const size_t start = begin_packet(out, static_cast<uint8_t>(blocks.size()), kRr);
  append_u32(out, ssrc);
  append_blocks(out, blocks);
  finish_packet(out, start);
}

void append_sdes_cname(std::vector<uint8_t>& out, uint32_t ssrc, const std::string& cname) {
  const size_t start = begin_packet(out, 1, kSdes);
  append_u32(out, ssrc);
  const size_t len = std::min<size_t>(cname.size(), 255);
  out.push_back(kSdesCname);
  out.push_back(static_cast<uint8_t>(len));
  out.insert(out.end(), cname.begin(), cname.begin() + static_cast<std::ptrdiff_t>(len));
  out.push_back(0);  // end of item list; finish_packet pads to a word
  finish_packet(out, start);
}

void append_bye(std::vector<uint8_t>& out, uint32_t ssrc) {
  const size_t start = begin_packet(out, 1, kBye);
  append_u32(out, ssrc);
  finish_packet(out, start);
}

Result<RtcpReport> parse_rtcp(std::span<const uint8_t> data) {
  if (data.size() < 4) return Error::malformed_media("RTCP: truncated packet");
  RtcpReport r;
  size_t pos = 0;
  bool first = true;
  while (pos < data.size()) {
    if (data.size() - pos < 4) return Error::malformed_media("RTCP: trailing bytes after last packet");
    const uint8_t b0 = data[pos];
    if ((b0 >> 6) != 2) return Error::malformed_media("RTCP: version is not 2");
    const uint8_t count = b0 & 0x1f;
    const uint8_t type = data[pos + 1];
    const size_t length = 4 * (size_t{read_u16(data, pos + 2)} + 1);
    if (data.size() - pos < length) return Error::malformed_media("RTCP: length field exceeds datagram");
    size_t body_len = length - 4;
    if (b0 & 0x20) {  // padding is only allowed on the last packet
      if (pos + length != data.size()) return Error::malformed_media("RTCP: padding on a non-final packet");
      const uint8_t pad = data[pos + length - 1];
      if (pad == 0 || pad > body_len) return Error::malformed_media("RTCP: bad padding count");
      body_len -= pad;
    }
    const auto body = data.subspan(pos + 4, body_len);
    if (first && type != kSr && type != kRr) return Error::malformed_media("RTCP: compound does not start with SR or RR");
    first = false;

    if (type == kSr || type == kRr) {
      const size_t fixed = type == kSr ? 24 : 4;
      if (body.size() < fixed + kBlockSize * count) return Error::malformed_media("RTCP: report shorter than its block count");
      r.sender_ssrc = read_u32(body, 0);
      if (type == kSr) {
        SenderInfo info;
        info.ntp_timestamp = (uint64_t{read_u32(body, 4)} << 32) | read_u32(body, 8);
        info.rtp_timestamp = read_u32(body, 12);
        info.packet_count = read_u32(body, 16);
        info.octet_count = read_u32(body, 20);
        r.sender_info = info;
      }
      for (size_t i = 0; i < count; ++i) r.blocks.push_back(read_block(body, fixed + i * kBlockSize));
    } else if (type == kSdes) {
      if (Error e = parse_sdes(body, count, r)) return e;
    } else if (type == kBye) {
      if (body.size() < 4u * count) return Error::malformed_media("RTCP: BYE shorter than its SSRC count");
      r.bye = true;
      for (size_t i = 0; i < count; ++i) r.bye_ssrcs.push_back(read_u32(body, 4 * i));
    }
    pos += length;
  }
  return r;
}

uint64_t to_ntp(std::chrono::system_clock::time_point t) {
  constexpr uint64_t kUnixToNtp = 2208988800ull;  // seconds from 1900 to 1970
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  const uint64_t seconds = static_cast<uint64_t>(us / 1'000'000) + kUnixToNtp;
  const uint64_t fraction = (static_cast<uint64_t>(us % 1'000'000) << 32) / 1'000'000;
  return (seconds << 32) | fraction;
}

std::optional<double> round_trip_ms(const ReportBlock& block, uint64_t arrival_ntp) {
  if (block.last_sr == 0) return std::nullopt;
  const uint32_t a = ntp_middle32(arrival_ntp);
  const auto rtt = static_cast<int32_t>(a - block.last_sr - block.delay_since_last_sr);
  if (rtt < 0) return 0.0;  // clocks of the same host, rounding: never negative
  return rtt * 1000.0 / 65536.0;
}

}  // namespace sipcall::media
