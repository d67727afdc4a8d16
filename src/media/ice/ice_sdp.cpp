#include "ice_sdp.h"

#include <arpa/inet.h>
#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace sipcall::media::ice {

namespace {

Error bad(std::string what) { return Error::unusable_sdp("ICE: " + std::move(what)); }

// RFC 8839 ice-char: ALPHA / DIGIT / "+" / "/".
bool is_ice_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

bool all_ice_chars(std::string_view s) {
  for (char c : s)
    if (!is_ice_char(c)) return false;
  return true;
}

// RFC 4566 token characters (transport and candidate type names).
bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`{|}~", c) != nullptr && c != '\0';
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_token_char(c)) return false;
  return true;
}

bool equals_nocase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Printable for an error message: at most 40 characters of what was there.
std::string shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 40) out += "...";
  return out;
}

// Space-separated words; runs of spaces count as one (some stacks write two).
std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// A decimal number of at most max_digits digits and at most max_value.
std::optional<uint64_t> parse_number(std::string_view s, size_t max_digits, uint64_t max_value) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max_value) return std::nullopt;
  return v;
}

enum class AddressKind { ip, mdns, hostname, invalid };

// A numeric address, normalised (inet_ntop) into *normal; or the kind of
// name it is.
AddressKind classify_address(std::string_view s, std::string* normal) {
  if (s.empty() || s.size() > 253) return AddressKind::invalid;
  const std::string text(s);
  unsigned char buf[sizeof(in6_addr)];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) {
    *normal = inet_ntop(AF_INET, buf, out, sizeof out);
    return AddressKind::ip;
  }
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) {
    *normal = inet_ntop(AF_INET6, buf, out, sizeof out);
    return AddressKind::ip;
  }
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.';
    if (!ok) return AddressKind::invalid;
  }
  if (s.size() > 6 && equals_nocase(s.substr(s.size() - 6), ".local")) return AddressKind::mdns;
  return AddressKind::hostname;
}

std::optional<CandidateType> type_from_name(std::string_view s) {
  if (s == "host") return CandidateType::host;
  if (s == "srflx") return CandidateType::srflx;
  if (s == "prflx") return CandidateType::prflx;
  if (s == "relay") return CandidateType::relay;
  return std::nullopt;
}

ParsedCandidate skipped(std::string reason) {
  ParsedCandidate p;
  p.skipped = SkippedCandidate{std::move(reason)};
  return p;
}

}  // namespace

const char* candidate_type_name(CandidateType type) {
  switch (type) {
    case CandidateType::host: return "host";
    case CandidateType::srflx: return "srflx";
    case CandidateType::prflx: return "prflx";
    case CandidateType::relay: return "relay";
  }
  return "host";
}

Result<ParsedCandidate> parse_candidate(std::string_view value) {
  if (value.size() > max_candidate_length)
    return bad("a=candidate longer than " + std::to_string(max_candidate_length) + " characters");
  for (char c : value)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return bad("a=candidate has a control character");
  if (value.size() >= 10 && equals_nocase(value.substr(0, 10), "candidate:")) value.remove_prefix(10);

  const auto w = split_words(value);
  if (w.size() < 8) return bad("a=candidate has " + std::to_string(w.size()) + " fields, needs at least 8: '" +
                               shown(value) + "'");
  Candidate c;
  if (w[0].size() > 32 || !all_ice_chars(w[0])) return bad("bad candidate foundation '" + shown(w[0]) + "'");
  c.foundation = std::string(w[0]);

  const auto component = parse_number(w[1], 3, 256);
  if (!component || *component == 0) return bad("bad candidate component '" + shown(w[1]) + "'");
  c.component = static_cast<unsigned>(*component);

  if (!is_token(w[2])) return bad("bad candidate transport '" + shown(w[2]) + "'");
  const bool udp = equals_nocase(w[2], "udp");

  const auto priority = parse_number(w[3], 10, 0x7fffffff);
  if (!priority || *priority == 0) return bad("bad candidate priority '" + shown(w[3]) + "'");
  c.priority = static_cast<uint32_t>(*priority);

  const auto kind = classify_address(w[4], &c.address);
  if (kind == AddressKind::invalid) return bad("bad candidate address '" + shown(w[4]) + "'");

  // tcp's active candidates carry port 9 (RFC 6544) and some stacks 0.
  const auto port = parse_number(w[5], 5, 65535);
  if (!port) return bad("bad candidate port '" + shown(w[5]) + "'");
  c.port = static_cast<uint16_t>(*port);

  if (w[6] != "typ") return bad("a=candidate has '" + shown(w[6]) + "' where 'typ' belongs");
  if (!is_token(w[7])) return bad("bad candidate type '" + shown(w[7]) + "'");
  const auto type = type_from_name(w[7]);

  // raddr, rport and extensions: name/value pairs, in any order after typ.
  bool related_is_ip = false;
  std::string related;
  for (size_t i = 8; i < w.size(); i += 2) {
    if (i + 1 >= w.size()) return bad("candidate extension '" + shown(w[i]) + "' has no value");
    const auto name = w[i], v = w[i + 1];
    if (name == "raddr") {
      const auto k = classify_address(v, &related);
      if (k == AddressKind::invalid) return bad("bad candidate raddr '" + shown(v) + "'");
      related_is_ip = k == AddressKind::ip;
    } else if (name == "rport") {
      const auto rport = parse_number(v, 5, 65535);
      if (!rport) return bad("bad candidate rport '" + shown(v) + "'");
      c.related_port = static_cast<uint16_t>(*rport);
    }
  }

  if (!udp) return skipped(std::string(equals_nocase(w[2], "tcp") ? "tcp" : "transport " + shown(w[2])) +
                           " candidate");
  if (!type) return skipped("candidate type " + shown(w[7]));
  if (kind == AddressKind::mdns) return skipped("mDNS candidate " + shown(w[4]));
  if (kind == AddressKind::hostname) return skipped("candidate with a host name " + shown(w[4]));
  if (c.port == 0) return bad("candidate port 0");
  c.type = *type;
  // rport means nothing without an address we could keep.
  if (related_is_ip) c.related_address = related;
  else c.related_port = 0;
  ParsedCandidate p;
  p.candidate = std::move(c);
  return p;
}

std::string format_candidate(const Candidate& c) {
  std::string s = c.foundation + ' ' + std::to_string(c.component) + " udp " + std::to_string(c.priority) + ' ' +
                  c.address + ' ' + std::to_string(c.port) + " typ " + candidate_type_name(c.type);
  if (c.related_address)
    s += " raddr " + *c.related_address + " rport " + std::to_string(c.related_port);
  return s;
}

Error check_ufrag(std::string_view ufrag) {
  if (ufrag.size() < 4 || ufrag.size() > 256)
    return bad("a=ice-ufrag must have 4 to 256 characters, has " + std::to_string(ufrag.size()));
  if (!all_ice_chars(ufrag)) return bad("a=ice-ufrag has a character outside A-Z a-z 0-9 + /");
  return {};
}

// The pwd is a secret (it keys the checks' MESSAGE-INTEGRITY): an error
// says what is wrong with it, never what it is.
Error check_pwd(std::string_view pwd) {
  if (pwd.size() < 22 || pwd.size() > 256)
    return bad("a=ice-pwd must have 22 to 256 characters, has " + std::to_string(pwd.size()));
  if (!all_ice_chars(pwd)) return bad("a=ice-pwd has a character outside A-Z a-z 0-9 + /");
  return {};
}

Result<Credentials> random_credentials() {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::array<unsigned char, 32> bytes{};
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::internal(std::string("getrandom: ") + std::strerror(errno));
    }
    got += static_cast<size_t>(n);
  }
  Credentials c;
  // 64 letters: a byte's low six bits pick one uniformly.
  for (size_t i = 0; i < 8; ++i) c.ufrag += alphabet[bytes[i] & 63];
  for (size_t i = 8; i < 32; ++i) c.pwd += alphabet[bytes[i] & 63];
  bytes.fill(0);
  return c;
}

Result<IceOptions> parse_ice_options(std::string_view value) {
  if (value.size() > 256) return bad("a=ice-options longer than 256 characters");
  const auto tags = split_words(value);
  if (tags.empty()) return bad("a=ice-options without an option");
  IceOptions o;
  for (auto t : tags) {
    if (!all_ice_chars(t)) return bad("bad a=ice-options tag '" + shown(t) + "'");
    if (t == "trickle") o.trickle = true;
    else if (t == "ice2") o.ice2 = true;
    else if (o.others.size() < 16) o.others.emplace_back(t);
  }
  return o;
}

void RemoteDescription::skip(std::string reason) {
  ++skipped_count_;
  // Distinct reasons only: a peer may send dozens of lines skipped alike.
  if (skipped_reasons_.size() < 8 &&
      std::find(skipped_reasons_.begin(), skipped_reasons_.end(), reason) == skipped_reasons_.end())
    skipped_reasons_.push_back(std::move(reason));
}

Error RemoteDescription::add_attribute(std::string_view name, std::string_view value, bool session_level) {
  if (name == "ice-ufrag" || name == "ice-pwd") {
    const bool ufrag = name == "ice-ufrag";
    if (auto e = ufrag ? check_ufrag(value) : check_pwd(value)) return e;
    if (session_level) {
      std::string& slot = ufrag ? session_ufrag_ : session_pwd_;
      if (!slot.empty()) return bad("two a=" + std::string(name) + " lines at session level");
      slot = std::string(value);
    } else {
      auto& slot = ufrag ? media_ufrag_ : media_pwd_;
      if (slot) return bad("two a=" + std::string(name) + " lines in one m= section");
      slot = std::string(value);
    }
    return {};
  }
  if (name == "ice-options") {
    auto o = parse_ice_options(value);
    if (!o.ok()) return o.error();
    options_.trickle = options_.trickle || o->trickle;
    options_.ice2 = options_.ice2 || o->ice2;
    for (auto& t : o->others)
      if (options_.others.size() < 16) options_.others.push_back(t);
    return {};
  }
  if (name == "ice-lite") {
    ice_lite_ = true;
    return {};
  }
  if (name == "end-of-candidates") {
    end_of_candidates_ = true;
    return {};
  }
  if (name != "candidate") return {};
  if (session_level) return bad("a=candidate at session level");
  auto parsed = parse_candidate(value);
  if (!parsed.ok()) return parsed.error();
  if (parsed->skipped) {
    skip(parsed->skipped->reason);
    return {};
  }
  const Candidate& c = *parsed->candidate;
  if (c.component != 1) {
    skip("component " + std::to_string(c.component) + " candidate (rtcp-mux uses component 1 only)");
    return {};
  }
  for (const auto& have : candidates_) {
    if (have.address == c.address && have.port == c.port) {
      skip("duplicate candidate " + c.address + ":" + std::to_string(c.port));
      return {};
    }
  }
  if (candidates_.size() >= max_candidates) {
    skip("more than " + std::to_string(max_candidates) + " candidates");
    return {};
  }
  candidates_.push_back(c);
  return {};
}

Error RemoteDescription::check_complete() const {
  if (ufrag().empty()) return bad("the far end's SDP has no a=ice-ufrag");
  if (pwd().empty()) return bad("the far end's SDP has no a=ice-pwd");
  if (candidates_.empty()) {
    std::string why = "the far end's SDP has no usable candidate";
    if (skipped_count_ > 0) {
      why += " (" + std::to_string(skipped_count_) + " skipped:";
      // One line a user can read: the first three kinds of reason.
      for (size_t i = 0; i < skipped_reasons_.size() && i < 3; ++i) why += (i ? ", " : " ") + skipped_reasons_[i];
      why += skipped_reasons_.size() > 3 ? ", ...)" : ")";
    }
    return bad(why);
  }
  return {};
}

}  // namespace sipcall::media::ice
