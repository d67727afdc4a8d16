// SRTP master key material: one direction's master key || master salt for
// one suite, and the MKI that marks its packets, if any. A secret: it wipes
// itself when it goes (and when it is moved from), and there is no way to
// print it; only sdes.cpp encodes it, for the a=crypto line that carries it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "media/srtp/srtp_suite.h"
#include "sipcall/error.h"

namespace sipcall::media {

// RFC 3711's Master Key Identifier: a number sent in `length` bytes after
// each packet. We handle 1 to 4 bytes (see sdes.h for why).
struct SrtpMki {
  uint32_t value = 0;
  uint8_t length = 0;
  bool operator==(const SrtpMki&) const = default;
};

class SrtpKeys {
 public:
  SrtpKeys() = default;  // empty: no suite, no key
  ~SrtpKeys();
  SrtpKeys(const SrtpKeys& other);
  SrtpKeys& operator=(const SrtpKeys& other);
  SrtpKeys(SrtpKeys&& other) noexcept;
  SrtpKeys& operator=(SrtpKeys&& other) noexcept;

  // key_and_salt must be exactly srtp_master_length(suite) bytes.
  static Result<SrtpKeys> from_bytes(SrtpSuite suite, std::span<const uint8_t> key_and_salt,
                                     std::optional<SrtpMki> mki = std::nullopt);
  // Fresh key and salt from the kernel's CSPRNG (getrandom), no MKI.
  static Result<SrtpKeys> generate(SrtpSuite suite);

  bool empty() const { return size_ == 0; }
  SrtpSuite suite() const { return suite_; }
  const std::optional<SrtpMki>& mki() const { return mki_; }
  std::span<const uint8_t> key_and_salt() const { return {bytes_.data(), size_}; }

  // Constant time, so that a comparison tells nothing about where keys differ.
  bool operator==(const SrtpKeys& other) const;

 private:
  void wipe();

  SrtpSuite suite_ = SrtpSuite::aes_cm_128_hmac_sha1_80;
  std::optional<SrtpMki> mki_;
  std::array<uint8_t, kMaxSrtpMasterLength> bytes_{};
  uint8_t size_ = 0;
};

// Fills out from the kernel's CSPRNG; an Error only if getrandom fails.
Error fill_random(std::span<uint8_t> out);

}  // namespace sipcall::media
