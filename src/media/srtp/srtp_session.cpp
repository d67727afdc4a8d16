#include "media/srtp/srtp_session.h"

#include "media/srtp/srtp_library.h"

#include <array>
#include <future>
#include <cstring>
#include <string>

namespace sipcall::media {

namespace {

// Set by prepare_srtp() before any session exists; every call below comes
// after a successful one.
const SrtpApi* api = nullptr;

void set_crypto_policy(SrtpSuite suite, srtp_policy_t& p) {
  using Setter = void (*)(srtp_crypto_policy_t*);
  // AES_CM_128_HMAC_SHA1_80 is libsrtp's default; _32 keeps 80 bits for SRTCP (RFC 4568 6.2.2).
  Setter rtp = api->crypto_policy_set_rtp_default, rtcp = api->crypto_policy_set_rtcp_default;
  switch (suite) {
    case SrtpSuite::aes_cm_128_hmac_sha1_80: break;
    case SrtpSuite::aes_cm_128_hmac_sha1_32: rtp = api->crypto_policy_set_aes_cm_128_hmac_sha1_32; break;
    case SrtpSuite::aead_aes_128_gcm: rtp = rtcp = api->crypto_policy_set_aes_gcm_128_16_auth; break;
    case SrtpSuite::aead_aes_256_gcm: rtp = rtcp = api->crypto_policy_set_aes_gcm_256_16_auth; break;
  }
  rtp(&p.rtp);
  rtcp(&p.rtcp);
}

// One direction: a template stream for any SSRC we send (ssrc_any_outbound)
// or any the peer sends (ssrc_any_inbound). libsrtp allows one template per
// context, hence two contexts a session.
Result<srtp_t> make_context(const SrtpKeys& keys, srtp_ssrc_type_t direction) {
  srtp_policy_t p;
  std::memset(&p, 0, sizeof p);
  set_crypto_policy(keys.suite(), p);
  p.ssrc.type = direction;
  p.window_size = 128;
  p.allow_repeat_tx = 0;

  // libsrtp wants non-const pointers; it derives its session keys from a
  // copy that we wipe as soon as it is done.
  std::array<uint8_t, kMaxSrtpMasterLength> key{};
  std::memcpy(key.data(), keys.key_and_salt().data(), keys.key_and_salt().size());
  std::array<uint8_t, 4> mki_id{};
  srtp_master_key_t master{};
  srtp_master_key_t* masters[1] = {&master};
  if (const auto& mki = keys.mki()) {
    for (uint8_t i = 0; i < mki->length; ++i)
      mki_id[i] = static_cast<uint8_t>(mki->value >> (8 * (mki->length - 1 - i)));
    master.key = key.data();
    master.mki_id = mki_id.data();
    master.mki_size = mki->length;
    p.keys = masters;
    p.num_master_keys = 1;
  } else {
    p.key = key.data();
  }
  srtp_t ctx = nullptr;
  const srtp_err_status_t status = api->create(&ctx, &p);
  explicit_bzero(key.data(), key.size());
  if (status != srtp_err_status_ok)
    return Error::internal("libsrtp: srtp_create failed (status " + std::to_string(static_cast<int>(status)) + ")");
  return ctx;
}

UnprotectStatus classify(srtp_err_status_t status) {
  switch (status) {
    case srtp_err_status_ok:
      return UnprotectStatus::ok;
    case srtp_err_status_auth_fail:
    case srtp_err_status_cipher_fail:  // AES-GCM reports a bad tag this way
    case srtp_err_status_bad_mki:      // no key of ours carries that MKI
      return UnprotectStatus::auth_failed;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
    case srtp_err_status_pkt_idx_old:
      return UnprotectStatus::replayed;
    default:  // bad_param, parse_err: the header does not add up
      return UnprotectStatus::malformed;
  }
}

constexpr size_t kRtpHeader = 12;
constexpr size_t kRtcpHeader = 8;
constexpr size_t kSrtcpIndex = 4;  // E flag + 31-bit SRTCP index

bool is_version_2(std::span<const uint8_t> packet) { return !packet.empty() && (packet[0] >> 6) == 2; }

}  // namespace

// Loads libsrtp2 (srtp_library.h) and runs srtp_init(), which registers
// its ciphers in a process-wide table; a function-local static makes the
// first caller do it once, whatever the thread. Never shut down: sessions
// may live until exit.
Error prepare_srtp() {
  static const std::string failure = [] {
    std::string why;
    const SrtpApi* loaded = srtp_api(&why);
    if (!loaded) return "libsrtp2 cannot be loaded: " + why;
    const srtp_err_status_t status = loaded->init();
    if (status != srtp_err_status_ok) return "libsrtp: srtp_init failed (status " + std::to_string(static_cast<int>(status)) + ")";
    api = loaded;
    return std::string();
  }();
  if (!failure.empty()) return Error::internal(failure);
  return {};
}

void prepare_srtp_soon() {
  // prepare_srtp()'s own static makes a session that comes first wait for
  // this thread; the future joins it at exit at the latest.
  static std::future<Error> started = std::async(std::launch::async, [] { return prepare_srtp(); });
}

const char* to_string(UnprotectStatus status) {
  switch (status) {
    case UnprotectStatus::ok: return "ok";
    case UnprotectStatus::auth_failed: return "authentication failed";
    case UnprotectStatus::replayed: return "replayed";
    case UnprotectStatus::malformed: return "malformed";
  }
  return "malformed";
}

struct SrtpSession::Impl {
  SrtpSuite suite{};
  srtp_t outbound = nullptr;
  srtp_t inbound = nullptr;
  size_t our_mki = 0;    // bytes
  size_t their_mki = 0;  // bytes
  ~Impl() {
    if (outbound) api->dealloc(outbound);
    if (inbound) api->dealloc(inbound);
  }

