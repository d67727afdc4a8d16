#include "media/srtp/srtp_keys.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sipcall::media {

SrtpKeys::~SrtpKeys() { wipe(); }

SrtpKeys::SrtpKeys(const SrtpKeys& other)
    : suite_(other.suite_), mki_(other.mki_), bytes_(other.bytes_), size_(other.size_) {}

SrtpKeys& SrtpKeys::operator=(const SrtpKeys& other) {
  if (this != &other) {
    suite_ = other.suite_;
    mki_ = other.mki_;
    bytes_ = other.bytes_;
    size_ = other.size_;
  }
  return *this;
}

SrtpKeys::SrtpKeys(SrtpKeys&& other) noexcept : SrtpKeys(other) { other.wipe(); }

SrtpKeys& SrtpKeys::operator=(SrtpKeys&& other) noexcept {
  if (this != &other) {
    *this = other;
    other.wipe();
  }
  return *this;
}

void SrtpKeys::wipe() {
  // explicit_bzero: a plain memset of memory about to die may be optimised away.
  explicit_bzero(bytes_.data(), bytes_.size());
  size_ = 0;
  mki_.reset();
}

Result<SrtpKeys> SrtpKeys::from_bytes(SrtpSuite suite, std::span<const uint8_t> key_and_salt,
                                      std::optional<SrtpMki> mki) {
  const size_t want = srtp_master_length(suite);
  if (key_and_salt.size() != want)
    return Error::unusable_sdp(std::string(srtp_suite_info(suite).sdp_name) + " needs " + std::to_string(want) +
                        " bytes of key and salt, not " + std::to_string(key_and_salt.size()));
  if (mki) {
    if (mki->length < 1 || mki->length > 4)
      return Error::unusable_sdp("MKI of " + std::to_string(mki->length) + " bytes (we handle 1 to 4)");
    if (mki->length < 4 && mki->value >> (8 * mki->length) != 0)
      return Error::unusable_sdp("MKI value does not fit in " + std::to_string(mki->length) + " bytes");
  }
  SrtpKeys keys;
  keys.suite_ = suite;
  keys.mki_ = mki;
  std::memcpy(keys.bytes_.data(), key_and_salt.data(), want);
  keys.size_ = static_cast<uint8_t>(want);
  return keys;
}

Result<SrtpKeys> SrtpKeys::generate(SrtpSuite suite) {
  SrtpKeys keys;
  const size_t n = srtp_master_length(suite);
  if (Error e = fill_random({keys.bytes_.data(), n})) return e;
  keys.suite_ = suite;
  keys.size_ = static_cast<uint8_t>(n);
  return keys;
}

bool SrtpKeys::operator==(const SrtpKeys& other) const {
  if (size_ != other.size_ || suite_ != other.suite_ || mki_ != other.mki_) return false;
  uint8_t diff = 0;
  for (size_t i = 0; i < size_; ++i) diff |= static_cast<uint8_t>(bytes_[i] ^ other.bytes_[i]);
  return diff == 0;
}

Error fill_random(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t got = getrandom(out.data() + done, out.size() - done, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return Error::internal(std::string("getrandom: ") + std::strerror(errno));
    }
    done += static_cast<size_t>(got);
  }
  return {};
}

}  // namespace sipcall::media
