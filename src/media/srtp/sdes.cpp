#include "media/srtp/sdes.h"

#include <array>
#include <cstring>
#include <string>

namespace sipcall::media {

namespace {

constexpr uint64_t kMaxLifetime = uint64_t{1} << 48;
constexpr size_t kMaxSuiteName = 64;
constexpr size_t kMaxKeyText = 64;  // base64 of 44 bytes is 60

Error crypto_error(std::string why) { return Error::unusable_sdp("a=crypto: " + std::move(why)); }

bool is_wsp(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (lower(s[i]) != prefix[i]) return false;
  return true;
}

// 1 to max_digits decimal digits, nothing else.
std::optional<uint64_t> parse_decimal(std::string_view s, size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// --- base64 (RFC 4648 section 4, the alphabet RFC 4568 names) ---------------

constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Strict: the canonical encoding only (padding optional, but where present
// it is complete; the bits past the last byte are zero). out must hold the
// decoded bytes; returns how many, or nothing on bad input.
std::optional<size_t> base64_decode(std::string_view text, std::span<uint8_t> out) {
  size_t pad = 0;
  while (pad < 2 && !text.empty() && text.back() == '=') text.remove_suffix(1), ++pad;
  if (text.size() % 4 == 1) return std::nullopt;
  if (pad && (text.size() + pad) % 4 != 0) return std::nullopt;
  const size_t n = text.size() / 4 * 3 + (text.size() % 4 ? text.size() % 4 - 1 : 0);
  if (n > out.size()) return std::nullopt;
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (char c : text) {
    const int v = base64_value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  if (bits && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  explicit_bzero(&acc, sizeof acc);
  return o;
}

std::string base64_encode(std::span<const uint8_t> in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += kBase64[(v >> s) & 63];
  }
  if (i < in.size()) {
    const uint32_t v = (uint32_t{in[i]} << 16) | (i + 1 < in.size() ? uint32_t{in[i + 1]} << 8 : 0);
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kBase64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// --- the attribute ----------------------------------------------------------

std::vector<std::string_view> split_wsp(std::string_view s) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_wsp(s[i])) ++i;
    const size_t start = i;
    while (i < s.size() && !is_wsp(s[i])) ++i;
    if (i > start) fields.push_back(s.substr(start, i - start));
  }
  return fields;
}

Result<uint64_t> parse_lifetime(std::string_view s) {
  uint64_t v = 0;
  if (s.starts_with("2^")) {
    const auto exp = parse_decimal(s.substr(2), 2);
    if (!exp || *exp > 48) return crypto_error("lifetime must be 2^0 to 2^48");
    v = uint64_t{1} << *exp;
  } else {
    const auto n = parse_decimal(s, 15);
    if (!n) return crypto_error("lifetime is not a number or 2^n");
    v = *n;
  }
  if (v < 1 || v > kMaxLifetime) return crypto_error("lifetime must be 1 to 2^48 packets");
  return v;
}

Result<SrtpMki> parse_mki(std::string_view s) {
  const size_t colon = s.find(':');
  const std::string_view value_text = s.substr(0, colon);
  bool digits = !value_text.empty() && value_text.size() <= 128;
  for (char c : value_text) digits = digits && is_digit(c);
  const auto length = colon == std::string_view::npos ? std::nullopt : parse_decimal(s.substr(colon + 1), 3);
  if (!digits || !length || *length < 1 || *length > 128) return crypto_error("MKI must be value:length");
  if (*length > 4) return crypto_error("MKI of " + std::to_string(*length) + " bytes is not supported (1 to 4)");
  const auto value = parse_decimal(value_text, 10);  // more digits never fit in 4 bytes
  if (!value || *value >> (8 * *length) != 0)
    return crypto_error("MKI value does not fit in " + std::to_string(*length) + " bytes");
  return SrtpMki{static_cast<uint32_t>(*value), static_cast<uint8_t>(*length)};
}

// The session parameters after the key; see sdes.h for the policy.
Error parse_session_param(std::string_view p, CryptoAttribute& a) {
  if (p.starts_with("WSH=")) {
    const auto v = parse_decimal(p.substr(4), 5);
    if (!v || *v < 64) return crypto_error("WSH must be a number of at least 64");
    a.window_size_hint = static_cast<uint32_t>(*v);
    return {};
  }
  if (p.starts_with("KDR=")) {
    const auto v = parse_decimal(p.substr(4), 2);
    if (!v || *v > 24) return crypto_error("KDR must be 0 to 24");
    if (*v != 0) return crypto_error("a key derivation rate (KDR) is not supported");
    return {};
  }
  if (p == "UNENCRYPTED_SRTP" || p == "UNENCRYPTED_SRTCP" || p == "UNAUTHENTICATED_SRTP")
    return crypto_error(std::string(p) + " is refused: media must be encrypted and authenticated");
  if (p.starts_with("FEC_ORDER=") || p.starts_with("FEC_KEY=")) return crypto_error("FEC_ORDER and FEC_KEY are not supported");
  if (p.starts_with("-")) return {};  // optional by RFC 4568 6.3.7
  // Named only when it is a plain name: a parameter may carry anything.
  const std::string_view name = p.substr(0, p.find('='));
  bool plain = !name.empty() && name.size() <= 32;
  for (char c : name) plain = plain && (is_alnum(c) || c == '_');
  return crypto_error(plain ? "unknown session parameter " + std::string(name) : std::string("unknown session parameter"));
}

void wipe(std::string& s) {
  explicit_bzero(s.data(), s.size());
  s.clear();
}

}  // namespace

Result<CryptoAttribute> parse_crypto_attribute(std::string_view value) {
  if (value.size() > kMaxCryptoAttributeLength)
    return crypto_error("longer than " + std::to_string(kMaxCryptoAttributeLength) + " bytes");
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u >= 0x7f) return crypto_error("control character or non-ASCII byte");
  }
  const auto fields = split_wsp(value);
  if (fields.size() < 3) return crypto_error("needs a tag, a suite and a key");

