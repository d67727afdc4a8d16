#include "digest.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sofia-sip/su_md5.h>
#include <sys/random.h>

#include <cctype>
#include <cerrno>
#include <cstdio>

namespace sipcall::digest {

namespace {

constexpr size_t kMaxChallenge = 4096;
constexpr size_t kMaxParams = 64;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// CTL of RFC 3261 25.1 but HTAB, which a quoted string may hold.
bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7f;
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// RFC 3261 25.1 token characters.
bool is_token(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-.!%*_+`'~").find(c) != std::string_view::npos;
}

Error malformed(const std::string& why) { return {ErrorKind::sip_refused, "malformed challenge: " + why}; }

// Reads the value at s[i]: a quoted string (unescaped) or a token.
Result<std::string> read_value(std::string_view s, size_t& i) {
  std::string value;
  if (i < s.size() && s[i] == '"') {
    for (++i; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] == '\\' && ++i == s.size()) break;
      // RFC 3261 25.1: no control characters, even escaped (we echo these values).
      if (is_control(s[i])) return malformed("a control character in a quoted string");
      value += s[i];
    }
    if (i >= s.size()) return malformed("unterminated quoted string");
    ++i;
    return value;
  }
  while (i < s.size() && s[i] != ',' && !is_blank(s[i])) {
    if (is_control(s[i])) return malformed("a control character in a value");
    value += s[i++];
  }
  return value;
}

void split_qop(const std::string& text, std::vector<std::string>& out) {
  std::string item;
  for (char c : text + ",") {
    if (c == ',') {
      if (!item.empty()) out.push_back(lower(item));
      item.clear();
    } else if (!is_blank(c)) {
      item += c;
    }
  }
}

void store(Challenge& c, const std::string& name, std::string value) {
  if (name == "realm") c.realm = std::move(value), c.has_realm = true;
  else if (name == "nonce") c.nonce = std::move(value), c.has_nonce = true;
  else if (name == "opaque") c.opaque = std::move(value), c.has_opaque = true;
  else if (name == "algorithm") c.algorithm = std::move(value);
  else if (name == "qop") split_qop(value, c.qop);
  else if (name == "stale") c.stale = iequals(value, "true");
}

bool parse_algorithm(std::string_view name, Algorithm& a, bool& sess) {
  sess = name.size() > 5 && iequals(name.substr(name.size() - 5), "-sess");
  std::string_view base = sess ? name.substr(0, name.size() - 5) : name;
  if (base.empty() || iequals(base, "MD5")) a = Algorithm::md5;
  else if (iequals(base, "SHA-256")) a = Algorithm::sha256;
  else if (iequals(base, "SHA-512-256")) a = Algorithm::sha512_256;
  else return false;
  return !(sess && base.empty());
}

std::string hex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

std::string hex_hash(Algorithm a, std::string_view data) {
  if (a == Algorithm::md5) {
    // Sofia's MD5, not OpenSSL's EVP: EVP's first use loads OpenSSL's
    // provider machinery, 2 MB more resident memory for the algorithm
    // nearly every PBX asks for (the other two pay it only when asked).
    su_md5_t md5;
    su_md5_init(&md5);
    su_md5_update(&md5, data.data(), data.size());
    char text[2 * SU_MD5_DIGEST_SIZE + 1];
    su_md5_hexdigest(&md5, text);
    return text;
  }
  const EVP_MD* md = a == Algorithm::sha256 ? EVP_sha256() : EVP_sha512_256();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!md || EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) return {};
  return hex(out, len);
}

std::string nc_text(unsigned nc) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", nc);
  return buf;
}

int strength(Algorithm a) { return a == Algorithm::sha512_256 ? 3 : a == Algorithm::sha256 ? 2 : 1; }

}  // namespace

Result<Challenge> parse_challenge(std::string_view value) {
  if (value.size() > kMaxChallenge) return malformed("longer than 4096 bytes");
  Challenge c;
  size_t i = 0;
  while (i < value.size() && is_blank(value[i])) ++i;
  while (i < value.size() && is_token(value[i])) c.scheme += value[i++];
  if (c.scheme.empty()) return malformed("no scheme");
  bool digest = iequals(c.scheme, "Digest");
  for (size_t params = 0;; ++params) {
    while (i < value.size() && (is_blank(value[i]) || value[i] == ',')) ++i;
    if (i == value.size()) break;
    if (params == kMaxParams) return malformed("more than 64 parameters");
    std::string name;
    while (i < value.size() && is_token(value[i])) name += value[i++];
    while (i < value.size() && is_blank(value[i])) ++i;
    if (name.empty() || i == value.size() || value[i] != '=') {
      if (!digest) break;  // a token68 of another scheme: nothing we answer
      return malformed("a parameter without a value");
    }
    ++i;
    while (i < value.size() && is_blank(value[i])) ++i;
    auto v = read_value(value, i);
    if (!v.ok()) return v.error();
    store(c, lower(name), std::move(v.value()));
  }
  return c;
}

Result<Choice> choose(const std::vector<Challenge>& offered) {
  Choice best;
  int best_score = 0;
  std::string refused;  // why the last unusable challenge was, for the error
  ErrorKind refused_code = ErrorKind::auth_refused;
  for (const Challenge& c : offered) {
    std::string realm = c.has_realm ? " (realm " + quote(c.realm) + ")" : "";
    if (iequals(c.scheme, "Basic")) {
      refused = "refusing Basic authentication" + realm + ": it would send the password in clear (RFC 3261 22.1)";
      continue;
    }
    if (!iequals(c.scheme, "Digest")) {
      refused = "cannot answer authentication scheme " + c.scheme + realm + " (sip-call answers Digest only)";
      continue;
    }
    if (!c.has_realm || !c.has_nonce) {
      refused = std::string("malformed challenge: Digest without ") + (c.has_realm ? "nonce" : "realm");
      refused_code = ErrorKind::sip_refused;
      continue;
    }
    Choice choice;
    choice.challenge = c;
    if (!parse_algorithm(c.algorithm, choice.algorithm, choice.sess)) {
      refused = "cannot answer digest algorithm " + c.algorithm + realm +
                " (sip-call answers MD5, SHA-256, SHA-512-256 and their -sess variants)";
      continue;
    }
    int qop_score = 1;
    if (!c.qop.empty()) {
      auto has = [&](std::string_view q) {
        for (const auto& o : c.qop)
          if (o == q) return true;
        return false;
      };
      choice.qop = has("auth") ? "auth" : has("auth-int") ? "auth-int" : "";
      if (choice.qop.empty()) {
        refused = "cannot answer digest qop " + quote(c.qop.front()) + realm + " (sip-call answers auth and auth-int)";
        continue;
      }
      qop_score = 2;
    }
    int score = strength(choice.algorithm) * 10 + qop_score * 2 + (choice.sess ? 0 : 1);
    if (score > best_score) best = std::move(choice), best_score = score;
  }
  if (best_score > 0) return best;
  if (refused.empty()) return Error{ErrorKind::sip_refused, "malformed challenge: none offered"};
  return Error{refused_code, refused};
}

std::string response(const Choice& choice, const std::string& username, const std::string& password,
                     const Request& request, const std::string& cnonce, unsigned nc) {
  const Challenge& c = choice.challenge;
  auto H = [&](std::string_view data) { return hex_hash(choice.algorithm, data); };
  std::string ha1 = H(username + ":" + c.realm + ":" + password);
  if (choice.sess) ha1 = H(ha1 + ":" + c.nonce + ":" + cnonce);
  std::string ha2 = choice.qop == "auth-int" ? H(request.method + ":" + request.uri + ":" + H(request.body))
                                             : H(request.method + ":" + request.uri);
  std::string result = choice.qop.empty() ? H(ha1 + ":" + c.nonce + ":" + ha2)
                                          : H(ha1 + ":" + c.nonce + ":" + nc_text(nc) + ":" + cnonce + ":" + choice.qop + ":" + ha2);
  std::fill(ha1.begin(), ha1.end(), '\0');
  return result;
}

std::string authorization(const Choice& choice, const std::string& username, const std::string& password,
                          const Request& request, const std::string& cnonce, unsigned nc) {
  const Challenge& c = choice.challenge;
  std::string out = "Digest username=" + quote(username) + ", realm=" + quote(c.realm) + ", nonce=" + quote(c.nonce) +
                    ", uri=" + quote(request.uri) +
                    ", response=" + quote(response(choice, username, password, request, cnonce, nc));
  if (!c.algorithm.empty() || choice.algorithm != Algorithm::md5)
    out += ", algorithm=" + std::string(algorithm_name(choice.algorithm, choice.sess));
  if (c.has_opaque) out += ", opaque=" + quote(c.opaque);
  if (!choice.qop.empty()) out += ", qop=" + choice.qop + ", nc=" + nc_text(nc);
  if (!choice.qop.empty() || choice.sess) out += ", cnonce=" + quote(cnonce);
  return out;
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string new_cnonce() {
  // The kernel's CSPRNG: OpenSSL's RAND_bytes would set up its DRBG through
  // the provider machinery (2.4 MB more resident memory) for 16 bytes.
  unsigned char bytes[16];
  ssize_t got = -1;
  do got = getrandom(bytes, sizeof bytes, 0);
  while (got < 0 && errno == EINTR);
  if (got != static_cast<ssize_t>(sizeof bytes) && RAND_bytes(bytes, sizeof bytes) != 1) return {};
  return hex(bytes, sizeof bytes);
}

std::string_view algorithm_name(Algorithm a, bool sess) {
  switch (a) {
    case Algorithm::md5: return sess ? "MD5-sess" : "MD5";
    case Algorithm::sha256: return sess ? "SHA-256-sess" : "SHA-256";
    case Algorithm::sha512_256: return sess ? "SHA-512-256-sess" : "SHA-512-256";
  }
  return "MD5";
}

}  // namespace sipcall::digest
