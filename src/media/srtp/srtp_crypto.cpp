#include "media/srtp/srtp_crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <climits>
#include <string>

namespace sipcall::media::srtp_crypto {

namespace {

const EVP_CIPHER* ctr_cipher(size_t key_length) {
  return key_length == 16 ? EVP_aes_128_ctr() : key_length == 32 ? EVP_aes_256_ctr() : nullptr;
}

const EVP_CIPHER* gcm_cipher(size_t key_length) {
  return key_length == 16 ? EVP_aes_128_gcm() : key_length == 32 ? EVP_aes_256_gcm() : nullptr;
}

bool fits_int(size_t n) { return n <= static_cast<size_t>(INT_MAX); }

}  // namespace

void AesCounter::Free::operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
void HmacSha1::Free::operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
void AesGcm::Free::operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }

Result<AesCounter> AesCounter::create(std::span<const uint8_t> key) {
  const EVP_CIPHER* cipher = ctr_cipher(key.size());
  if (!cipher) return Error::internal("SRTP: AES-CM needs a 128- or 256-bit key");
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx || EVP_EncryptInit_ex(ctx, cipher, nullptr, key.data(), nullptr) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    return Error::internal("SRTP: AES-CM cannot be set up (OpenSSL)");
  }
  return AesCounter(ctx);
}

Error AesCounter::apply(const Iv16& iv, std::span<uint8_t> data) {
  auto* ctx = ctx_.get();
  int n = 0;
  // A new IV on the same key: counter mode restarts its key stream there.
  if (!fits_int(data.size()) || EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv.data()) != 1 ||
      EVP_EncryptUpdate(ctx, data.data(), &n, data.data(), static_cast<int>(data.size())) != 1)
    return Error::internal("SRTP: AES-CM failed (OpenSSL)");
  return {};
}

Result<HmacSha1> HmacSha1::create(std::span<const uint8_t> key) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = mac ? EVP_MAC_CTX_new(mac) : nullptr;
  EVP_MAC_free(mac);  // the context holds its own reference
  char digest[] = "SHA1";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
  if (!ctx || EVP_MAC_init(ctx, key.data(), key.size(), params) != 1) {
    EVP_MAC_CTX_free(ctx);
    return Error::internal("SRTP: HMAC-SHA1 cannot be set up (OpenSSL)");
  }
  return HmacSha1(ctx);
}

Error HmacSha1::mac(std::span<const uint8_t> first, std::span<const uint8_t> second,
                    std::array<uint8_t, kHmacSha1Length>& out) {
  auto* ctx = ctx_.get();
  size_t n = 0;
  // A null key restarts the MAC with the key it already has (OpenSSL 3).
  if (EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1 || EVP_MAC_update(ctx, first.data(), first.size()) != 1 ||
      EVP_MAC_update(ctx, second.data(), second.size()) != 1 || EVP_MAC_final(ctx, out.data(), &n, out.size()) != 1 ||
      n != out.size())
    return Error::internal("SRTP: HMAC-SHA1 failed (OpenSSL)");
  return {};
}

Result<AesGcm> AesGcm::create(std::span<const uint8_t> key, bool encrypt) {
  const EVP_CIPHER* cipher = gcm_cipher(key.size());
  if (!cipher) return Error::internal("SRTP: AES-GCM needs a 128- or 256-bit key");
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  // The default IV length of OpenSSL's GCM is RFC 7714's 12 bytes.
  if (!ctx || EVP_CipherInit_ex(ctx, cipher, nullptr, key.data(), nullptr, encrypt ? 1 : 0) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    return Error::internal("SRTP: AES-GCM cannot be set up (OpenSSL)");
  }
  return AesGcm(ctx);
}

Error AesGcm::seal(const Iv12& iv, std::span<const uint8_t> aad1, std::span<const uint8_t> aad2,
                   std::span<uint8_t> data, std::span<uint8_t, kGcmTagLength> tag) {
  auto* ctx = ctx_.get();
  int n = 0;
  if (!fits_int(aad1.size()) || !fits_int(aad2.size()) || !fits_int(data.size()) ||
      EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv.data()) != 1 ||
      EVP_EncryptUpdate(ctx, nullptr, &n, aad1.data(), static_cast<int>(aad1.size())) != 1 ||
      (!aad2.empty() && EVP_EncryptUpdate(ctx, nullptr, &n, aad2.data(), static_cast<int>(aad2.size())) != 1) ||
      (!data.empty() && EVP_EncryptUpdate(ctx, data.data(), &n, data.data(), static_cast<int>(data.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx, data.data() + data.size(), &n) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagLength), tag.data()) != 1)
    return Error::internal("SRTP: AES-GCM failed (OpenSSL)");
  return {};
}

bool AesGcm::open(const Iv12& iv, std::span<const uint8_t> aad1, std::span<const uint8_t> aad2,
                  std::span<uint8_t> data, std::span<const uint8_t, kGcmTagLength> tag) {
  auto* ctx = ctx_.get();
  int n = 0;
  // OpenSSL takes the expected tag through a non-const pointer; it only reads it.
  std::array<uint8_t, kGcmTagLength> expected;
  std::copy(tag.begin(), tag.end(), expected.begin());
  return fits_int(aad1.size()) && fits_int(aad2.size()) && fits_int(data.size()) &&
         EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, iv.data()) == 1 &&
         EVP_DecryptUpdate(ctx, nullptr, &n, aad1.data(), static_cast<int>(aad1.size())) == 1 &&
         (aad2.empty() || EVP_DecryptUpdate(ctx, nullptr, &n, aad2.data(), static_cast<int>(aad2.size())) == 1) &&
         (data.empty() || EVP_DecryptUpdate(ctx, data.data(), &n, data.data(), static_cast<int>(data.size())) == 1) &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTagLength), expected.data()) == 1 &&
         EVP_DecryptFinal_ex(ctx, data.data() + data.size(), &n) == 1;
}

Error derive_session_key(std::span<const uint8_t> master_key, std::span<const uint8_t, 14> master_salt, uint8_t label,
                         std::span<uint8_t> out) {
  // x = key_id XOR master_salt, key_id = label || r with r = 0 (no
  // re-derivation), right-aligned: the label lands on byte 7 of 14. The
  // key stream of AES-CM from IV x * 2^16 is the key.
  Iv16 iv{};
  std::copy(master_salt.begin(), master_salt.end(), iv.begin());
  iv[7] ^= label;
  auto prf = AesCounter::create(master_key);
  if (!prf.ok()) return prf.error();
  std::fill(out.begin(), out.end(), 0);
  return prf->apply(iv, out);
}

bool same_bytes(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sipcall::media::srtp_crypto