  CryptoAttribute a;
  const auto tag = parse_decimal(fields[0], 9);
  if (!tag) return crypto_error("tag must be 1 to 9 digits");
  a.tag = static_cast<uint32_t>(*tag);

  const std::string_view suite_name = fields[1];
  bool token = !suite_name.empty() && suite_name.size() <= kMaxSuiteName;
  for (char c : suite_name) token = token && (is_alnum(c) || c == '_');
  if (!token) return crypto_error("bad crypto suite name");
  const auto suite = srtp_suite_from_sdp_name(suite_name);
  if (!suite) return crypto_error("unsupported crypto suite " + std::string(suite_name));

  std::string_view key_params = fields[2];
  if (key_params.find(';') != std::string_view::npos)
    return crypto_error("more than one key in a line is not supported");
  if (!starts_with_ci(key_params, "inline:")) return crypto_error("key method must be inline:");
  key_params.remove_prefix(7);

  // key||salt ["|" lifetime] ["|" MKI ":" length]
  const size_t bar = key_params.find('|');
  const std::string_view key_text = key_params.substr(0, bar);
  std::string_view rest = bar == std::string_view::npos ? std::string_view{} : key_params.substr(bar + 1);
  std::optional<SrtpMki> mki;
  for (int part = 0; bar != std::string_view::npos; ++part) {
    const size_t next = rest.find('|');
    const std::string_view item = rest.substr(0, next);
    if (item.empty() || part > 1) return crypto_error("key parameters must be key[|lifetime][|MKI:length]");
    if (item.find(':') != std::string_view::npos) {
      if (next != std::string_view::npos) return crypto_error("nothing may follow the MKI");
      auto m = parse_mki(item);
      if (!m.ok()) return m.error();
      mki = *m;
    } else {
      if (a.lifetime) return crypto_error("two lifetimes");
      auto l = parse_lifetime(item);
      if (!l.ok()) return l.error();
      a.lifetime = *l;
    }
    if (next == std::string_view::npos) break;
    rest.remove_prefix(next + 1);
  }

  const size_t want = srtp_master_length(*suite);
  if (key_text.size() > kMaxKeyText) return crypto_error("key too long for " + std::string(suite_name));
  std::array<uint8_t, kMaxKeyText> bytes{};
  const auto got = base64_decode(key_text, bytes);
  if (!got) {
    explicit_bzero(bytes.data(), bytes.size());
    return crypto_error("key is not valid base64");
  }
  if (*got != want) {
    explicit_bzero(bytes.data(), bytes.size());
    return crypto_error("key and salt are " + std::to_string(*got) + " bytes; " + std::string(suite_name) +
                        " needs " + std::to_string(want));
  }
  auto keys = SrtpKeys::from_bytes(*suite, std::span<const uint8_t>(bytes.data(), want), mki);
  explicit_bzero(bytes.data(), bytes.size());
  if (!keys.ok()) return crypto_error(keys.error().message());
  a.keys = std::move(*keys);

