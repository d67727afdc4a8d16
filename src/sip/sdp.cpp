// parse_sdp(): Sofia-SIP's SDP parser turned into plain SdpAudio.
#include <sofia-sip/sdp.h>
#include <sofia-sip/su_alloc.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <string>

#include "sipcall/sip/sdp.h"

namespace sipcall {

namespace {

constexpr size_t kMaxCryptoLines = 16;
// ICE and DTLS attributes kept per level: 25 candidates (what the media
// session uses), credentials, options, fingerprints, setup, and room.
constexpr size_t kMaxTransportAttributes = 48;

bool is_webrtc_profile(const char* proto) {
  return proto && (strcasecmp(proto, "UDP/TLS/RTP/SAVPF") == 0 || strcasecmp(proto, "UDP/TLS/RTP/SAVP") == 0);
}

// The attributes the media session's WebRTC transport reads (webrtc_sdp.h).
bool is_transport_attribute(const char* name) {
  static const char* const names[] = {"ice-ufrag", "ice-pwd", "ice-options", "ice-lite", "candidate",
                                      "end-of-candidates", "fingerprint", "setup"};
  for (const char* n : names)
    if (strcasecmp(name, n) == 0) return true;
  return false;
}

std::vector<media::TransportAttribute> transport_attributes(const sdp_attribute_t* a) {
  std::vector<media::TransportAttribute> out;
  for (; a && out.size() < kMaxTransportAttributes; a = a->a_next) {
    if (!a->a_name || !is_transport_attribute(a->a_name)) continue;
    std::string name = a->a_name;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.push_back({std::move(name), a->a_value ? a->a_value : ""});
  }
  return out;
}

// a=group:BUNDLE <mid> ...: whether `mid` is among them.
bool bundles(const sdp_attribute_t* session_attributes, const std::string& mid) {
  if (mid.empty()) return false;
  for (const sdp_attribute_t* a = session_attributes; a; a = a->a_next) {
    if (!a->a_name || strcasecmp(a->a_name, "group") != 0 || !a->a_value) continue;
    std::string_view v = a->a_value;
    if (v.size() < 6 || strncasecmp(v.data(), "BUNDLE", 6) != 0) continue;
    v.remove_prefix(6);
    while (!v.empty()) {
      v.remove_prefix(std::min(v.size(), v.find_first_not_of(' ')));
      const auto end = v.find(' ');
      if (v.substr(0, end) == mid) return true;
      v = end == std::string_view::npos ? std::string_view() : v.substr(end);
    }
  }
  return false;
}

struct HomeDeleter {
  void operator()(su_home_t* h) const { su_home_unref(h); }
};

media::Direction to_direction(unsigned mode) {
  switch (mode) {
    case sdp_inactive: return media::Direction::inactive;
    case sdp_sendonly: return media::Direction::sendonly;
    case sdp_recvonly: return media::Direction::recvonly;
    default: return media::Direction::sendrecv;
  }
}

const sdp_attribute_t* find_attribute(const sdp_attribute_t* a, const char* name) {
  for (; a; a = a->a_next)
    if (a->a_name && strcasecmp(a->a_name, name) == 0) return a;
  return nullptr;
}

int to_port(const char* text) {
  if (!text) return -1;
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (end == text || v < 0 || v > 65535) return -1;
  return static_cast<int>(v);
}

bool is_token_char(unsigned char c) {
  // (strchr finds the terminating NUL too: c == 0 is not a token char.)
  return std::isalnum(c) || (c != 0 && std::strchr("-.!%*_+`'~", c) != nullptr);
}

// One word of an m= line: 0 media (token), 1 port (digits ["/" digits]),
// 2 proto (token *("/" token)), then formats (token).
bool field_is_well_formed(std::string_view word, int field) {
  auto all = [&](std::string_view part, auto&& ok) {
    return !part.empty() && std::all_of(part.begin(), part.end(), [&](char c) { return ok(static_cast<unsigned char>(c)); });
  };
  auto slash_separated = [&](auto&& ok) {
    size_t start = 0;
    for (;;) {
      size_t slash = word.find('/', start);
      if (!all(word.substr(start, slash - start), ok)) return false;
      if (slash == std::string_view::npos) return true;
      start = slash + 1;
    }
  };
  auto digit = [](unsigned char c) { return std::isdigit(c) != 0; };
  if (field == 1) return slash_separated(digit) && std::count(word.begin(), word.end(), '/') <= 1;
  if (field == 2) return slash_separated(is_token_char);
  return all(word, is_token_char);
}

// RFC 4566: m=<media> <port>[/<n>] <proto> <fmt> ..., proto = token
// *("/" token), fmt = token, single spaces between. Sofia-SIP 1.12.11's
// parser loops for ever, allocating, on m= lines that stray from this (a
// format starting outside the token grammar, "m=audio 5000 FOO /x", or
// tabs left after the transport; found by tests/fuzz/fuzz_sdp). So the text
// it gets has every m= line checked and rewritten with single spaces, and
// every line ended by CRLF (Sofia also ends lines at a bare CR or LF).
// Returns false for an m= line that breaks the grammar.
//
// Sofia reads payload types and a=rtpmap only for RTP/AVP and RTP/SAVP, so
// a WebRTC profile (UDP/TLS/RTP/SAVPF) is handed to it as RTP/SAVP; the
// profile each m= line had is kept in `profiles`, in order.
bool canonical_sdp(const std::string& body, std::string& out, std::vector<std::string>& profiles) {
  out.clear();
  profiles.clear();
  out.reserve(body.size() + 16);
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find_first_of("\r\n", pos);
    if (eol == std::string::npos) eol = body.size();
    std::string_view line(body.data() + pos, eol - pos);
    pos = eol + 1;
    // Sofia skips blanks before a field letter, so " m=..." is an m= line.
    line.remove_prefix(std::min(line.size(), line.find_first_not_of(" \t")));
    if (line.empty()) continue;
    if (line.rfind("m=", 0) != 0) {
      out.append(line).append("\r\n");
      continue;
    }
    line.remove_prefix(2);
    out.append("m=");
    int field = 0;
    while (!line.empty()) {
      size_t space = line.find_first_of(" \t");
      std::string_view word = line.substr(0, space);
      line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
      if (word.empty()) continue;
      if (!field_is_well_formed(word, field)) return false;
      if (field > 0) out.push_back(' ');
      if (field == 2) {
        profiles.emplace_back(word.substr(0, 64));
        if (is_webrtc_profile(profiles.back().c_str())) word = "RTP/SAVP";
      }
      ++field;
      out.append(word);
    }
    out.append("\r\n");
  }
  return true;
}

// An offered stream refused in an answer: same media and transport, port 0
// and one of its formats (RFC 3264 6: the line stays, the stream does not).
std::string rejected_line(const sdp_media_t* m, const std::string& profile) {
  std::string line = "m=";
  line += m->m_type_name ? m->m_type_name : "unknown";
  line += " 0 ";
  line += !profile.empty() ? profile : m->m_proto_name ? m->m_proto_name : "RTP/AVP";
  if (m->m_rtpmaps) line += " " + std::to_string(m->m_rtpmaps->rm_pt);
  else if (m->m_format && m->m_format->l_text) line += std::string(" ") + m->m_format->l_text;
  else line += " 0";
  return line;
}

bool other_is_before(const sdp_session_t* session, const sdp_media_t* other, const sdp_media_t* chosen) {
  for (const sdp_media_t* m = session->sdp_media; m; m = m->m_next) {
    if (m == chosen) return false;
    if (m == other) return true;
  }
  return false;
}

}  // namespace

