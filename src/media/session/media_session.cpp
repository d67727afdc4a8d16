// MediaSession lifecycle: sockets, start/update/stop and the stats
// snapshot. The two threads live in media_clock.cpp and media_receiver.cpp.
#include <random>

#include "media_session_impl.h"
#include "media/rtp/mos.h"

namespace sipcall::media {

bool sends_to_peer(Direction d) { return d == Direction::sendrecv || d == Direction::recvonly; }

namespace {
uint32_t random_u32() {
  static std::mutex mu;
  static std::mt19937 gen{std::random_device{}()};
  std::lock_guard lock(mu);
  return static_cast<uint32_t>(gen());
}

struct Remote {
  SocketAddress rtp, rtcp;
};

Result<Remote> resolve_remote(const MediaParams& p) {
  if (p.remote_rtp_port == 0) return Error::unreachable("media: remote RTP port is 0");
  auto rtp = SocketAddress::parse(p.remote_address, p.remote_rtp_port);
  if (!rtp.ok()) return rtp.error();
  const uint16_t rtcp_port =
      p.rtcp_mux ? p.remote_rtp_port : (p.remote_rtcp_port ? p.remote_rtcp_port : uint16_t(p.remote_rtp_port + 1));
  auto rtcp = SocketAddress::parse(p.remote_address, rtcp_port);
  if (!rtcp.ok()) return rtcp.error();
  return Remote{*rtp, *rtcp};
}

bool same_codec(const MediaParams& a, const MediaParams& b) {
  return a.codec.name == b.codec.name && a.codec.payload_type == b.codec.payload_type &&
         a.codec.clock_rate == b.codec.clock_rate && a.ptime_ms == b.ptime_ms;
}

uint32_t event_rate(const MediaParams& p, const Codec& c) {
  return static_cast<uint32_t>(p.telephone_event_rate > 0 ? p.telephone_event_rate : c.clock_rate());
}
}  // namespace

MediaSession::MediaSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MediaSession::~MediaSession() { stop(); }

Result<std::unique_ptr<MediaSession>> MediaSession::open(const MediaOptions& options) {
  if (options.rtp_port_min < 1 || options.rtp_port_max <= options.rtp_port_min)
    return Error::no_local_address("media: invalid RTP port range " + std::to_string(options.rtp_port_min) + "-" +
                          std::to_string(options.rtp_port_max));
  auto probe = SocketAddress::parse(options.local_address, 0);
  if (!probe.ok()) return probe.error();

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->ssrc = random_u32();
  impl->cname = options.cname.empty() ? "sip-call@" + options.local_address : options.cname;

  // Even RTP ports from a random starting point, so parallel sessions and
  // processes rarely collide; RTCP takes the odd port above.
  const uint32_t first = options.rtp_port_min + (options.rtp_port_min & 1u);
  const uint32_t pairs = options.rtp_port_max >= first ? (options.rtp_port_max - first + 1) / 2 : 0;  // RTCP <= max
  if (pairs == 0) return Error::no_local_address("media: RTP port range too small");
  const uint32_t offset = random_u32() % pairs;
  std::string last_error;
  for (uint32_t i = 0; i < pairs; ++i) {
    const auto port = static_cast<uint16_t>(first + 2 * ((offset + i) % pairs));
    auto rtp = UdpSocket::bind(*SocketAddress::parse(options.local_address, port));
    if (!rtp.ok()) {
      last_error = rtp.error().message();
      continue;
    }
    auto rtcp = UdpSocket::bind(*SocketAddress::parse(options.local_address, static_cast<uint16_t>(port + 1)));
    if (!rtcp.ok()) {
      last_error = rtcp.error().message();
      continue;
    }
    impl->rtp_socket = std::move(rtp.value());
    impl->rtcp_socket = std::move(rtcp.value());
    return std::unique_ptr<MediaSession>(new MediaSession(std::move(impl)));
  }
  return Error::no_local_address("media: no free RTP/RTCP port pair in " + std::to_string(options.rtp_port_min) + "-" +
                        std::to_string(options.rtp_port_max) + " (last: " + last_error + ")");
}

Error MediaSession::check_reachable(const std::string& remote_address) const {
  auto to = SocketAddress::parse(remote_address, 9);
  if (!to.ok()) return to.error();
  if (impl_->rtp_socket.reaches(*to)) return {};
  const auto family = [](bool v4) { return v4 ? "IPv4" : "IPv6"; };
  const bool peer_v4 = to->family() == AF_INET;
  return Error::no_media("the far end's media address " + remote_address + " (" + family(peer_v4) +
                      ") cannot be reached from our media address " + impl_->options.local_address + " (" +
                      family(!peer_v4) + "); choose one with --media-address");
}

uint16_t MediaSession::local_rtp_port() const { return impl_->rtp_socket.local_port(); }
uint16_t MediaSession::local_rtcp_port() const { return impl_->rtcp_socket.local_port(); }

Error MediaSession::start(const MediaParams& params, std::unique_ptr<AudioSource> source,
                          std::unique_ptr<AudioSink> sink) {
  Impl& s = *impl_;
  if (s.started || s.stopped) return Error::no_media("media session already started or stopped");
  if (!source || !sink) return Error::internal("media session needs an audio source and sink");
  auto codec = make_codec(params.codec, params.ptime_ms);
  if (!codec.ok()) return codec.error();
  // WebRTC media goes over the ICE pair: c= and m= are only defaults.
  Remote plain;
  if (params.webrtc) {
    if (Error e = set_webrtc_remote(*params.webrtc)) return e;
  } else {
    auto remote = resolve_remote(params);
    if (!remote.ok()) return remote.error();
    if (Error e = check_reachable(params.remote_address)) return e;
    plain = remote.value();
  }

  s.codec = std::move(codec.value());
  s.source = std::move(source);
  s.sink = std::move(sink);
  s.next_sequence = static_cast<uint16_t>(random_u32());
  // SRTP: below 2^15, as libwebrtc does, so that our first wrap (where a
  // receiver that missed our first packets guesses the rollover counter
  // wrong; see srtp_session.h) is more than 32767 packets away.
  if (params.srtp) s.next_sequence &= 0x7fff;
  s.tick_timestamp = random_u32();
  {
    std::lock_guard lock(s.mu);
    s.params = params;
    s.expect_sources(plain.rtp, plain.rtcp);
    s.remote_rtp = plain.rtp;
    s.remote_rtcp = plain.rtcp;
    s.jitter = std::make_unique<JitterBuffer>(s.codec->samples_per_frame());
    s.reception.emplace(static_cast<uint32_t>(s.codec->clock_rate()));
    s.dtmf_sender.emplace(event_rate(params, *s.codec));
    s.counters.codec = s.codec->name();
    if (!params.webrtc)
      if (Error e = s.use_srtp(params.srtp)) return e;
  }
  s.started = true;
  s.started_at = Clock::now();
  s.next_rtcp = s.started_at + std::chrono::milliseconds(std::max(100, s.options.rtcp_interval_ms / 2));
  s.running = true;
  s.receive_thread = std::thread([&s] { s.receive_loop(); });
  s.clock_thread = std::thread([&s] { s.clock_loop(); });
  return {};
}

Error MediaSession::update(const MediaParams& params) {
  Impl& s = *impl_;
  if (!s.started || s.stopped) return Error::no_media("media session is not running");
  if (bool(params.webrtc) != bool(s.webrtc))
    return Error::unusable_sdp("the far end's new description switches between WebRTC media and plain RTP");
  Remote plain;
  if (!params.webrtc) {
    auto remote = resolve_remote(params);
    if (!remote.ok()) return remote.error();
    if (Error e = check_reachable(params.remote_address)) return e;
    plain = remote.value();
  }
  std::unique_ptr<Codec> codec;
  {
    std::lock_guard lock(s.mu);
    if (!same_codec(params, s.params)) {
      auto made = make_codec(params.codec, params.ptime_ms);
      if (!made.ok()) return made.error();
      codec = std::move(made.value());
    }
  }
  std::lock_guard lock(s.mu);
  if (!params.webrtc)  // WebRTC keeps the keys DTLS agreed
    if (Error e = s.use_srtp(params.srtp)) return e;
  if (codec) {
    // New format: new playout buffer; reception stats restart when the
    // clock changes, keeping the counts so far.
    s.jitter = std::make_unique<JitterBuffer>(codec->samples_per_frame());
    if (static_cast<uint32_t>(codec->clock_rate()) != s.reception->clock_rate()) {
      s.archived_received += s.reception->received();
      s.archived_lost += static_cast<uint64_t>(std::max<int64_t>(0, s.reception->cumulative_lost()));
      s.reception.emplace(static_cast<uint32_t>(codec->clock_rate()));
    }
    s.dtmf_sender.emplace(event_rate(params, *codec));
    s.counters.codec = codec->name();
    s.next_codec = std::move(codec);
  }
  s.params = params;
  if (!params.webrtc) {
    s.expect_sources(plain.rtp, plain.rtcp);
    s.remote_rtp = plain.rtp;
    s.remote_rtcp = plain.rtcp;
  }
  return {};
}

void MediaSession::send_dtmf(const std::string& digits) {
  std::lock_guard lock(impl_->mu);
  if (impl_->dtmf_sender && impl_->params.telephone_event_pt >= 0) impl_->dtmf_sender->enqueue(digits);
}

std::vector<char> MediaSession::dtmf_received() const {
  std::lock_guard lock(impl_->mu);
  return impl_->dtmf_receiver.digits();
}

void MediaSession::stop() {
  Impl& s = *impl_;
  if (s.stopped) return;
  s.stopped = true;
  if (!s.started) return;
  s.running = false;
  if (s.clock_thread.joinable()) s.clock_thread.join();
  if (s.receive_thread.joinable()) s.receive_thread.join();
  s.send_rtcp(true);
  if (s.webrtc) s.webrtc->stop();  // close_notify; joins the ICE thread, the last to call in
  if (s.sink) s.sink->close();
}

MediaStats MediaSession::stats() const {
  const Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  MediaStats out = s.counters;
  const auto now = Clock::now();
  auto ms = [](Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  if (s.reception && s.reception->started()) {
    const uint64_t lost = s.archived_lost + static_cast<uint64_t>(std::max<int64_t>(0, s.reception->cumulative_lost()));
    const uint64_t expected = s.archived_received + s.archived_lost + s.reception->expected();
    out.packets_lost = lost;
    out.loss_fraction = expected ? static_cast<double>(lost) / static_cast<double>(expected) : 0.0;
    out.jitter_ms = s.reception->jitter_ms();
  }
  if (s.first_rtp_at) {
    out.first_rtp_ms = ms(*s.first_rtp_at - s.started_at);
    out.last_rtp_age_ms = ms(now - *s.last_rtp_at);
    // Mouth-to-ear: network (half the RTT, 0 if unknown) + packetisation +
    // jitter buffer (about twice the jitter plus a packet) + codec/device.
    const double network = out.rtt_ms >= 0 ? out.rtt_ms / 2 : 0;
    const double delay = network + 2.0 * s.params.ptime_ms + 2.0 * out.jitter_ms + 10.0;
    out.mos = estimate_mos(out.codec, delay, out.loss_fraction);
  }
  out.dtmf_received.assign(s.dtmf_receiver.digits().begin(), s.dtmf_receiver.digits().end());
  return out;
}

}  // namespace sipcall::media
