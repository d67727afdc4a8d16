#include "dtls_sdp.h"

#include <array>
#include <cctype>

namespace sipcall::media::dtls {

namespace {

struct HashInfo {
  FingerprintHash hash;
  std::string_view name;
  size_t length;
};

constexpr std::array<HashInfo, 5> hashes = {{
    {FingerprintHash::sha1, "sha-1", 20},
    {FingerprintHash::sha224, "sha-224", 28},
    {FingerprintHash::sha256, "sha-256", 32},
    {FingerprintHash::sha384, "sha-384", 48},
    {FingerprintHash::sha512, "sha-512", 64},
}};

const HashInfo& info(FingerprintHash hash) {
  for (const auto& h : hashes)
    if (h.hash == hash) return h;
  return hashes[2];
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

Error bad(std::string what) { return Error::unusable_sdp("DTLS: bad a=fingerprint: " + what); }

}  // namespace

std::string_view hash_name(FingerprintHash hash) { return info(hash).name; }
size_t digest_length(FingerprintHash hash) { return info(hash).length; }

Result<Fingerprint> parse_fingerprint(std::string_view value) {
  if (value.size() > max_fingerprint_value) return bad("longer than " + std::to_string(max_fingerprint_value) + " characters");
  value = trim(value);
  const auto space = value.find_first_of(" \t");
  if (space == std::string_view::npos) return bad("no hash name and digest");
  const auto name = value.substr(0, space);
  const auto hex = trim(value.substr(space));

  const HashInfo* found = nullptr;
  for (const auto& h : hashes)
    if (iequals(name, h.name)) found = &h;
  if (!found) {
    if (iequals(name, "md5") || iequals(name, "md2"))
      return Error::unusable_sdp("DTLS: a=fingerprint uses " + std::string(iequals(name, "md5") ? "md5" : "md2") +
                          ", which is refused as too weak (RFC 8122); we accept sha-1, sha-224, sha-256, sha-384, sha-512");
    return Error::unusable_sdp("DTLS: a=fingerprint uses a hash we do not know; we accept sha-1, sha-224, sha-256, sha-384, sha-512");
  }

  // "XX:XX:...:XX": exactly length pairs with a colon between each.
  Fingerprint fp{found->hash, {}};
  fp.digest.reserve(found->length);
  size_t i = 0;
  while (i < hex.size()) {
    if (!fp.digest.empty()) {
      if (hex[i] != ':') return bad("digest is not hex pairs separated by ':'");
      ++i;
    }
    if (i + 2 > hex.size()) return bad("digest is not hex pairs separated by ':'");
    const int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return bad("digest has a character that is not a hex digit");
    if (fp.digest.size() == found->length)
      return bad(std::string(found->name) + " digest longer than " + std::to_string(found->length) + " bytes");
    fp.digest.push_back(static_cast<uint8_t>(hi << 4 | lo));
    i += 2;
  }
  if (fp.digest.size() != found->length)
    return bad(std::string(found->name) + " digest has " + std::to_string(fp.digest.size()) + " bytes, not " +
               std::to_string(found->length));
  return fp;
}

std::string format_fingerprint(const Fingerprint& fingerprint) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out(hash_name(fingerprint.hash));
  out += ' ';
  for (size_t i = 0; i < fingerprint.digest.size(); ++i) {
    if (i) out += ':';
    out += digits[fingerprint.digest[i] >> 4];
    out += digits[fingerprint.digest[i] & 0xf];
  }
  return out;
}

std::string_view setup_name(Setup setup) {
  switch (setup) {
    case Setup::actpass: return "actpass";
    case Setup::active: return "active";
    case Setup::passive: return "passive";
    case Setup::holdconn: return "holdconn";
  }
  return "actpass";
}

Result<Setup> parse_setup(std::string_view value) {
  value = trim(value);
  for (Setup s : {Setup::actpass, Setup::active, Setup::passive, Setup::holdconn})
    if (iequals(value, setup_name(s))) return s;
  return Error::unusable_sdp("DTLS: bad a=setup (expected actpass, active, passive or holdconn)");
}

Result<Setup> answer_setup(Setup offered) {
  switch (offered) {
    case Setup::actpass: return Setup::active;
    case Setup::active: return Setup::passive;
    case Setup::passive: return Setup::active;
    case Setup::holdconn: break;
  }
  return Error::unusable_sdp("DTLS: the offer says a=setup:holdconn, no DTLS connection to set up");
}

Result<DtlsRole> role_for_setup(Setup ours) {
  if (ours == Setup::active) return DtlsRole::client;
  if (ours == Setup::passive) return DtlsRole::server;
  return Error::unusable_sdp("DTLS: a=setup:" + std::string(setup_name(ours)) + " does not decide the DTLS role");
}

Result<DtlsRole> offerer_role(Setup answered) {
  if (answered == Setup::active) return DtlsRole::server;
  if (answered == Setup::passive) return DtlsRole::client;
  return Error::unusable_sdp("DTLS: the answer says a=setup:" + std::string(setup_name(answered)) +
                      "; an answer must say active or passive (RFC 5763)");
}

}  // namespace sipcall::media::dtls