Result<SdpAudio> parse_sdp(const std::string& body) {
  if (body.empty()) return Error::unusable_sdp("no SDP in the message");
  // SDP is text; Sofia-SIP would silently stop at a NUL.
  if (body.find('\0') != std::string::npos) return Error::unusable_sdp("malformed SDP: a NUL byte in the text");
  std::string text;
  std::vector<std::string> profiles;
  if (!canonical_sdp(body, text, profiles)) return Error::unusable_sdp("malformed SDP: an m= line has characters outside its grammar");
  std::unique_ptr<su_home_t, HomeDeleter> home(static_cast<su_home_t*>(su_home_new(sizeof(su_home_t))));
  if (!home) return Error::internal("out of memory");
  // sdp_f_mode_0000: c=0.0.0.0 is the old way of putting a call on hold;
  // not in WebRTC media, where it is the default candidate of an offer
  // that gathers later (Chrome's).
  const bool any_webrtc = std::any_of(profiles.begin(), profiles.end(),
                                      [](const std::string& p) { return is_webrtc_profile(p.c_str()); });
  sdp_parser_t* parser = sdp_parse(home.get(), text.data(), static_cast<issize_t>(text.size()),
                                   sdp_f_anynet | (any_webrtc ? 0 : sdp_f_mode_0000));
  sdp_session_t* session = sdp_session(parser);
  if (!session) {
    std::string reason = sdp_parsing_error(parser) ? sdp_parsing_error(parser) : "unknown error";
    sdp_parser_free(parser);
    return Error::unusable_sdp("malformed SDP: " + reason);
  }

  // The profile as written of the n-th m= line (see canonical_sdp).
  auto profile_of = [&](const sdp_media_t* wanted) {
    size_t i = 0;
    for (const sdp_media_t* x = session->sdp_media; x; x = x->m_next, ++i)
      if (x == wanted) return i < profiles.size() ? profiles[i] : std::string();
    return std::string();
  };
  const sdp_media_t* m = session->sdp_media;
  while (m && m->m_type != sdp_media_audio) m = m->m_next;
  std::vector<std::string> before, after;
  for (const sdp_media_t* other = session->sdp_media; other; other = other->m_next)
    if (other != m) (other_is_before(session, other, m) ? before : after).push_back(rejected_line(other, profile_of(other)));
  const bool webrtc = m && is_webrtc_profile(profile_of(m).c_str());
  Result<SdpAudio> result = Error::unusable_sdp("SDP has no audio stream");
  if (m && m->m_proto != sdp_proto_rtp && m->m_proto != sdp_proto_srtp) {
    result = Error::unusable_sdp(std::string("unsupported audio transport ") + (m->m_proto_name ? m->m_proto_name : "?") +
                          " (only RTP/AVP, RTP/SAVP and UDP/TLS/RTP/SAVPF)");
  } else if (m && m->m_port > 65535) {
    // Sofia stores the port unchecked; truncating it would aim RTP at a
    // port the peer never named.
    result = Error::unusable_sdp("malformed SDP: m= port " + std::to_string(m->m_port) + " out of range");
  } else if (m) {
    SdpAudio audio;
    audio.port = m->m_rejected ? 0 : static_cast<uint16_t>(m->m_port);
    const sdp_connection_t* c = m->m_connections ? m->m_connections : session->sdp_connection;
    if (c && c->c_address) audio.address = c->c_address;
    audio.direction = to_direction(m->m_mode);
    if (find_attribute(m->m_attributes, "rtcp-mux")) audio.rtcp_mux = true;
    audio.webrtc = webrtc;
    audio.srtp = m->m_proto == sdp_proto_srtp && !webrtc;
    if (audio.webrtc) {
      audio.session_transport = transport_attributes(session->sdp_attributes);
      audio.media_transport = transport_attributes(m->m_attributes);
      if (auto* a = find_attribute(m->m_attributes, "mid"); a && a->a_value)
        audio.mid = std::string(a->a_value).substr(0, 32);
      audio.bundle = bundles(session->sdp_attributes, audio.mid);
    }
    // At most kMaxCryptoLines: an offer needs one per suite, and there are four.
    for (const sdp_attribute_t* a = m->m_attributes; a && audio.crypto.size() < kMaxCryptoLines; a = a->a_next)
      if (a->a_name && strcasecmp(a->a_name, "crypto") == 0) audio.crypto.emplace_back(a->a_value ? a->a_value : "");
    if (auto* a = find_attribute(m->m_attributes, "rtcp")) audio.rtcp_port = static_cast<uint16_t>(std::max(0, to_port(a->a_value)));
    if (auto* a = find_attribute(m->m_attributes, "ptime"); a && a->a_value) audio.ptime_ms = std::atoi(a->a_value);
    else if (auto* s = find_attribute(session->sdp_attributes, "ptime"); s && s->a_value) audio.ptime_ms = std::atoi(s->a_value);
    for (const sdp_rtpmap_t* rm = m->m_rtpmaps; rm; rm = rm->rm_next) {
      SdpFormat f;
      f.payload_type = static_cast<int>(rm->rm_pt);
      f.encoding = rm->rm_encoding ? rm->rm_encoding : "";
      f.clock_rate = static_cast<int>(rm->rm_rate);
      f.channels = rm->rm_params ? std::max(1, std::atoi(rm->rm_params)) : 1;
      if (rm->rm_fmtp) f.fmtp = rm->rm_fmtp;
      audio.formats.push_back(std::move(f));
    }
    audio.rejected_before = std::move(before);
    audio.rejected_after = std::move(after);
    if (audio.address.empty() && audio.port != 0) result = Error::unusable_sdp("SDP has no connection address (c=)");
    else result = std::move(audio);
  }
  sdp_parser_free(parser);
  return result;
}

}  // namespace sipcall
