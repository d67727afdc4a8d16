// The receive thread: poll() both sockets with a timeout (so stop() is
// noticed), demultiplex RTP, RTCP (separate port or rtcp-mux) and
// telephone-events, and count whatever else arrives instead of trusting it.
// Only the negotiated peer is heard: anyone can send to our port, and
// audio from a stranger must not pass for the peer's (or end the call by
// RTCP BYE).
#include <poll.h>

#include <algorithm>

#include "media_session_impl.h"
#include "media/rtp/rtcp.h"
#include "media/rtp/rtp_packet.h"

namespace sipcall::media {

namespace {
constexpr int kPollTimeoutMs = 50;  // bounds how long stop() waits for this thread

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
}
}  // namespace

void MediaSession::Impl::receive_loop() {
  std::vector<uint8_t> buffer;
  SocketAddress from;
  while (running) {
    pollfd fds[2] = {{rtp_socket.fd(), POLLIN, 0}, {rtcp_socket.fd(), POLLIN, 0}};
    if (poll(fds, 2, kPollTimeoutMs) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      const UdpSocket& socket = i == 0 ? rtp_socket : rtcp_socket;
      // Drain what is queued, but bounded so neither socket starves.
      for (int n = 0; n < 64 && socket.receive(buffer, from); ++n) on_datagram(buffer, from, i == 1);
    }
  }
}

void MediaSession::Impl::on_datagram(std::vector<uint8_t>& data, const SocketAddress& from,
                                     bool from_rtcp_socket) {
  const bool rtcp = from_rtcp_socket || looks_like_rtcp(data);
  Source source;
  {
    std::lock_guard lock(mu);
    source = source_of(from, rtcp);
    if (source == Source::stranger) {
      count_stranger();
      return;
    }
  }
  if (!unprotect(data, rtcp)) return;  // SRTP: forged, damaged or replayed
  const Latch latch{source == Source::same_host ? &from : nullptr, rtcp};
  if (rtcp)
    on_rtcp(data, latch);
  else
    on_rtp(data, latch);
}

// Under `mu`. The SDP's port is the peer; another port of the peer's host
// may become it (once, before anything was accepted, and only by a valid
// packet: see take()), because symmetric-RTP peers behind a port mapping
// send from a port other than the one they announced.
MediaSession::Impl::Source MediaSession::Impl::source_of(const SocketAddress& from, bool rtcp) const {
  const SocketAddress& expected = rtcp ? rtcp_source : rtp_source;
  // RTCP may also come from the peer's RTP port (rtcp-mux, or a peer that
  // sends everything from one socket).
  if (from.same_endpoint(expected) || (rtcp && from.same_endpoint(rtp_source))) return Source::peer;
  const bool settled = rtcp ? rtcp_source_settled : rtp_source_settled;
  return !settled && from.same_host(expected) ? Source::same_host : Source::stranger;
}

// Under `mu`: a valid packet was accepted; settle (or latch) its source.
void MediaSession::Impl::take(const Latch& latch) {
  if (latch.from) (latch.rtcp ? rtcp_source : rtp_source) = *latch.from;
  (latch.rtcp ? rtcp_source_settled : rtp_source_settled) = true;
}

void MediaSession::Impl::count_stranger() {
  counters.packets_from_strangers++;
  counters.packets_ignored++;
}

void MediaSession::Impl::expect_sources(const SocketAddress& rtp, const SocketAddress& rtcp) {
  // A new address or port (re-INVITE, final answer after early media) may
  // latch again; the same one keeps what was latched.
  if (!rtp.same_endpoint(remote_rtp) || !rtp_source.length) {
    rtp_source = rtp;
    rtp_source_settled = false;
  }
  if (!rtcp.same_endpoint(remote_rtcp) || !rtcp_source.length) {
    rtcp_source = rtcp;
    rtcp_source_settled = false;
  }
}

void MediaSession::Impl::on_rtp(const std::vector<uint8_t>& data, const Latch& latch) {
  auto parsed = parse_rtp(data);
  std::lock_guard lock(mu);
  if (!parsed.ok()) {
    if (latch.from) return count_stranger();  // garbage latches nothing
    counters.packets_invalid++;
    return;
  }
  const RtpPacket& p = *parsed;
  const bool is_audio = p.header.payload_type == params.codec.payload_type;
  const bool is_event = params.telephone_event_pt >= 0 && p.header.payload_type == params.telephone_event_pt;
  if (!is_audio && !is_event) {
    if (latch.from) return count_stranger();
    counters.packets_ignored++;
    return;
  }
  take(latch);
  if (remote_ssrc && *remote_ssrc != p.header.ssrc) {
    // The peer restarted its stream (re-INVITE, transfer): new playout.
    jitter->reset();
  }
  remote_ssrc = p.header.ssrc;
  if (!reception->on_packet(p.header.sequence, p.header.timestamp, now_us(), is_audio)) return;  // jump, unconfirmed
  counters.packets_received++;
  counters.bytes_received += p.payload.size();
  const auto now = Clock::now();
  if (!first_rtp_at) first_rtp_at = now;
  last_rtp_at = now;
  if (is_audio)
    jitter->put(p.header.timestamp, p.header.sequence, p.payload);
  else
    dtmf_receiver.on_packet(p.header.timestamp, p.payload);
}

void MediaSession::Impl::on_rtcp(const std::vector<uint8_t>& data, const Latch& latch) {
  auto parsed = parse_rtcp(data);
  const uint64_t arrival_ntp = to_ntp(std::chrono::system_clock::now());
  std::lock_guard lock(mu);
  if (!parsed.ok()) {
    if (latch.from) return count_stranger();
    counters.packets_invalid++;
    return;
  }
  take(latch);
  counters.rtcp_received++;
  const RtcpReport& r = *parsed;
  if (r.sender_info) {
    last_sr_middle = ntp_middle32(r.sender_info->ntp_timestamp);
    last_sr_arrival = Clock::now();
  }
  for (const ReportBlock& b : r.blocks) {
    if (b.ssrc != ssrc) continue;
    if (auto rtt = round_trip_ms(b, arrival_ntp)) counters.rtt_ms = *rtt;
  }
  if (r.bye && (!remote_ssrc || std::find(r.bye_ssrcs.begin(), r.bye_ssrcs.end(), *remote_ssrc) != r.bye_ssrcs.end()))
    counters.remote_bye = true;
}

}  // namespace sipcall::media
