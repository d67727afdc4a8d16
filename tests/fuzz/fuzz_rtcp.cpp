// RTCP parsing (rtcp.h) on arbitrary compound packets. A parsed report is
// rebuilt with our own builders and must parse back to the same values;
// its report blocks also go through the round-trip time calculation.
// Input: 8 bytes of arrival NTP time, then the datagram.
#include <cmath>

#include "fuzz_support.h"
#include "media/rtp/rtcp.h"

using namespace sipcall::media;
using sipcall::fuzz::check;

namespace {

bool same_block(const ReportBlock& a, const ReportBlock& b) {
  return a.ssrc == b.ssrc && a.fraction_lost == b.fraction_lost && a.cumulative_lost == b.cumulative_lost &&
         a.extended_highest_seq == b.extended_highest_seq && a.jitter == b.jitter && a.last_sr == b.last_sr &&
         a.delay_since_last_sr == b.delay_since_last_sr;
}

bool same_blocks(const std::vector<ReportBlock>& a, const std::vector<ReportBlock>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), same_block);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sipcall::fuzz::FuzzInput in(data, size);
  const uint64_t arrival_ntp = (uint64_t{in.u32()} << 32) | in.u32();
  auto report = parse_rtcp(in.rest());
  if (!report.ok()) return 0;

  for (const ReportBlock& block : report->blocks) {
    if (auto rtt = round_trip_ms(block, arrival_ntp)) check(std::isfinite(*rtt) && *rtt >= 0, "bad round-trip time");
  }

  // Several SR/RR in one compound accumulate their blocks; our builders
  // take at most 31 per packet.
  if (report->blocks.size() > 31) return 0;
  std::vector<uint8_t> rebuilt;
  if (report->sender_info)
    append_sender_report(rebuilt, report->sender_ssrc, *report->sender_info, report->blocks);
  else
    append_receiver_report(rebuilt, report->sender_ssrc, report->blocks);
  if (report->cname) append_sdes_cname(rebuilt, report->sender_ssrc, *report->cname);
  if (report->bye) append_bye(rebuilt, report->sender_ssrc);

  auto again = parse_rtcp(rebuilt);
  check(again.ok(), "a rebuilt report does not parse");
  check(again->sender_ssrc == report->sender_ssrc && same_blocks(again->blocks, report->blocks) &&
            again->cname == report->cname && again->bye == report->bye,
        "a rebuilt report parses to different values");
  check(again->sender_info.has_value() == report->sender_info.has_value(), "sender info lost in rebuilding");
  if (again->sender_info) {
    const SenderInfo &a = *again->sender_info, &b = *report->sender_info;
    check(a.ntp_timestamp == b.ntp_timestamp && a.rtp_timestamp == b.rtp_timestamp &&
              a.packet_count == b.packet_count && a.octet_count == b.octet_count,
          "sender info changed in rebuilding");
  }
  return 0;
}
