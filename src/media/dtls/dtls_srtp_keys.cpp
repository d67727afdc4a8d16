#include "dtls_srtp_keys.h"

#include <openssl/crypto.h>

namespace sipcall::media::dtls {

namespace {

struct ProfileInfo {
  SrtpProfile profile;
  std::string_view name;
  std::string_view suite;
  size_t key;
  size_t salt;
};

constexpr ProfileInfo profiles[] = {
    {SrtpProfile::aes128_cm_hmac_sha1_80, "SRTP_AES128_CM_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_80", 16, 14},
    {SrtpProfile::aes128_cm_hmac_sha1_32, "SRTP_AES128_CM_HMAC_SHA1_32", "AES_CM_128_HMAC_SHA1_32", 16, 14},
    {SrtpProfile::aead_aes_128_gcm, "SRTP_AEAD_AES_128_GCM", "AEAD_AES_128_GCM", 16, 12},
    {SrtpProfile::aead_aes_256_gcm, "SRTP_AEAD_AES_256_GCM", "AEAD_AES_256_GCM", 32, 12},
};

const ProfileInfo& info(SrtpProfile profile) {
  for (const auto& p : profiles)
    if (p.profile == profile) return p;
  return profiles[0];
}

}  // namespace

std::string_view profile_name(SrtpProfile profile) { return info(profile).name; }
std::string_view srtp_suite_name(SrtpProfile profile) { return info(profile).suite; }
size_t master_key_length(SrtpProfile profile) { return info(profile).key; }
size_t master_salt_length(SrtpProfile profile) { return info(profile).salt; }

std::optional<SrtpProfile> profile_from_id(uint16_t id) {
  for (const auto& p : profiles)
    if (static_cast<uint16_t>(p.profile) == id) return p.profile;
  return std::nullopt;
}

MasterKeySalt::MasterKeySalt(std::span<const uint8_t> key, std::span<const uint8_t> salt) : key_length_(key.size()) {
  bytes_.reserve(key.size() + salt.size());  // one allocation: no stale copy left behind by growth
  bytes_.insert(bytes_.end(), key.begin(), key.end());
  bytes_.insert(bytes_.end(), salt.begin(), salt.end());
}

MasterKeySalt::~MasterKeySalt() { wipe(); }

MasterKeySalt::MasterKeySalt(MasterKeySalt&& other) noexcept
    : bytes_(std::move(other.bytes_)), key_length_(other.key_length_) {
  other.bytes_.clear();
  other.key_length_ = 0;
}

MasterKeySalt& MasterKeySalt::operator=(MasterKeySalt&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
    key_length_ = other.key_length_;
    other.bytes_.clear();
    other.key_length_ = 0;
  }
  return *this;
}

void MasterKeySalt::wipe() {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  bytes_.clear();
  key_length_ = 0;
}

}  // namespace sipcall::media::dtls
