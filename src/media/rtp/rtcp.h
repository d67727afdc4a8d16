// RTCP (RFC 3550 section 6): sender/receiver reports, SDES CNAME and BYE,
// built and parsed as compound packets, plus the NTP time helpers that the
// round-trip time calculation (section 6.4.1) needs.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sipcall/error.h"

namespace sipcall::media {

struct ReportBlock {
  uint32_t ssrc = 0;                   // source this block reports on
  uint8_t fraction_lost = 0;           // lost/expected since last report * 256
  int32_t cumulative_lost = 0;         // 24-bit signed on the wire [packets]
  uint32_t extended_highest_seq = 0;
  uint32_t jitter = 0;                 // [RTP timestamp units]
  uint32_t last_sr = 0;                // LSR: middle 32 bits of the last SR's NTP time
  uint32_t delay_since_last_sr = 0;    // DLSR [1/65536 s]
};

struct SenderInfo {
  uint64_t ntp_timestamp = 0;  // NTP format: seconds since 1900 << 32 | fraction
  uint32_t rtp_timestamp = 0;  // same instant in RTP units
  uint32_t packet_count = 0;   // [packets]
  uint32_t octet_count = 0;    // payload [bytes]
};

// What a compound RTCP packet said. Packet types we do not use (APP, XR,
// feedback) are skipped, not rejected.
struct RtcpReport {
  uint32_t sender_ssrc = 0;
  std::optional<SenderInfo> sender_info;  // present for an SR
  std::vector<ReportBlock> blocks;
  std::optional<std::string> cname;
  bool bye = false;
  std::vector<uint32_t> bye_ssrcs;
};

// Each build function appends one RTCP packet to `out`; concatenating
// them forms a compound packet (first an SR or RR, as section 6.1 requires).
void append_sender_report(std::vector<uint8_t>& out, uint32_t ssrc, const SenderInfo& info,
                          std::span<const ReportBlock> blocks);  // at most 31 blocks
void append_receiver_report(std::vector<uint8_t>& out, uint32_t ssrc, std::span<const ReportBlock> blocks);
void append_sdes_cname(std::vector<uint8_t>& out, uint32_t ssrc, const std::string& cname);  // cname <= 255 bytes
void append_bye(std::vector<uint8_t>& out, uint32_t ssrc);

// Validates version, lengths and padding of every packet in the compound.
Result<RtcpReport> parse_rtcp(std::span<const uint8_t> data);

// NTP time (RFC 5905 format) of a wall-clock instant.
uint64_t to_ntp(std::chrono::system_clock::time_point t);
inline uint32_t ntp_middle32(uint64_t ntp) { return static_cast<uint32_t>(ntp >> 16); }

// Round-trip time from a report block received at `arrival_ntp` (section
// 6.4.1: A - LSR - DLSR). nullopt when the peer has not seen our SR yet.
std::optional<double> round_trip_ms(const ReportBlock& block, uint64_t arrival_ntp);

}  // namespace sipcall::media
