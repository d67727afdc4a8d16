// The media thread: one tick per 20 ms on an absolute-deadline clock of our
// own (devices and ALSA plugins without a real clock cannot pace a call).
// Each tick reads the source, sends audio or DTMF, plays out one frame
// from the jitter buffer and, when due, sends RTCP.
#include <algorithm>
#include <cstring>

#include "media_session_impl.h"
#include "media/rtp/rtcp.h"
#include "media/rtp/rtp_packet.h"

namespace sipcall::media {

namespace {
constexpr auto kTick = std::chrono::milliseconds(kFrameMs);
// Behind by more than this (process stopped, machine suspended): restart the
// schedule instead of bursting packets to catch up.
constexpr auto kMaxLag = std::chrono::milliseconds(200);
constexpr auto kSetUpPoll = std::chrono::milliseconds(2);  // ICE and DTLS steps while they set up
}  // namespace

void MediaSession::Impl::clock_loop() {
  auto deadline = Clock::now();
  while (running) {
    tick();
    deadline += kTick;
    const auto now = Clock::now();
    if (now - deadline > kMaxLag) deadline = now;
    // While ICE and DTLS are set up, they move on every few milliseconds
    // rather than once a tick: each of their steps waiting for the next
    // tick added up to tens of milliseconds before the first audio.
    while (webrtc && !webrtc_done && running && Clock::now() + kSetUpPoll < deadline) {
      poll_webrtc();
      if (!webrtc_done) std::this_thread::sleep_for(kSetUpPoll);
    }
    std::this_thread::sleep_until(deadline);
  }
}

void MediaSession::Impl::tick() {
  if (webrtc && !webrtc_done) poll_webrtc();
  {
    std::lock_guard lock(mu);
    if (next_codec) {  // update() chose a new format
      codec = std::move(next_codec);
      pending_pcm.clear();
      playout.clear();
    }
  }
  const PcmFrame frame = source->read();
  send_audio(frame);
  play_out();
  tick_timestamp += static_cast<uint32_t>(codec->clock_rate() / 1000 * kFrameMs);
  if (Clock::now() >= next_rtcp) {
    send_rtcp(false);
    next_rtcp = Clock::now() + std::chrono::milliseconds(options.rtcp_interval_ms);
  }
}

void MediaSession::Impl::send_audio(const PcmFrame& frame) {
  SocketAddress to;
  bool sending;
  int event_pt;
  std::vector<DtmfPacket> events;
  bool in_event = false;
  {
    std::lock_guard lock(mu);
    to = remote_rtp;
    sending = sends_to_peer(params.direction);
    event_pt = params.telephone_event_pt;
    if (event_pt >= 0 && dtmf_sender && !dtmf_sender->idle()) {
      const uint64_t rate = params.telephone_event_rate > 0 ? static_cast<uint64_t>(params.telephone_event_rate)
                                                            : static_cast<uint64_t>(codec->clock_rate());
      const auto event_ts = static_cast<uint32_t>(uint64_t{tick_timestamp} * rate /
                                                  static_cast<uint64_t>(codec->clock_rate()));
      events = dtmf_sender->tick(event_ts);
      in_event = dtmf_sender->sending_event() || !events.empty();
    }
  }
  sink->on_sent(sending ? frame : PcmFrame(kFrameSamples, 0));
  if (!sending) {
    pending_pcm.clear();
    return;
  }
  if (in_event) {  // audio pauses while a digit plays
    pending_pcm.clear();
    for (const DtmfPacket& e : events) send_rtp(static_cast<uint8_t>(event_pt), e.marker, e.timestamp, e.payload, to);
    return;
  }
  if (pending_pcm.empty()) packet_timestamp = tick_timestamp;
  pending_pcm.insert(pending_pcm.end(), frame.begin(), frame.end());
  if (pending_pcm.size() < codec->pcm_samples_per_packet()) return;
  auto payload = codec->encode(pending_pcm);
  pending_pcm.clear();
  if (payload.ok()) send_rtp(static_cast<uint8_t>(codec->payload_type()), false, packet_timestamp, *payload, to);
}

void MediaSession::Impl::send_rtp(uint8_t payload_type, bool marker, uint32_t timestamp,
                                  const std::vector<uint8_t>& payload, const SocketAddress& to) {
  RtpPacket p;
  p.header.marker = marker;
  p.header.payload_type = payload_type;
  p.header.sequence = next_sequence++;
  p.header.timestamp = timestamp;
  p.header.ssrc = ssrc;
  p.payload = payload;
  auto bytes = serialize_rtp(p);
  if (!bytes.ok()) return;
  send_packet(*bytes, true, payload.size(), rtp_socket, to);  // symmetric RTP: from the socket we receive on
}

// Counts only what the kernel accepted; a refusal is kept (the first
// one's text) for the report and the verdict.
void MediaSession::Impl::count_send(int error, size_t payload_bytes, bool rtp, const SocketAddress& to,
                                    const std::string& why) {
  std::lock_guard lock(mu);
  if (error) {
    if (rtp) counters.packets_send_failed++;
    if (counters.send_error.empty())
      counters.send_error = std::string(rtp ? "RTP" : "RTCP") + " to " + to.to_string() + ": " +
                            (why.empty() ? std::strerror(error) : why);
    return;
  }
  if (!rtp) return;
  counters.packets_sent++;
  counters.bytes_sent += payload_bytes;
  sent_since_report = true;
}

void MediaSession::Impl::play_out() {
  while (playout.size() < kFrameSamples) {
    JitterBuffer::Pull pull;
    {
      std::lock_guard lock(mu);
      pull = jitter->pull();
    }
    PcmFrame pcm;
    if (pull.status == JitterBuffer::Status::packet) {
      auto decoded = codec->decode(pull.payload);
      pcm = decoded.ok() ? std::move(decoded.value()) : codec->conceal({});
    } else if (pull.status == JitterBuffer::Status::lost) {
      pcm = codec->conceal(pull.next_payload);
    } else {
      break;  // nothing to play: silence below
    }
    playout.insert(playout.end(), pcm.begin(), pcm.end());
  }
  PcmFrame out(kFrameSamples, 0);
  const size_t n = std::min<size_t>(kFrameSamples, playout.size());
  std::copy_n(playout.begin(), n, out.begin());
  playout.erase(playout.begin(), playout.begin() + static_cast<long>(n));
  sink->write(out);
}

void MediaSession::Impl::send_rtcp(bool bye) {
  std::vector<uint8_t> out;
  SocketAddress to;
  bool mux;
  {
    std::lock_guard lock(mu);
    std::vector<ReportBlock> blocks;
    if (remote_ssrc && reception && reception->started()) {
      ReportBlock b;
      b.ssrc = *remote_ssrc;
      b.fraction_lost = reception->take_fraction_lost();
      b.cumulative_lost = static_cast<int32_t>(std::clamp<int64_t>(reception->cumulative_lost(), -0x800000, 0x7fffff));
      b.extended_highest_seq = reception->extended_max_sequence();
      b.jitter = static_cast<uint32_t>(reception->jitter_ticks());
      if (last_sr_middle) {
        b.last_sr = last_sr_middle;
        const auto held = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - last_sr_arrival);
        b.delay_since_last_sr = static_cast<uint32_t>(held.count() * 65536 / 1'000'000);
      }
      blocks.push_back(b);
    }
    if (sent_since_report) {
      SenderInfo info;
      info.ntp_timestamp = to_ntp(std::chrono::system_clock::now());
      info.rtp_timestamp = tick_timestamp;
      info.packet_count = static_cast<uint32_t>(counters.packets_sent);
      info.octet_count = static_cast<uint32_t>(counters.bytes_sent);
      append_sender_report(out, ssrc, info, blocks);
    } else {
      append_receiver_report(out, ssrc, blocks);
    }
    sent_since_report = false;
    append_sdes_cname(out, ssrc, cname);
    if (bye) append_bye(out, ssrc);
    to = params.rtcp_mux ? remote_rtp : remote_rtcp;
    mux = params.rtcp_mux;
  }
  send_packet(out, false, out.size(), mux ? rtp_socket : rtcp_socket, to);
}

}  // namespace sipcall::media
