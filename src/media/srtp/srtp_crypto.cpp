// SHA1_Init and friends are deprecated in OpenSSL 3 in favour of EVP, whose
// per-call overhead is what HmacSha1 avoids (srtp_crypto.h); they remain,
// with the same assembly (SHA extensions, AVX2) behind them.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "media/srtp/srtp_crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <climits>
#include <string>

namespace sipcall::media::srtp_crypto {

namespace {

const EVP_CIPHER* ecb_cipher(size_t key_length) {
  return key_length == 16 ? EVP_aes_128_ecb() : key_length == 32 ? EVP_aes_256_ecb() : nullptr;
}

constexpr size_t kBlock = 16;
constexpr size_t kSha1Block = 64;

const EVP_CIPHER* gcm_cipher(size_t key_length) {
  return key_length == 16 ? EVP_aes_128_gcm() : key_length == 32 ? EVP_aes_256_gcm() : nullptr;
}

bool fits_int(size_t n) { return n <= static_cast<size_t>(INT_MAX); }

}  // namespace

void AesCounter::Free::operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
void AesGcm::Free::operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }

Result<AesCounter> AesCounter::create(std::span<const uint8_t> key) {
  const EVP_CIPHER* cipher = ecb_cipher(key.size());
  if (!cipher) return Error::internal("SRTP: AES-CM needs a 128- or 256-bit key");
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx || EVP_EncryptInit_ex(ctx, cipher, nullptr, key.data(), nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    return Error::internal("SRTP: AES-CM cannot be set up (OpenSSL)");
  }
  return AesCounter(ctx);
}

Error AesCounter::apply(const Iv16& iv, std::span<uint8_t> data) {
  // Block i's counter is iv + i (RFC 3711 4.1.1); iv's last 16 bits are
  // zero and a packet has fewer than 2^16 blocks, so i fills just them.
  constexpr size_t kChunk = 32;  // blocks a round: 512 bytes of key stream on the stack
  std::array<uint8_t, kChunk * kBlock> counters, stream;
  size_t block = 0;
  for (size_t done = 0; done < data.size();) {
    const size_t bytes = std::min(data.size() - done, counters.size());
    const size_t blocks = (bytes + kBlock - 1) / kBlock;
    if (block + blocks > 0x10000) return Error::internal("SRTP: AES-CM over more than 2^16 blocks");
    for (size_t b = 0; b < blocks; ++b, ++block) {
      uint8_t* c = counters.data() + b * kBlock;
      std::copy(iv.begin(), iv.end(), c);
      c[14] = static_cast<uint8_t>(block >> 8);
      c[15] = static_cast<uint8_t>(block);
    }
    int n = 0;
    if (EVP_EncryptUpdate(ctx_.get(), stream.data(), &n, counters.data(), static_cast<int>(blocks * kBlock)) != 1 ||
        n != static_cast<int>(blocks * kBlock))
      return Error::internal("SRTP: AES-CM failed (OpenSSL)");
    for (size_t i = 0; i < bytes; ++i) data[done + i] ^= stream[i];
    done += bytes;
  }
  OPENSSL_cleanse(stream.data(), stream.size());
  return {};
}

struct HmacSha1::State {
  SHA_CTX inner;  // after the key XOR ipad
  SHA_CTX outer;  // after the key XOR opad
  ~State() { OPENSSL_cleanse(this, sizeof *this); }
};

HmacSha1::HmacSha1(std::unique_ptr<State> state) : state_(std::move(state)) {}
HmacSha1::~HmacSha1() = default;
HmacSha1::HmacSha1(HmacSha1&&) noexcept = default;
HmacSha1& HmacSha1::operator=(HmacSha1&&) noexcept = default;

Result<HmacSha1> HmacSha1::create(std::span<const uint8_t> key) {
  // RFC 2104; SRTP's authentication keys are 20 bytes, below SHA-1's block.
  if (key.size() > kSha1Block) return Error::internal("SRTP: HMAC-SHA1 key longer than a block");
  std::array<uint8_t, kSha1Block> ipad, opad;
  ipad.fill(0x36);
  opad.fill(0x5c);
  for (size_t i = 0; i < key.size(); ++i) {
    ipad[i] ^= key[i];
    opad[i] ^= key[i];
  }
  auto state = std::make_unique<State>();
  const bool ok = SHA1_Init(&state->inner) == 1 && SHA1_Update(&state->inner, ipad.data(), ipad.size()) == 1 &&
                  SHA1_Init(&state->outer) == 1 && SHA1_Update(&state->outer, opad.data(), opad.size()) == 1;
  OPENSSL_cleanse(ipad.data(), ipad.size());
  OPENSSL_cleanse(opad.data(), opad.size());
  if (!ok) return Error::internal("SRTP: HMAC-SHA1 cannot be set up (OpenSSL)");
  return HmacSha1(std::move(state));
}

Error HmacSha1::mac(std::span<const uint8_t> first, std::span<const uint8_t> second,
                    std::array<uint8_t, kHmacSha1Length>& out) {
  SHA_CTX ctx = state_->inner;
  std::array<uint8_t, SHA_DIGEST_LENGTH> inner;
  bool ok = SHA1_Update(&ctx, first.data(), first.size()) == 1 &&
            SHA1_Update(&ctx, second.data(), second.size()) == 1 && SHA1_Final(inner.data(), &ctx) == 1;
  ctx = state_->outer;
  ok = ok && SHA1_Update(&ctx, inner.data(), inner.size()) == 1 && SHA1_Final(out.data(), &ctx) == 1;
  OPENSSL_cleanse(&ctx, sizeof ctx);
  if (!ok) return Error::internal("SRTP: HMAC-SHA1 failed (OpenSSL)");
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
