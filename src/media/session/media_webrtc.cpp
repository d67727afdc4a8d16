// WebRTC media in the media session (UDP/TLS/RTP/SAVPF): ICE gathers before
// our SDP, the far end's transport attributes start the checks, and the
// media clock moves ICE and DTLS on each tick until the keys are agreed;
// from then on packets go over the ICE pair, protected with the SRTP keys
// DTLS exported, as SDES's would be. Nothing is sent before that, and a
// failure of either is stats().transport_error, which fails the call.
#include <cerrno>

#include "media/rtp/rtp_packet.h"
#include "media/srtp/srtp_key_pair.h"
#include "media/srtp/srtp_session.h"
#include "media/webrtc/webrtc_sdp.h"
#include "media_session_impl.h"

namespace sipcall::media {

namespace {

bool is_wildcard(const std::string& address) { return address == "0.0.0.0" || address == "::"; }

std::vector<webrtc::SdpAttribute> to_sdp(const std::vector<TransportAttribute>& in) {
  std::vector<webrtc::SdpAttribute> out;
  out.reserve(in.size());
  for (const auto& a : in) out.push_back({a.name, a.value});
  return out;
}

}  // namespace

Error MediaSession::prepare_webrtc(bool offerer) {
  Impl& s = *impl_;
  if (s.webrtc) return {};
  webrtc::WebRtcOptions o;
  o.offerer = offerer;
  // libnice leaves loopback out when it enumerates interfaces itself.
  if (!is_wildcard(s.options.local_address)) o.local_addresses = {s.options.local_address};
  o.port_min = s.options.rtp_port_min;
  o.port_max = s.options.rtp_port_max;
  auto t = webrtc::WebRtcTransport::start(o);
  if (!t.ok()) return t.error();
  s.webrtc = std::move(t.value());
  Impl* raw = &s;
  s.webrtc->set_receiver([raw](std::span<const uint8_t> d) { raw->on_secure_datagram(d); });
  return {};
}

std::vector<TransportAttribute> MediaSession::webrtc_attributes() const {
  std::vector<TransportAttribute> out;
  if (!impl_->webrtc) return out;
  for (auto& a : webrtc::local_attributes(impl_->webrtc->local())) out.push_back({a.name, a.value});
  return out;
}

uint16_t MediaSession::webrtc_port() const {
  if (!impl_->webrtc || impl_->webrtc->local().candidates.empty()) return 0;
  return impl_->webrtc->local().candidates.front().port;
}

void MediaSession::drop_webrtc() {
  Impl& s = *impl_;
  if (s.started || !s.webrtc) return;
  s.webrtc->stop();
  s.webrtc.reset();
  s.webrtc_remote_set = false;
}

Error MediaSession::set_webrtc_remote(const WebRtcRemote& remote) {
  Impl& s = *impl_;
  if (!s.webrtc) return Error::internal("media: WebRTC media without prepare_webrtc()");
  if (s.webrtc_remote_set) return {};  // an ICE restart is not done: the first description stays
  auto transport = webrtc::remote_transport(to_sdp(remote.session), to_sdp(remote.media));
  if (!transport.ok()) return transport.error();
  if (Error e = s.webrtc->set_remote(transport->description); !e.ok()) return e;
  s.webrtc_remote_set = true;
  // The profile both SDPs agreed, whether or not DTLS then gets keys (a
  // failed handshake leaves srtp_suite empty and says why).
  std::lock_guard lock(s.mu);
  s.counters.security = "dtls-srtp";
  return {};
}

// Media clock thread, each tick until ICE and DTLS are done.
void MediaSession::Impl::poll_webrtc() {
  auto p = webrtc->poll_connect(std::chrono::milliseconds(options.secure_connect_timeout_ms));
  if (!p.done()) return;
  webrtc_done = true;
  std::lock_guard lock(mu);
  if (p.failed) {
    counters.transport_error = p.failed->message();
    return;
  }
  webrtc::Connection& c = *p.connected;
  auto keys = std::make_shared<SrtpKeyPair>();
  keys->ours = std::move(c.ours);
  keys->theirs = std::move(c.theirs);
  keys->method = "dtls-srtp";
  if (Error e = use_srtp(keys); !e.ok()) {
    counters.transport_error = e.message();
    return;
  }
  counters.ice_local = c.pair.local.to_string();
  counters.ice_remote = c.pair.remote.to_string();
  counters.ice_ms = c.ice_ms;
  counters.dtls_ms = c.dtls_ms;
  webrtc_ready = true;
}

// ICE thread: a media datagram from the far end over the pair. ICE and
// SRTP say who it is from; there is no address to check it against.
void MediaSession::Impl::on_secure_datagram(std::span<const uint8_t> d) {
  if (!running) return;
  std::vector<uint8_t>& data = secure_buffer;  // the ICE thread's alone: no allocation per packet
  data.assign(d.begin(), d.end());
  const bool rtcp = looks_like_rtcp(data);
  if (!unprotect(data, rtcp)) return;
  const Latch latch{nullptr, rtcp};
  if (rtcp)
    on_rtcp(data, latch);
  else
    on_rtp(data, latch);
}

// Media thread (and stop()). False: the packet is not for the sockets.
bool MediaSession::Impl::send_secure(std::vector<uint8_t>& packet, bool rtp, size_t payload_bytes,
                                     const SocketAddress& to) {
  if (!webrtc) return false;
  if (!webrtc_ready) return true;  // no keys yet: nothing may leave
  Error e = webrtc->send(packet);
  count_send(e.ok() ? 0 : EIO, payload_bytes, rtp, to, e.ok() ? std::string() : e.message());
  return true;
}

}  // namespace sipcall::media
