#include "call_security.h"

namespace sipcall {

std::string CallSecurity::mode_name() const {
  switch (mode_) {
    case MediaSecurity::none: return "--media-security none";
    case MediaSecurity::sdes: return "--media-security sdes";
    case MediaSecurity::dtls: return "--media-security dtls";
    default: return "--media-security auto";
  }
}

Error CallSecurity::offer(LocalMedia& local) {
  local.crypto.clear();
  offered_.reset();
  const bool auto_webrtc = mode_ == MediaSecurity::automatic && first_offer_ && prefer_webrtc_ && !srtp_;
  first_offer_ = false;
  offered_webrtc_ = mode_ == MediaSecurity::dtls || webrtc_ || auto_webrtc;
  if (offered_webrtc_) {
    if (local.mid.empty()) local.mid = "0";
    return {};  // the transport lines: prepare_transport(), or those of the call in force
  }
  if (mode_ != MediaSecurity::sdes && !srtp_) return {};
  auto offer = media::make_sdes_offer();
  if (!offer.ok()) return offer.error();
  local.crypto = offer->lines;
  offered_ = std::move(*offer);
  return {};
}

Error CallSecurity::accept_answer(const SdpAudio& answer, media::MediaParams& params) {
  params.srtp.reset();
  if (offered_webrtc_) {
    if (!answer.webrtc)
      return Error::unusable_sdp(mode_name() + ": the far end answered " + (answer.srtp ? "RTP/SAVP" : "RTP/AVP") +
                                 ", not WebRTC media (UDP/TLS/RTP/SAVPF)");
    webrtc_ = true;
    return {};
  }
  if (answer.webrtc) return Error::unusable_sdp("the answer is WebRTC media (UDP/TLS/RTP/SAVPF), which we did not offer");
  if (!offered_) {
    if (answer.srtp) return Error::unusable_sdp("the answer is RTP/SAVP (SRTP), but we offered plain RTP/AVP");
    return {};
  }
  if (!answer.srtp)
    return Error::unusable_sdp(mode_name() + ": the far end answered plain RTP/AVP, not SRTP (RTP/SAVP)");
  auto keys = media::accept_sdes_answer(*offered_, answer.crypto);
  if (!keys.ok()) return keys.error();
  params.srtp = std::move(*keys);
  srtp_ = true;
  return {};
}

Error CallSecurity::answer_offer(const SdpAudio& offer, LocalMedia& local, media::MediaParams& params) {
  params.srtp.reset();
  if (offer.webrtc) {
    if (mode_ == MediaSecurity::none || mode_ == MediaSecurity::sdes)
      return Error::unusable_sdp(mode_name() + ": the offer is WebRTC media (UDP/TLS/RTP/SAVPF)");
    if (srtp_ && !webrtc_) return Error::unusable_sdp("the call runs SDES-SRTP; a re-offer of WebRTC media is refused");
    local.crypto.clear();
    local.mid = offer.mid;
    local.bundle = offer.bundle;
    webrtc_ = true;
    return {};  // the transport lines: prepare_transport(), or those of the call in force
  }
  if (webrtc_) return Error::unusable_sdp("the call runs WebRTC media; a re-offer without it is refused");
  if (mode_ == MediaSecurity::dtls)
    return Error::unusable_sdp(mode_name() + ": the offer is " + (offer.srtp ? "RTP/SAVP" : "RTP/AVP") +
                               ", not WebRTC media (UDP/TLS/RTP/SAVPF)");
  if (!offer.srtp) {
    if (mode_ == MediaSecurity::sdes)
      return Error::unusable_sdp(mode_name() + ": the offer is plain RTP/AVP, not SRTP (RTP/SAVP)");
    if (srtp_) return Error::unusable_sdp("the call runs SRTP; a re-offer of plain RTP/AVP is refused");
    local.crypto.clear();
    return {};
  }
  if (mode_ == MediaSecurity::none)
    return Error::unusable_sdp(mode_name() + ": the offer is RTP/SAVP (SRTP), plain RTP only");
  auto reply = media::answer_sdes_offer(offer.crypto, answered_ ? &*answered_ : nullptr);
  if (!reply.ok()) return reply.error();
  local.crypto = {reply->line};
  params.srtp = reply->keys;
  answered_ = std::move(*reply);
  srtp_ = true;
  return {};
}

// Only from WebRTC media to plain RTP: a 488 to a plain offer is far more
// often a codec the far end lacks than a far end that wants WebRTC media,
// and a second INVITE would bury that answer (--media-security dtls calls
// a WebRTC endpoint over udp, tcp or tls).
bool CallSecurity::switch_offer_profile() {
  if (mode_ != MediaSecurity::automatic || switched_ || webrtc_ || srtp_ || !offered_webrtc_) return false;
  switched_ = true;
  prefer_webrtc_ = false;
  first_offer_ = true;
  return true;
}

Error CallSecurity::prepare_transport(LocalMedia& local, media::MediaSession& media,
                                     const media::MediaParams* offer) {
  const bool answering = offer && offer->webrtc;
  if (!answering && !offered_webrtc_) return {};
  if (!local.transport.empty()) return {};  // the call's transport is set up already
  if (Error e = media.prepare_webrtc(!answering)) return e;
  if (answering)
    if (Error e = media.set_webrtc_remote(*offer->webrtc)) return e;
  local.transport = media.webrtc_attributes();
  local.rtp_port = media.webrtc_port();
  local.rtcp_port = local.rtp_port;
  return {};
}

}  // namespace sipcall
