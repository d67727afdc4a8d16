// The offer/answer rules of sdp.h, free of any SIP library.
#include <algorithm>
#include <cctype>
#include <sstream>

#include "sipcall/sip/sdp.h"

namespace sipcall {

namespace {

struct KnownCodec {
  const char* name;      // our name (--codecs, CodecSpec::name)
  const char* encoding;  // SDP encoding name
  int clock_rate;        // [Hz]
  int channels;          // as SDP writes it (opus: always 2, RFC 7587)
  int payload_type;      // what we offer; the peer's answer may differ
  const char* fmtp;
};

// Dynamic payload types we offer: opus 111, telephone-event 101 (8 kHz) and
// 110 (48 kHz) are what most SIP phones use, which eases reading traces.
constexpr KnownCodec kCodecs[] = {
    {"opus", "opus", 48000, 2, 111, "minptime=10;useinbandfec=1"},
    {"pcmu", "PCMU", 8000, 1, 0, ""},
    {"pcma", "PCMA", 8000, 1, 8, ""},
};
constexpr int kTelephoneEvent8k = 101;
constexpr int kTelephoneEvent48k = 110;

bool iequals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

const KnownCodec* known_by_name(const std::string& name) {
  for (const auto& c : kCodecs)
    if (iequals(c.name, name)) return &c;
  return nullptr;
}

const KnownCodec* known_by_format(const SdpFormat& f) {
  for (const auto& c : kCodecs)
    if (iequals(c.encoding, f.encoding) && c.clock_rate == f.clock_rate) return &c;
  return nullptr;
}

bool is_telephone_event(const SdpFormat& f) { return iequals(f.encoding, "telephone-event"); }

// The peer's telephone-event for the codec's clock, else any it has.
const SdpFormat* pick_telephone_event(const std::vector<SdpFormat>& formats, int clock_rate) {
  const SdpFormat* any = nullptr;
  for (const auto& f : formats) {
    if (!is_telephone_event(f)) continue;
    if (f.clock_rate == clock_rate) return &f;
    if (!any) any = &f;
  }
  return any;
}

int usable_ptime(int ptime_ms, const std::string& codec) {
  bool opus = codec == "opus";
  bool ok = ptime_ms >= 10 && ptime_ms <= 60 && ptime_ms % 10 == 0 && (!opus || (ptime_ms != 30 && ptime_ms != 50));
  return ok ? ptime_ms : 20;
}

media::MediaParams params_for(const SdpAudio& peer, const KnownCodec& codec, const SdpFormat& chosen) {
  media::MediaParams p;
  p.remote_address = peer.address;
  p.remote_rtp_port = peer.port;
  p.remote_rtcp_port = peer.rtcp_port;
  p.codec.name = codec.name;
  p.codec.payload_type = chosen.payload_type;
  p.codec.clock_rate = chosen.clock_rate;
  p.codec.channels = chosen.channels;
  p.ptime_ms = usable_ptime(peer.ptime_ms, codec.name);
  p.direction = peer.direction;
  if (const SdpFormat* te = pick_telephone_event(peer.formats, chosen.clock_rate)) {
    p.telephone_event_pt = te->payload_type;
    p.telephone_event_rate = te->clock_rate;
  }
  if (peer.webrtc) {
    // c= and m= are only the default candidate (Chrome: 0.0.0.0 and 9):
    // ICE finds the path, over one port (RFC 8843/8858 rtcp-mux).
    p.webrtc = media::WebRtcRemote{peer.session_transport, peer.media_transport};
    p.rtcp_mux = true;
    return p;
  }
  // Old-style hold (RFC 2543): nothing to send to.
  if (peer.address == "0.0.0.0" || peer.address == "::") p.direction = media::Direction::inactive;
  return p;
}

const char* direction_attribute(media::Direction d) {
  switch (d) {
    case media::Direction::sendonly: return "sendonly";
    case media::Direction::recvonly: return "recvonly";
    case media::Direction::inactive: return "inactive";
    default: return "sendrecv";
  }
}

}  // namespace

Result<std::vector<std::string>> parse_codec_list(const std::string& comma_separated) {
  std::vector<std::string> codecs;
  std::stringstream in(comma_separated);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(std::remove_if(item.begin(), item.end(), [](unsigned char c) { return std::isspace(c); }), item.end());
    if (item.empty()) continue;
    const KnownCodec* c = known_by_name(item);
    if (!c) return Error::bad_input("unknown codec '" + item + "' (known: opus, pcmu, pcma)");
    if (std::find(codecs.begin(), codecs.end(), c->name) == codecs.end()) codecs.emplace_back(c->name);
  }
  if (codecs.empty()) return Error::bad_input("--codecs needs at least one of opus, pcmu, pcma");
  return codecs;
}

