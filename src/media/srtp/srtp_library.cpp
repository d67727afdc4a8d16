#include "media/srtp/srtp_library.h"

#include "media/audio/dynamic_library.h"

namespace sipcall::media {

namespace {

// Debian's runtime package (libsrtp2-1) ships only the versioned name.
constexpr const char* kLibraryName = "libsrtp2.so.1";

LoadedApi<SrtpApi> load() {
  LoadedApi<SrtpApi> out;
  void* handle = open_library(kLibraryName, out.error);
  if (!handle) return out;
  SrtpApi& a = out.api;
  std::string& e = out.error;
  auto find = [&](const char* symbol, auto& slot) { return resolve(handle, kLibraryName, symbol, slot, e); };
  out.ok = find("srtp_init", a.init) && find("srtp_create", a.create) && find("srtp_dealloc", a.dealloc) &&
           find("srtp_protect_mki", a.protect_mki) && find("srtp_protect_rtcp_mki", a.protect_rtcp_mki) &&
           find("srtp_unprotect_mki", a.unprotect_mki) && find("srtp_unprotect_rtcp_mki", a.unprotect_rtcp_mki) &&
           find("srtp_crypto_policy_set_rtp_default", a.crypto_policy_set_rtp_default) &&
           find("srtp_crypto_policy_set_rtcp_default", a.crypto_policy_set_rtcp_default) &&
           find("srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32", a.crypto_policy_set_aes_cm_128_hmac_sha1_32) &&
           find("srtp_crypto_policy_set_aes_gcm_128_16_auth", a.crypto_policy_set_aes_gcm_128_16_auth) &&
           find("srtp_crypto_policy_set_aes_gcm_256_16_auth", a.crypto_policy_set_aes_gcm_256_16_auth);
  return out;
}

}  // namespace

const SrtpApi* srtp_api(std::string* why_not) { return load_once<SrtpApi>([] { return load(); }, why_not); }

}  // namespace sipcall::media
