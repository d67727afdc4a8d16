// What a DTLS-SRTP handshake yields (RFC 5764 section 4.2): the SRTP
// protection profile both ends chose and the master key and salt each end
// sends with. The integration maps these onto the SRTP session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace sipcall::media::dtls {

// Values are the profile ids of the IANA "DTLS-SRTP Protection Profiles"
// registry (RFC 5764 section 4.1.2, RFC 7714 section 14.2).
enum class SrtpProfile : uint16_t {
  aes128_cm_hmac_sha1_80 = 0x0001,
  aes128_cm_hmac_sha1_32 = 0x0002,
  aead_aes_128_gcm = 0x0007,
  aead_aes_256_gcm = 0x0008,
};

// Our preference, best first: what we put in use_srtp.
inline constexpr SrtpProfile profile_preference[] = {
    SrtpProfile::aead_aes_256_gcm,
    SrtpProfile::aead_aes_128_gcm,
    SrtpProfile::aes128_cm_hmac_sha1_80,
    SrtpProfile::aes128_cm_hmac_sha1_32,
};

std::string_view profile_name(SrtpProfile profile);  // "SRTP_AES128_CM_HMAC_SHA1_80" (RFC 5764)
std::string_view srtp_suite_name(SrtpProfile profile);  // "AES_CM_128_HMAC_SHA1_80" (RFC 4568/7714)
size_t master_key_length(SrtpProfile profile);   // bytes: 16, or 32 for AES-256-GCM
size_t master_salt_length(SrtpProfile profile);  // bytes: 14 for AES-CM, 12 for GCM
std::optional<SrtpProfile> profile_from_id(uint16_t id);

// Master key then master salt, as libsrtp takes them. The bytes are a
// secret: the type moves but does not copy, and wipes them when it dies.
class MasterKeySalt {
 public:
  MasterKeySalt() = default;
  MasterKeySalt(std::span<const uint8_t> key, std::span<const uint8_t> salt);
  ~MasterKeySalt();
  MasterKeySalt(MasterKeySalt&& other) noexcept;
  MasterKeySalt& operator=(MasterKeySalt&& other) noexcept;
  MasterKeySalt(const MasterKeySalt&) = delete;
  MasterKeySalt& operator=(const MasterKeySalt&) = delete;

  std::span<const uint8_t> key() const { return std::span(bytes_).first(key_length_); }
  std::span<const uint8_t> salt() const { return std::span(bytes_).subspan(key_length_); }
  std::span<const uint8_t> bytes() const { return bytes_; }  // key || salt
  bool empty() const { return bytes_.empty(); }

 private:
  void wipe();
  std::vector<uint8_t> bytes_;
  size_t key_length_ = 0;
};

struct DtlsSrtpKeys {
  SrtpProfile profile = SrtpProfile::aes128_cm_hmac_sha1_80;
  MasterKeySalt ours;    // we protect what we send with this
  MasterKeySalt theirs;  // the peer protects what it sends with this
};

}  // namespace sipcall::media::dtls
