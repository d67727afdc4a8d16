#include "media/srtp/srtp_suite.h"

#include <array>

namespace sipcall::media {

namespace {

constexpr std::array<SrtpSuiteInfo, 4> kSuites{{
    {SrtpSuite::aes_cm_128_hmac_sha1_80, "AES_CM_128_HMAC_SHA1_80", 0x0001, 16, 14, 10, 10},
    {SrtpSuite::aes_cm_128_hmac_sha1_32, "AES_CM_128_HMAC_SHA1_32", 0x0002, 16, 14, 4, 10},
    {SrtpSuite::aead_aes_128_gcm, "AEAD_AES_128_GCM", 0x0007, 16, 12, 16, 16},
    {SrtpSuite::aead_aes_256_gcm, "AEAD_AES_256_GCM", 0x0008, 32, 12, 16, 16},
}};

// AES_CM_128_HMAC_SHA1_80 first: it is the one suite every SDES and
// DTLS-SRTP peer has (RFC 5764 makes it mandatory; Asterisk, FreeSWITCH,
// baresip and Chrome all offer it first), so an answerer that takes the
// first one it knows lands on the most tested path. The AEAD suites follow
// (stronger, one pass over the payload), the 32-bit tag last: it saves 6
// bytes a packet but leaves forgery at 2^-32 per try.
constexpr std::array<SrtpSuite, 4> kPreference{
    SrtpSuite::aes_cm_128_hmac_sha1_80,
    SrtpSuite::aead_aes_256_gcm,
    SrtpSuite::aead_aes_128_gcm,
    SrtpSuite::aes_cm_128_hmac_sha1_32,
};

}  // namespace

const SrtpSuiteInfo& srtp_suite_info(SrtpSuite suite) {
  for (const auto& info : kSuites)
    if (info.suite == suite) return info;
  return kSuites[0];  // unreachable: every enumerator is in the table
}

std::optional<SrtpSuite> srtp_suite_from_sdp_name(std::string_view name) {
  for (const auto& info : kSuites)
    if (info.sdp_name == name) return info.suite;
  return std::nullopt;
}

std::optional<SrtpSuite> srtp_suite_from_dtls_profile(uint16_t profile) {
  for (const auto& info : kSuites)
    if (info.dtls_profile == profile) return info.suite;
  return std::nullopt;
}

std::span<const SrtpSuite> srtp_suites_by_preference() { return kPreference; }

}  // namespace sipcall::media
