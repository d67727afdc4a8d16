#include "libsrtp_reference.h"

#include <srtp2/srtp.h>

#include <array>
#include <cstring>
#include <mutex>

namespace sipcall::testing {

using media::SrtpKeys;
using media::SrtpSuite;

namespace {

void set_policy(SrtpSuite suite, srtp_policy_t& p) {
  switch (suite) {
    case SrtpSuite::aes_cm_128_hmac_sha1_80:
      srtp_crypto_policy_set_rtp_default(&p.rtp);
      srtp_crypto_policy_set_rtcp_default(&p.rtcp);
      break;
    case SrtpSuite::aes_cm_128_hmac_sha1_32:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
      srtp_crypto_policy_set_rtcp_default(&p.rtcp);  // SRTCP keeps its 80-bit tag (RFC 4568 6.2.2)
      break;
    case SrtpSuite::aead_aes_128_gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
      break;
    case SrtpSuite::aead_aes_256_gcm:
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtp);
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&p.rtcp);
      break;
  }
}

srtp_t make_context(const SrtpKeys& keys, srtp_ssrc_type_t direction) {
  srtp_policy_t p;
  std::memset(&p, 0, sizeof p);
  set_policy(keys.suite(), p);
  p.ssrc.type = direction;
  p.window_size = 128;
  std::array<uint8_t, media::kMaxSrtpMasterLength> key{};
  std::memcpy(key.data(), keys.key_and_salt().data(), keys.key_and_salt().size());
  std::array<uint8_t, 4> mki_id{};
  srtp_master_key_t master{};
  srtp_master_key_t* masters[1] = {&master};
  if (const auto& mki = keys.mki()) {
    for (uint8_t i = 0; i < mki->length; ++i) mki_id[i] = static_cast<uint8_t>(mki->value >> (8 * (mki->length - 1 - i)));
    master.key = key.data();
    master.mki_id = mki_id.data();
    master.mki_size = mki->length;
    p.keys = masters;
    p.num_master_keys = 1;
  } else {
    p.key = key.data();
  }
  srtp_t ctx = nullptr;
  if (srtp_create(&ctx, &p) != srtp_err_status_ok) return nullptr;
  return ctx;
}

}  // namespace

struct LibsrtpReference::Impl {
  srtp_t out = nullptr;
  srtp_t in = nullptr;
  unsigned our_mki = 0;
  unsigned their_mki = 0;
  ~Impl() {
    if (out) srtp_dealloc(out);
    if (in) srtp_dealloc(in);
  }
};

LibsrtpReference::LibsrtpReference(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LibsrtpReference::~LibsrtpReference() = default;

std::unique_ptr<LibsrtpReference> LibsrtpReference::create(const SrtpKeys& ours, const SrtpKeys& theirs) {
  static std::once_flag once;
  std::call_once(once, [] { srtp_init(); });
  auto impl = std::make_unique<Impl>();
  impl->out = make_context(ours, ssrc_any_outbound);
  impl->in = make_context(theirs, ssrc_any_inbound);
  impl->our_mki = ours.mki() ? 1 : 0;
  impl->their_mki = theirs.mki() ? 1 : 0;
  if (!impl->out || !impl->in) return nullptr;
  return std::unique_ptr<LibsrtpReference>(new LibsrtpReference(std::move(impl)));
}

std::optional<size_t> LibsrtpReference::protect_rtp(std::span<uint8_t> buffer, size_t length) {
  int n = static_cast<int>(length);
  if (srtp_protect_mki(impl_->out, buffer.data(), &n, impl_->our_mki, 0) != srtp_err_status_ok) return std::nullopt;
  return static_cast<size_t>(n);
}

std::optional<size_t> LibsrtpReference::protect_rtcp(std::span<uint8_t> buffer, size_t length) {
  int n = static_cast<int>(length);
  if (srtp_protect_rtcp_mki(impl_->out, buffer.data(), &n, impl_->our_mki, 0) != srtp_err_status_ok)
    return std::nullopt;
  return static_cast<size_t>(n);
}

std::optional<size_t> LibsrtpReference::unprotect_rtp(std::span<uint8_t> packet) {
  int n = static_cast<int>(packet.size());
  if (srtp_unprotect_mki(impl_->in, packet.data(), &n, impl_->their_mki) != srtp_err_status_ok) return std::nullopt;
  return static_cast<size_t>(n);
}

std::optional<size_t> LibsrtpReference::unprotect_rtcp(std::span<uint8_t> packet) {
  int n = static_cast<int>(packet.size());
  if (srtp_unprotect_rtcp_mki(impl_->in, packet.data(), &n, impl_->their_mki) != srtp_err_status_ok)
    return std::nullopt;
  return static_cast<size_t>(n);
}

}  // namespace sipcall::testing
