#include "call_security.h"

namespace sipcall {

std::string CallSecurity::mode_name() const {
  switch (mode_) {
    case MediaSecurity::none: return "--media-security none";
    case MediaSecurity::sdes: return "--media-security sdes";
    default: return "--media-security auto";
  }
}

Error CallSecurity::offer(LocalMedia& local) {
  local.crypto.clear();
  offered_.reset();
  if (mode_ != MediaSecurity::sdes && !srtp_) return {};
  auto offer = media::make_sdes_offer();
  if (!offer.ok()) return offer.error();
  local.crypto = offer->lines;
  offered_ = std::move(*offer);
  return {};
}

Error CallSecurity::accept_answer(const SdpAudio& answer, media::MediaParams& params) {
  params.srtp.reset();
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

}  // namespace sipcall
