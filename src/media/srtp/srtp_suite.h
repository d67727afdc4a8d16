// The SRTP protection profiles we speak (RFC 3711, RFC 7714): their names in
// SDP (a=crypto, RFC 4568), their DTLS-SRTP profile numbers (RFC 5764) and
// the sizes of their master key, master salt and authentication tags.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sipcall::media {

enum class SrtpSuite {
  aes_cm_128_hmac_sha1_80,
  aes_cm_128_hmac_sha1_32,
  aead_aes_128_gcm,
  aead_aes_256_gcm,
};

struct SrtpSuiteInfo {
  SrtpSuite suite;
  std::string_view sdp_name;  // e.g. "AES_CM_128_HMAC_SHA1_80"
  uint16_t dtls_profile;      // DTLS-SRTP protection profile (RFC 5764 4.1.2, RFC 7714 14.2)
  size_t key_length;          // master key, bytes
  size_t salt_length;         // master salt, bytes
  size_t rtp_tag_length;      // bytes added to each SRTP packet
  size_t rtcp_tag_length;     // SRTCP: _32 still uses an 80-bit tag there (RFC 4568 6.2)
};

// Longest master key + salt of any suite above (AEAD_AES_256_GCM: 32 + 12).
inline constexpr size_t kMaxSrtpMasterLength = 44;

const SrtpSuiteInfo& srtp_suite_info(SrtpSuite suite);
inline size_t srtp_master_length(SrtpSuite suite) {
  const auto& i = srtp_suite_info(suite);
  return i.key_length + i.salt_length;
}
// Exact, case-sensitive: RFC 4568 registers the names in upper case.
std::optional<SrtpSuite> srtp_suite_from_sdp_name(std::string_view name);
std::optional<SrtpSuite> srtp_suite_from_dtls_profile(uint16_t profile);
// Every suite, in the order we prefer them (see srtp_suite.cpp for why).
std::span<const SrtpSuite> srtp_suites_by_preference();

}  // namespace sipcall::media
