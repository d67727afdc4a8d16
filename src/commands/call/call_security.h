// A call's --media-security applied to its SDP: the profile and a=crypto
// lines of our offers and answers, which of the peer's we take, and the
// SRTP keys that result (MediaParams::srtp), or WebRTC media, whose keys
// DTLS agrees in the media session (MediaParams::webrtc). Once a call runs SRTP it
// stays so: a plain re-offer would be a downgrade anyone on the path could
// ask for. Internal to src/commands; signalling thread only.
#pragma once

#include <optional>

#include "sipcall/config/options.h"
#include "sipcall/error.h"
#include "sipcall/media/session/media_session.h"
#include "sipcall/media/srtp/sdes_keying.h"
#include "sipcall/sip/sdp.h"

namespace sipcall {

class CallSecurity {
 public:
  // `websocket`: the signalling runs over ws or wss, where auto offers
  // WebRTC media first (browsers and WebRTC gateways take nothing else).
  explicit CallSecurity(MediaSecurity mode, bool websocket = false) : mode_(mode), prefer_webrtc_(websocket) {}

  // Our offer (dial; an INVITE or re-INVITE without one): RTP/SAVP with a
  // fresh a=crypto line per suite for sdes or a call that runs SRTP, plain
  // RTP/AVP otherwise. Fills local.crypto.
  Error offer(LocalMedia& local);
  // The peer's answer to our latest offer: sets params.srtp, or says why
  // the answer does not do (its profile is not the offer's, its a=crypto
  // does not fit). Error::unusable_sdp.
  Error accept_answer(const SdpAudio& answer, media::MediaParams& params);
  // The peer's offer: whether we take its profile; fills our answer's
  // local.crypto and params.srtp. Error::unusable_sdp is refused with 488
  // (the message is the Warning's text).
  Error answer_offer(const SdpAudio& offer, LocalMedia& local, media::MediaParams& params);

  // WebRTC media, once the media session is open: gathers ICE candidates
  // and fills our SDP's transport lines (local.transport, its port) for
  // the offer that offer() decided on, or for the answer to a WebRTC
  // offer (params.webrtc: the offer's transport, read first, so that our
  // a=setup answers its own). Nothing to do otherwise.
  Error prepare_transport(LocalMedia& local, media::MediaSession& media, const media::MediaParams* offer);

  // Under auto, once per call: our first offer, WebRTC media, was refused
  // with 488, so the next offer() is plain RTP. False when there is
  // nothing else to offer.
  bool switch_offer_profile();
  bool offers_webrtc() const { return offered_webrtc_; }

  // The mode's name in messages: "--media-security sdes".
  std::string mode_name() const;

 private:
  MediaSecurity mode_;
  bool webrtc_ = false;          // the call runs WebRTC media (from our offer or the first offer on)
  bool offered_webrtc_ = false;  // our latest offer is WebRTC media
  bool prefer_webrtc_ = false;   // auto: the first offer is WebRTC media
  bool first_offer_ = true;      // the next offer() opens the call (or replaces a refused one)
  bool switched_ = false;        // switch_offer_profile() was used
  bool srtp_ = false;                         // the call runs SRTP (from the first agreed keys on)
  std::optional<media::SdesOffer> offered_;   // our latest SDES offer
  std::optional<media::SdesReply> answered_;  // our latest SDES answer
};

}  // namespace sipcall
