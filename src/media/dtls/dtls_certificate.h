// Our DTLS identity: an ECDSA P-256 key and a self-signed X.509 certificate,
// made fresh for each process (RFC 8827 section 6.5: no long-term identity;
// the SDP fingerprint, carried over signalling, is what the peer checks).
#pragma once

#include <memory>
#include <optional>

#include "dtls_sdp.h"
#include "sipcall/error.h"

namespace sipcall::media::dtls {

class DtlsCertificate {
 public:
  // The process's certificate, generated on the first call (about a
  // millisecond of CPU, see tests/bench/dtls_bench.cpp) and shared after
  // that. Thread-safe.
  static Result<std::shared_ptr<const DtlsCertificate>> for_process();

  // A new key and certificate every time (tests, benchmarks).
  static Result<std::shared_ptr<const DtlsCertificate>> generate();

  ~DtlsCertificate();
  DtlsCertificate(const DtlsCertificate&) = delete;
  DtlsCertificate& operator=(const DtlsCertificate&) = delete;

  // sha-256 over the DER certificate: our a=fingerprint.
  const Fingerprint& fingerprint() const { return fingerprint_; }
  // The same certificate's digest by another hash (a peer may list several).
  std::optional<Fingerprint> fingerprint_with(FingerprintHash hash) const;

  struct Keys;  // OpenSSL's key and certificate: see dtls_openssl.h
  const Keys& keys() const { return *keys_; }

 private:
  DtlsCertificate(std::unique_ptr<Keys> keys, Fingerprint fingerprint);
  std::unique_ptr<Keys> keys_;
  Fingerprint fingerprint_;
};

}  // namespace sipcall::media::dtls