std::vector<SdpFormat> offer_formats(const std::vector<std::string>& codecs) {
  std::vector<SdpFormat> formats;
  bool narrowband = false, wideband = false;
  for (const auto& name : codecs) {
    const KnownCodec* c = known_by_name(name);
    if (!c) continue;
    formats.push_back({c->payload_type, c->encoding, c->clock_rate, c->channels, c->fmtp});
    (c->clock_rate == 8000 ? narrowband : wideband) = true;
  }
  if (wideband) formats.push_back({kTelephoneEvent48k, "telephone-event", 48000, 1, "0-16"});
  if (narrowband) formats.push_back({kTelephoneEvent8k, "telephone-event", 8000, 1, "0-16"});
  return formats;
}

std::string build_sdp(const LocalMedia& local, const std::vector<SdpFormat>& formats) {
  const char* family = local.address.find(':') != std::string::npos ? "IP6" : "IP4";
  std::ostringstream s;
  s << "v=0\r\n"
    << "o=sip-call " << local.session_id << ' ' << local.version << " IN " << family << ' ' << local.address << "\r\n"
    << "s=sip-call\r\n"
    << "c=IN " << family << ' ' << local.address << "\r\n"
    << "t=0 0\r\n";
  const bool webrtc = !local.transport.empty();
  if (webrtc && local.bundle && !local.mid.empty()) s << "a=group:BUNDLE " << local.mid << "\r\n";
  for (const auto& line : local.rejected_before) s << line << "\r\n";
  s << "m=audio " << local.rtp_port
    << (webrtc ? " UDP/TLS/RTP/SAVPF" : local.crypto.empty() ? " RTP/AVP" : " RTP/SAVP");
  for (const auto& f : formats) s << ' ' << f.payload_type;
  s << "\r\n";
  for (const auto& f : formats) {
    s << "a=rtpmap:" << f.payload_type << ' ' << f.encoding << '/' << f.clock_rate;
    if (f.channels > 1) s << '/' << f.channels;
    s << "\r\n";
    if (!f.fmtp.empty()) s << "a=fmtp:" << f.payload_type << ' ' << f.fmtp << "\r\n";
  }
  s << "a=ptime:" << local.ptime_ms << "\r\n";
  if (webrtc && !local.mid.empty()) s << "a=mid:" << local.mid << "\r\n";
  if (webrtc || local.rtcp_mux) s << "a=rtcp-mux\r\n";
  else s << "a=rtcp:" << local.rtcp_port << "\r\n";
  s << "a=" << direction_attribute(local.direction) << "\r\n";
  for (const auto& line : local.crypto) s << "a=crypto:" << line << "\r\n";
  for (const auto& a : local.transport) s << "a=" << a.name << (a.value.empty() ? "" : ":") << a.value << "\r\n";
  for (const auto& line : local.rejected_after) s << line << "\r\n";
  return s.str();
}

Result<media::MediaParams> accept_answer(const SdpAudio& answer, const std::vector<SdpFormat>& offered) {
  if (answer.port == 0) return Error::unusable_sdp("the answer rejected the audio stream (port 0)");
  for (const auto& f : answer.formats) {
    const KnownCodec* c = known_by_format(f);
    if (!c) continue;
    bool was_offered = std::any_of(offered.begin(), offered.end(), [&](const SdpFormat& o) { return known_by_format(o) == c; });
    if (!was_offered) continue;
    media::MediaParams p = params_for(answer, *c, f);
    // RFC 5761: an answer may only multiplex if the offer did; ours does
    // only for WebRTC media.
    if (!answer.webrtc) p.rtcp_mux = false;
    return p;
  }
  return Error::unusable_sdp("the answer has none of the offered codecs");
}

Result<media::MediaParams> answer_offer(const SdpAudio& offer, const std::vector<std::string>& codecs,
                                        std::vector<SdpFormat>& formats) {
  formats.clear();
  if (offer.port == 0) return Error::unusable_sdp("the offer has no active audio stream");
  for (const auto& name : codecs) {
    const KnownCodec* c = known_by_name(name);
    if (!c) continue;
    auto it = std::find_if(offer.formats.begin(), offer.formats.end(),
                           [&](const SdpFormat& f) { return known_by_format(f) == c; });
    if (it == offer.formats.end()) continue;
    media::MediaParams p = params_for(offer, *c, *it);
    p.rtcp_mux = offer.rtcp_mux;
    formats.push_back(*it);
    if (const SdpFormat* te = pick_telephone_event(offer.formats, it->clock_rate)) formats.push_back(*te);
    return p;
  }
  return Error::unusable_sdp("no codec in common with the offer");
}

media::Direction answer_direction(media::Direction offered) {
  switch (offered) {
    case media::Direction::sendonly: return media::Direction::recvonly;
    case media::Direction::recvonly: return media::Direction::sendonly;
    case media::Direction::inactive: return media::Direction::inactive;
    default: return media::Direction::sendrecv;
  }
}

}  // namespace sipcall
