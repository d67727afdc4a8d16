// libsrtp2 is loaded when a call first needs SRTP, not when sip-call
// starts. Debian's libsrtp2 runs on NSS, and linking it brought NSS, NSPR
// and their helpers into every process: about 0.9 MB more resident memory
// for a registration that never protects a packet (measured with
// /usr/bin/time, the same build with and without). Internal to
// src/media/srtp; srtp_session.cpp is the only caller.
#pragma once

#include <srtp2/srtp.h>

#include <string>

namespace sipcall::media {

// The libsrtp functions sip-call uses, resolved from the loaded library.
// The names drop the srtp_ prefix: api.create(...) is srtp_create(...).
struct SrtpApi {
  decltype(&::srtp_init) init;
  decltype(&::srtp_create) create;
  decltype(&::srtp_dealloc) dealloc;
  decltype(&::srtp_protect_mki) protect_mki;
  decltype(&::srtp_protect_rtcp_mki) protect_rtcp_mki;
  decltype(&::srtp_unprotect_mki) unprotect_mki;
  decltype(&::srtp_unprotect_rtcp_mki) unprotect_rtcp_mki;
  decltype(&::srtp_crypto_policy_set_rtp_default) crypto_policy_set_rtp_default;
  decltype(&::srtp_crypto_policy_set_rtcp_default) crypto_policy_set_rtcp_default;
  decltype(&::srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32) crypto_policy_set_aes_cm_128_hmac_sha1_32;
  decltype(&::srtp_crypto_policy_set_aes_gcm_128_16_auth) crypto_policy_set_aes_gcm_128_16_auth;
  decltype(&::srtp_crypto_policy_set_aes_gcm_256_16_auth) crypto_policy_set_aes_gcm_256_16_auth;
};

// Loads libsrtp2.so.1 at the first call (thread-safe) and keeps it for the
// life of the process. Null when it cannot be loaded or lacks a function;
// then *why_not (if given) says why.
const SrtpApi* srtp_api(std::string* why_not = nullptr);

}  // namespace sipcall::media
