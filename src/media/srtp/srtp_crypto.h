// The ciphers SRTP is made of (RFC 3711, RFC 7714), on OpenSSL's libcrypto:
// AES in counter mode (AES-CM), HMAC-SHA1, AES-GCM, and RFC 3711's key
// derivation. Each object takes its key once and keeps it inside OpenSSL,
// which wipes it when the object goes; per packet only an IV changes, so
// no key schedule is recomputed and nothing is allocated.
//
// Not thread-safe: one object is one thread's (srtp_session.h keeps one set
// per direction). Internal to src/media/srtp.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "sipcall/error.h"

// OpenSSL's context types, by their struct tags, so that this header needs
// no OpenSSL header.
struct evp_cipher_ctx_st;

namespace sipcall::media::srtp_crypto {

using Iv16 = std::array<uint8_t, 16>;
using Iv12 = std::array<uint8_t, 12>;
inline constexpr size_t kHmacSha1Length = 20;
inline constexpr size_t kGcmTagLength = 16;

// AES-CM with a 128- or 256-bit key: XORs the key stream that starts at iv
// into data, in place (encrypting and decrypting are the same). The
// counter blocks go through one AES-ECB context that is never set up
// again: re-initialising an EVP counter-mode context for each packet's IV
// cost more than the encryption (perf of a call: EVP_CipherInit_ex and
// its parameter handling).
class AesCounter {
 public:
  static Result<AesCounter> create(std::span<const uint8_t> key);
  Error apply(const Iv16& iv, std::span<uint8_t> data);

 private:
  struct Free { void operator()(evp_cipher_ctx_st*) const; };
  explicit AesCounter(evp_cipher_ctx_st* ctx) : ctx_(ctx) {}
  std::unique_ptr<evp_cipher_ctx_st, Free> ctx_;
};

// HMAC-SHA1 over the concatenation of two byte ranges (SRTP authenticates
// the packet followed by its rollover counter, which is not in the packet).
// The key's inner and outer SHA-1 states are computed once and copied per
// packet: a struct copy, where OpenSSL 3's EVP_MAC re-init allocated,
// freed and looked parameters up by name each time (a sixth of an SDES
// call's CPU in perf).
class HmacSha1 {
 public:
  static Result<HmacSha1> create(std::span<const uint8_t> key);
  ~HmacSha1();
  HmacSha1(HmacSha1&&) noexcept;
  HmacSha1& operator=(HmacSha1&&) noexcept;
  Error mac(std::span<const uint8_t> first, std::span<const uint8_t> second,
            std::array<uint8_t, kHmacSha1Length>& out);

 private:
  struct State;
  explicit HmacSha1(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// AES-GCM with a 128- or 256-bit key and a 16-byte tag, one direction.
// The additional authenticated data may be given in two pieces (SRTCP's
// header and its index are not adjacent in the packet).
class AesGcm {
 public:
  static Result<AesGcm> create(std::span<const uint8_t> key, bool encrypt);
  // Encrypts data in place and writes the tag.
  Error seal(const Iv12& iv, std::span<const uint8_t> aad1, std::span<const uint8_t> aad2, std::span<uint8_t> data,
             std::span<uint8_t, kGcmTagLength> tag);
  // Decrypts data in place; false when the tag does not match (data is
  // then garbage, which the caller wipes).
  bool open(const Iv12& iv, std::span<const uint8_t> aad1, std::span<const uint8_t> aad2, std::span<uint8_t> data,
            std::span<const uint8_t, kGcmTagLength> tag);

 private:
  struct Free { void operator()(evp_cipher_ctx_st*) const; };
  explicit AesGcm(evp_cipher_ctx_st* ctx) : ctx_(ctx) {}
  std::unique_ptr<evp_cipher_ctx_st, Free> ctx_;
};

// RFC 3711 4.3.1 with a key derivation rate of 0: the session key, salt or
// authentication key of `label` (0..5), from the master key (16 or 32
// bytes) and master salt (14 bytes; AES-GCM's 12-byte salt padded with two
// zero bytes, RFC 7714 11), by AES-CM with the master key.
Error derive_session_key(std::span<const uint8_t> master_key, std::span<const uint8_t, 14> master_salt, uint8_t label,
                         std::span<uint8_t> out);

// Constant time: tells nothing about where two tags differ.
bool same_bytes(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace sipcall::media::srtp_crypto
