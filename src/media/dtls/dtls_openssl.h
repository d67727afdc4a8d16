// OpenSSL types behind the DTLS module's own headers; included only by the
// module's sources.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <optional>

#include "dtls_certificate.h"

namespace sipcall::media::dtls {

struct DtlsCertificate::Keys {
  EVP_PKEY* key = nullptr;
  X509* certificate = nullptr;
  ~Keys();
};

// The digest of a DER certificate with the given hash, as in a=fingerprint.
std::optional<Fingerprint> certificate_fingerprint(X509* certificate, FingerprintHash hash);

}  // namespace sipcall::media::dtls