  for (size_t i = 3; i < fields.size(); ++i)
    if (Error e = parse_session_param(fields[i], a)) return e;
  return a;
}

std::string format_crypto_attribute(const CryptoAttribute& a) {
  std::string out;
  out.reserve(160);  // once: a growing string would leave copies of the key in freed memory
  out += std::to_string(a.tag);
  out += ' ';
  out += srtp_suite_info(a.keys.suite()).sdp_name;
  out += " inline:";
  std::string key = base64_encode(a.keys.key_and_salt());
  out += key;
  wipe(key);
  if (a.lifetime) {
    const uint64_t l = *a.lifetime;
    if (l && (l & (l - 1)) == 0) {
      int exp = 0;
      while ((uint64_t{1} << exp) != l) ++exp;
      out += "|2^" + std::to_string(exp);
    } else {
      out += "|" + std::to_string(l);
    }
  }
  if (const auto& mki = a.keys.mki()) out += "|" + std::to_string(mki->value) + ":" + std::to_string(mki->length);
  if (a.window_size_hint) out += " WSH=" + std::to_string(*a.window_size_hint);
  return out;
}

Result<std::vector<CryptoAttribute>> make_crypto_offer(std::span<const SrtpSuite> suites) {
  std::vector<CryptoAttribute> offer;
  uint32_t tag = 1;
  for (SrtpSuite suite : suites) {
    auto keys = SrtpKeys::generate(suite);
    if (!keys.ok()) return keys.error();
    CryptoAttribute a;
    a.tag = tag++;
    a.keys = std::move(*keys);
    offer.push_back(std::move(a));
  }
  if (offer.empty()) return Error::internal("an SDES offer needs at least one suite");
  return offer;
}

Result<SdesAnswer> answer_crypto_offer(std::span<const std::string_view> offered, std::span<const SrtpSuite> supported) {
  constexpr size_t kReasons = 4;  // named in the error; the rest are counted
  std::string reasons;
  size_t refused = 0;
  for (size_t i = 0; i < offered.size(); ++i) {
    auto parsed = parse_crypto_attribute(offered[i]);
    std::string why;
    if (!parsed.ok()) {
      why = parsed.error().message();
    } else {
      bool ours = false;
      for (SrtpSuite s : supported) ours = ours || s == parsed->keys.suite();
      if (ours) {
        auto keys = SrtpKeys::generate(parsed->keys.suite());
        if (!keys.ok()) return keys.error();
        SdesAnswer answer{std::move(*parsed), {}};
        answer.ours.tag = answer.theirs.tag;
        answer.ours.keys = std::move(*keys);
        return answer;
      }
      why = "a=crypto: suite " + std::string(srtp_suite_info(parsed->keys.suite()).sdp_name) + " not enabled";
    }
    if (refused++ < kReasons) reasons += (reasons.empty() ? "" : "; ") + std::string("line ") + std::to_string(i + 1) + ": " + why;
  }
  if (offered.empty()) return Error::unusable_sdp("the offer has no a=crypto line");
  if (refused > kReasons) reasons += "; and " + std::to_string(refused - kReasons) + " more";
  return Error::unusable_sdp("no acceptable a=crypto in the offer (" + reasons + ")");
}

Result<SdesKeys> accept_crypto_answer(std::span<const CryptoAttribute> offer, std::string_view answer) {
  auto theirs = parse_crypto_attribute(answer);
  if (!theirs.ok()) return theirs.error();
  for (const auto& mine : offer) {
    if (mine.tag != theirs->tag) continue;
    if (mine.keys.suite() != theirs->keys.suite())
      return Error::unusable_sdp("a=crypto: the answer's tag " + std::to_string(mine.tag) + " names " +
                          std::string(srtp_suite_info(theirs->keys.suite()).sdp_name) + ", our offer " +
                          std::string(srtp_suite_info(mine.keys.suite()).sdp_name));
    return SdesKeys{mine.keys, std::move(theirs->keys)};
  }
  return Error::unusable_sdp("a=crypto: the answer's tag " + std::to_string(theirs->tag) + " is not in our offer");
}

std::string redact_sdes_keys(std::string_view text) {
  // A key is the run of base64 (and base64url) characters after "inline:";
  // "<redacted>" has none, so a second pass finds nothing to replace.
  const auto is_key_char = [](char c) { return base64_value(c) >= 0 || c == '=' || c == '-' || c == '_'; };
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t hit = i;
    while (hit < text.size() && !starts_with_ci(text.substr(hit), "inline:")) ++hit;
    if (hit == text.size()) {
      out.append(text.substr(i));
      break;
    }
    size_t end = hit + 7;
    out.append(text.substr(i, end - i));
    const size_t key = end;
    while (end < text.size() && is_key_char(text[end])) ++end;
    if (end > key) out.append(kRedactedKey);
    i = end;
  }
  return out;
}

}  // namespace sipcall::media
