#include "dtls_certificate.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <mutex>

#include "dtls_openssl.h"

namespace sipcall::media::dtls {

namespace {

// Short-lived: the certificate lives as long as the process. A day's slack
// before now covers a peer whose clock is behind (browsers check the dates
// of a DTLS certificate although it is self-signed); 30 days after is what
// WebRTC stacks use for their own.
constexpr long not_before_slack_s = 24L * 3600;
constexpr long validity_s = 30L * 24 * 3600;

// Names nothing: no host, no user, no account.
constexpr const char* common_name = "sip-call";

const EVP_MD* digest_for(FingerprintHash hash) {
  switch (hash) {
    case FingerprintHash::sha1: return EVP_sha1();
    case FingerprintHash::sha224: return EVP_sha224();
    case FingerprintHash::sha256: return EVP_sha256();
    case FingerprintHash::sha384: return EVP_sha384();
    case FingerprintHash::sha512: return EVP_sha512();
  }
  return EVP_sha256();
}

Error failed(const char* step) { return Error::internal(std::string("DTLS: cannot make our certificate (") + step + ")"); }

}  // namespace

DtlsCertificate::Keys::~Keys() {
  X509_free(certificate);
  EVP_PKEY_free(key);
}

std::optional<Fingerprint> certificate_fingerprint(X509* certificate, FingerprintHash hash) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!certificate || X509_digest(certificate, digest_for(hash), md, &length) != 1) return std::nullopt;
  if (length != digest_length(hash)) return std::nullopt;
  return Fingerprint{hash, std::vector<uint8_t>(md, md + length)};
}

DtlsCertificate::DtlsCertificate(std::unique_ptr<Keys> keys, Fingerprint fingerprint)
    : keys_(std::move(keys)), fingerprint_(std::move(fingerprint)) {}

DtlsCertificate::~DtlsCertificate() = default;

std::optional<Fingerprint> DtlsCertificate::fingerprint_with(FingerprintHash hash) const {
  return certificate_fingerprint(keys_->certificate, hash);
}

Result<std::shared_ptr<const DtlsCertificate>> DtlsCertificate::generate() {
  auto keys = std::make_unique<Keys>();
  keys->key = EVP_EC_gen("P-256");
  if (!keys->key) return failed("P-256 key");
  keys->certificate = X509_new();
  X509* cert = keys->certificate;
  if (!cert) return failed("X509_new");

  // A random positive 64-bit serial: two certificates of ours never share one.
  unsigned char serial_bytes[8];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) return failed("random serial");
  serial_bytes[0] &= 0x7f;
  BIGNUM* serial = BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr);
  const bool serial_ok = serial && BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert));
  BN_free(serial);
  if (!serial_ok) return failed("serial");

  X509_NAME* name = X509_get_subject_name(cert);
  if (X509_set_version(cert, 2) != 1 ||  // v3
      !X509_gmtime_adj(X509_getm_notBefore(cert), -not_before_slack_s) ||
      !X509_gmtime_adj(X509_getm_notAfter(cert), validity_s) ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert, name) != 1 || X509_set_pubkey(cert, keys->key) != 1)
    return failed("fields");
  if (X509_sign(cert, keys->key, EVP_sha256()) <= 0) return failed("signature");

  auto fingerprint = certificate_fingerprint(cert, FingerprintHash::sha256);
  if (!fingerprint) return failed("fingerprint");
  return std::shared_ptr<const DtlsCertificate>(new DtlsCertificate(std::move(keys), std::move(*fingerprint)));
}

Result<std::shared_ptr<const DtlsCertificate>> DtlsCertificate::for_process() {
  // OpenSSL first: its atexit cleanup then runs after `made` is freed, not before.
  static const bool openssl_ready = OPENSSL_init_crypto(0, nullptr) == 1;
  static std::mutex mutex;
  static std::shared_ptr<const DtlsCertificate> made;
  if (!openssl_ready) return failed("OpenSSL init");
  std::lock_guard lock(mutex);
  if (made) return made;
  auto fresh = generate();
  if (!fresh.ok()) return fresh.error();
  made = fresh.value();
  return made;
}

}  // namespace sipcall::media::dtls
