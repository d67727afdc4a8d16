// SRTP in the media session: the session follows the keys of the latest
// MediaParams, the media thread protects what it sends, the receiver
// checks what arrives before anything reads it. A packet that fails its
// check is counted and dropped: it is never parsed, played, recorded or
// taken for the peer's audio, and it latches no source.
#include <cerrno>

#include "media_session_impl.h"
#include "media/srtp/srtp_key_pair.h"

namespace sipcall::media {

Error MediaSession::Impl::use_srtp(const std::shared_ptr<const SrtpKeyPair>& keys) {
  if (!keys) {
    srtp.reset();
    srtp_keys.reset();
    counters.security = "none";
    counters.srtp_suite.clear();
    return {};
  }
  // The same keys again (the final answer after early media, a re-INVITE
  // for hold) keep the session: a new one would forget the replay window.
  if (srtp && srtp_keys && srtp_keys->same_keys(*keys)) {
    srtp_keys = keys;
    return {};
  }
  auto session = SrtpSession::create(keys->ours, keys->theirs);
  if (!session.ok()) return session.error();
  srtp = std::make_shared<SrtpSession>(std::move(session.value()));
  srtp_keys = keys;
  counters.security = keys->method;
  counters.srtp_suite = srtp_suite_info(keys->ours.suite()).sdp_name;
  return {};
}

// Receive thread. False (and counted) for a packet that is not to be read.
bool MediaSession::Impl::unprotect(std::vector<uint8_t>& data, bool rtcp) {
  std::shared_ptr<SrtpSession> session;
  {
    std::lock_guard lock(mu);
    session = srtp;
  }
  if (!session) return true;
  const UnprotectResult r = rtcp ? session->unprotect_rtcp(data) : session->unprotect_rtp(data);
  if (r.ok()) {
    data.resize(r.length);
    return true;
  }
  std::lock_guard lock(mu);
  if (r.status == UnprotectStatus::malformed) counters.packets_invalid++;
  else counters.packets_unauthenticated++;
  return false;
}

// Media thread (and stop(), after it joined).
void MediaSession::Impl::send_packet(std::vector<uint8_t>& packet, bool rtp, size_t payload_bytes,
                                     const UdpSocket& socket, const SocketAddress& to) {
  std::shared_ptr<SrtpSession> session;
  {
    std::lock_guard lock(mu);
    session = srtp;
  }
  if (session) {
    const size_t length = packet.size();
    packet.resize(length + SrtpSession::kMaxOverhead);
    auto n = rtp ? session->protect_rtp(packet, length) : session->protect_rtcp(packet, length);
    if (!n.ok()) return count_send(EPROTO, payload_bytes, rtp, to, "SRTP: " + n.error().message());
    packet.resize(*n);
  }
  if (send_secure(packet, rtp, payload_bytes, to)) return;  // WebRTC: over the ICE pair
  count_send(socket.send_to(packet, to), payload_bytes, rtp, to);
}

}  // namespace sipcall::media
