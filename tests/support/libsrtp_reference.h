// libsrtp2 (Debian's, the SRTP of Janus, baresip and Asterisk) behind the
// same calls as our SrtpSession: the independent implementation the unit
// tests check ours against packet by packet, and the bench compares with.
// Tests and benchmarks only; sip-call itself does not use libsrtp2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "media/srtp/srtp_keys.h"

namespace sipcall::testing {

class LibsrtpReference {
 public:
  // ours protects, theirs unprotects, as in SrtpSession::create. Null when
  // libsrtp refuses the keys.
  static std::unique_ptr<LibsrtpReference> create(const media::SrtpKeys& ours, const media::SrtpKeys& theirs);
  ~LibsrtpReference();

  // In place, as SrtpSession; nullopt when libsrtp reports an error.
  std::optional<size_t> protect_rtp(std::span<uint8_t> buffer, size_t length);
  std::optional<size_t> protect_rtcp(std::span<uint8_t> buffer, size_t length);
  std::optional<size_t> unprotect_rtp(std::span<uint8_t> packet);
  std::optional<size_t> unprotect_rtcp(std::span<uint8_t> packet);

  struct Impl;

 private:
  explicit LibsrtpReference(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sipcall::testing