  Result<size_t> protect(bool rtcp, std::span<uint8_t> buffer, size_t length) {
    const auto& info = srtp_suite_info(suite);
    const size_t overhead = rtcp ? kSrtcpIndex + info.rtcp_tag_length + our_mki : info.rtp_tag_length + our_mki;
    if (length < (rtcp ? kRtcpHeader : kRtpHeader) || length > buffer.size() || !is_version_2(buffer.first(length)))
      return Error::internal(rtcp ? "SRTCP: not an RTCP packet" : "SRTP: not an RTP packet");
    if (length > kMaxPacket || buffer.size() - length < overhead)
      return Error::internal("SRTP: no room for the authentication tag");
    int len = static_cast<int>(length);
    const unsigned use_mki = our_mki ? 1 : 0;
    const srtp_err_status_t status = rtcp ? api->protect_rtcp_mki(outbound, buffer.data(), &len, use_mki, 0)
                                          : api->protect_mki(outbound, buffer.data(), &len, use_mki, 0);
    if (status == srtp_err_status_replay_fail || status == srtp_err_status_replay_old)
      return Error::internal("SRTP: sequence number sent before (a key stream must not be used twice)");
    if (status != srtp_err_status_ok)
      return Error::internal("libsrtp: protect failed (status " + std::to_string(static_cast<int>(status)) + ")");
    return static_cast<size_t>(len);
  }

  UnprotectResult unprotect(bool rtcp, std::span<uint8_t> packet) {
    const auto& info = srtp_suite_info(suite);
    const size_t least = rtcp ? kRtcpHeader + kSrtcpIndex + info.rtcp_tag_length + their_mki
                              : kRtpHeader + info.rtp_tag_length + their_mki;
    UnprotectResult r;
    if (packet.size() >= least && packet.size() <= kMaxPacket && is_version_2(packet)) {
      int len = static_cast<int>(packet.size());
      const unsigned use_mki = their_mki ? 1 : 0;
      const srtp_err_status_t status = rtcp ? api->unprotect_rtcp_mki(inbound, packet.data(), &len, use_mki)
                                            : api->unprotect_mki(inbound, packet.data(), &len, use_mki);
      r.status = classify(status);
      if (r.ok() && len >= 0 && static_cast<size_t>(len) <= packet.size()) {
        r.length = static_cast<size_t>(len);
        return r;
      }
      if (r.ok()) r.status = UnprotectStatus::malformed;
    }
    // AES-GCM decrypts in place before it knows the tag is bad.
    if (!packet.empty()) std::memset(packet.data(), 0, packet.size());
    return r;
  }
};

SrtpSession::SrtpSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SrtpSession::~SrtpSession() = default;
SrtpSession::SrtpSession(SrtpSession&&) noexcept = default;
SrtpSession& SrtpSession::operator=(SrtpSession&&) noexcept = default;

Result<SrtpSession> SrtpSession::create(const SrtpKeys& ours, const SrtpKeys& theirs) {
  if (ours.empty() || theirs.empty()) return Error::internal("SRTP: a session needs both directions' keys");
  if (ours.suite() != theirs.suite())
    return Error::internal(std::string("SRTP: our key is for ") + std::string(srtp_suite_info(ours.suite()).sdp_name) +
                           ", the peer's for " + std::string(srtp_suite_info(theirs.suite()).sdp_name));
  if (Error e = prepare_srtp()) return e;
  auto impl = std::make_unique<Impl>();
  impl->suite = ours.suite();
  impl->our_mki = ours.mki() ? ours.mki()->length : 0;
  impl->their_mki = theirs.mki() ? theirs.mki()->length : 0;
  auto out = make_context(ours, ssrc_any_outbound);
  if (!out.ok()) return out.error();
  impl->outbound = *out;
  auto in = make_context(theirs, ssrc_any_inbound);
  if (!in.ok()) return in.error();
  impl->inbound = *in;
  return SrtpSession(std::move(impl));
}

SrtpSuite SrtpSession::suite() const { return impl_->suite; }

size_t SrtpSession::rtp_overhead() const { return srtp_suite_info(impl_->suite).rtp_tag_length + impl_->our_mki; }

size_t SrtpSession::rtcp_overhead() const {
  return kSrtcpIndex + srtp_suite_info(impl_->suite).rtcp_tag_length + impl_->our_mki;
}

Result<size_t> SrtpSession::protect_rtp(std::span<uint8_t> buffer, size_t length) {
  return impl_->protect(false, buffer, length);
}

Result<size_t> SrtpSession::protect_rtcp(std::span<uint8_t> buffer, size_t length) {
  return impl_->protect(true, buffer, length);
}

UnprotectResult SrtpSession::unprotect_rtp(std::span<uint8_t> packet) { return impl_->unprotect(false, packet); }

UnprotectResult SrtpSession::unprotect_rtcp(std::span<uint8_t> packet) { return impl_->unprotect(true, packet); }

}  // namespace sipcall::media
