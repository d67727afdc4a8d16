#include "media/srtp/srtp_session.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <vector>

#include "media/srtp/srtp_crypto.h"
#include "media/srtp/srtp_replay.h"

namespace sipcall::media {

namespace {

using namespace srtp_crypto;

constexpr size_t kRtpHeader = 12;
constexpr size_t kRtcpHeader = 8;
constexpr size_t kSrtcpIndex = 4;  // E flag + 31-bit SRTCP index
constexpr uint32_t kMaxSrtcpIndex = 0x7fffffff;
// SSRCs a direction keeps state for. A call has one each way (two during a
// re-INVITE's switch); only authentic packets make a stream, so the bound
// is against a peer that changes SSRC often, not against strangers.
constexpr size_t kMaxStreams = 16;

// RFC 3711 4.3.2's labels.
enum Label : uint8_t {
  kRtpCipher = 0,
  kRtpAuth = 1,
  kRtpSalt = 2,
  kRtcpCipher = 3,
  kRtcpAuth = 4,
  kRtcpSalt = 5,
};

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
}
void put_be32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

bool is_version_2(std::span<const uint8_t> packet) { return !packet.empty() && (packet[0] >> 6) == 2; }

// The RTP header with its CSRCs and header extension: what SRTP leaves in
// the clear. nullopt when it does not fit in the packet.
std::optional<size_t> rtp_header_length(std::span<const uint8_t> packet) {
  if (packet.size() < kRtpHeader) return std::nullopt;
  size_t length = kRtpHeader + 4 * size_t{packet[0] & 0x0fu};
  if (packet[0] & 0x10) {
    if (packet.size() < length + 4) return std::nullopt;
    length += 4 + 4 * size_t{be16(packet.data() + length + 2)};
  }
  if (length > packet.size()) return std::nullopt;
  return length;
}

// One direction's session keys (RFC 3711 4.3), derived from its master key
// and salt: the AES-CM suites' cipher, HMAC and salt for RTP and RTCP, or
// the AEAD suites' AES-GCM and salt.
struct SessionKeys {
  bool aead = false;
  std::optional<AesCounter> rtp_cm, rtcp_cm;
  std::optional<HmacSha1> rtp_auth, rtcp_auth;
  std::optional<AesGcm> rtp_gcm, rtcp_gcm;
  std::array<uint8_t, 14> rtp_salt{}, rtcp_salt{};
};

Result<SessionKeys> derive_keys(const SrtpKeys& master, bool encrypt) {
  const auto& info = srtp_suite_info(master.suite());
  const auto key_and_salt = master.key_and_salt();
  const auto master_key = key_and_salt.first(info.key_length);
  std::array<uint8_t, 14> master_salt{};  // AES-GCM's 12 bytes padded with zeros (RFC 7714 11)
  std::copy_n(key_and_salt.data() + info.key_length, info.salt_length, master_salt.begin());

  SessionKeys keys;
  keys.aead = info.salt_length == 12;
  std::array<uint8_t, 32> cipher_key{};
  std::array<uint8_t, kHmacSha1Length> auth_key{};
  const auto key = std::span<uint8_t>(cipher_key).first(info.key_length);
  Error failed;
  for (const bool rtcp : {false, true}) {
    auto& salt = rtcp ? keys.rtcp_salt : keys.rtp_salt;
    if ((failed = derive_session_key(master_key, master_salt, rtcp ? kRtcpCipher : kRtpCipher, key))) break;
    if ((failed = derive_session_key(master_key, master_salt, rtcp ? kRtcpSalt : kRtpSalt,
                                     std::span<uint8_t>(salt).first(info.salt_length))))
      break;
    if (keys.aead) {
      auto gcm = AesGcm::create(key, encrypt);
      if (!gcm.ok()) { failed = gcm.error(); break; }
      (rtcp ? keys.rtcp_gcm : keys.rtp_gcm).emplace(std::move(*gcm));
      continue;
    }
    if ((failed = derive_session_key(master_key, master_salt, rtcp ? kRtcpAuth : kRtpAuth, auth_key))) break;
    auto cm = AesCounter::create(key);
    auto auth = HmacSha1::create(auth_key);
    if (!cm.ok()) { failed = cm.error(); break; }
    if (!auth.ok()) { failed = auth.error(); break; }
    (rtcp ? keys.rtcp_cm : keys.rtp_cm).emplace(std::move(*cm));
    (rtcp ? keys.rtcp_auth : keys.rtp_auth).emplace(std::move(*auth));
  }
  OPENSSL_cleanse(cipher_key.data(), cipher_key.size());
  OPENSSL_cleanse(auth_key.data(), auth_key.size());
  OPENSSL_cleanse(master_salt.data(), master_salt.size());
  if (failed) return failed;
  return keys;
}

// IV of AES-CM (RFC 3711 4.1.1): salt * 2^16 XOR SSRC * 2^64 XOR index * 2^16.
Iv16 counter_iv(const std::array<uint8_t, 14>& salt, uint32_t ssrc, uint64_t index) {
  Iv16 iv{};
  std::copy(salt.begin(), salt.end(), iv.begin());
  for (int i = 0; i < 4; ++i) iv[4 + i] ^= static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  for (int i = 0; i < 6; ++i) iv[8 + i] ^= static_cast<uint8_t>(index >> (40 - 8 * i));
  return iv;
}

// IV of AES-GCM (RFC 7714 8.1, 9.1): 00 00 || SSRC || 32 bits || 16 bits
// XOR salt; the 48 bits are ROC || SEQ for RTP, 00 00 || SRTCP index for RTCP.
Iv12 gcm_iv(const std::array<uint8_t, 14>& salt, uint32_t ssrc, uint64_t index48) {
  Iv12 iv{};
  for (int i = 0; i < 4; ++i) iv[2 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  for (int i = 0; i < 6; ++i) iv[6 + i] = static_cast<uint8_t>(index48 >> (40 - 8 * i));
  for (size_t i = 0; i < iv.size(); ++i) iv[i] ^= salt[i];
  return iv;
}

// What one direction remembers of each SSRC.
struct Stream {
  uint32_t ssrc = 0;
  ReplayWindow rtp;
  ReplayWindow rtcp;
  uint32_t rtcp_sent = 0;  // the last SRTCP index we used (the first is 1)
  uint64_t last_used = 0;
};

class Streams {
 public:
  Stream* find(uint32_t ssrc) {
    for (auto& s : streams_)
      if (s.ssrc == ssrc) {
        s.last_used = ++clock_;
        return &s;
      }
    return nullptr;
  }
  // A new stream; the one used longest ago goes when there are kMaxStreams.
  Stream& add(uint32_t ssrc) {
    if (streams_.size() >= kMaxStreams)
      streams_.erase(std::min_element(streams_.begin(), streams_.end(),
                                      [](const Stream& a, const Stream& b) { return a.last_used < b.last_used; }));
    streams_.push_back(Stream{ssrc, {}, {}, 0, ++clock_});
    return streams_.back();
  }
  Stream& find_or_add(uint32_t ssrc) {
    Stream* s = find(ssrc);
    return s ? *s : add(ssrc);
  }

 private:
  std::vector<Stream> streams_;
  uint64_t clock_ = 0;
};

std::array<uint8_t, 4> mki_bytes(const std::optional<SrtpMki>& mki) {
  std::array<uint8_t, 4> out{};
  if (mki)
    for (uint8_t i = 0; i < mki->length; ++i) out[i] = static_cast<uint8_t>(mki->value >> (8 * (mki->length - 1 - i)));
  return out;
}

}  // namespace

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
  size_t rtp_tag = 0;
  size_t rtcp_tag = 0;
  SessionKeys ours;    // protect_*: ours, and the streams we send
  SessionKeys theirs;  // unprotect_*: the peer's, and the streams it sends
  Streams sent;
  Streams received;
  std::array<uint8_t, 4> our_mki{};
  std::array<uint8_t, 4> their_mki{};
  size_t our_mki_length = 0;
  size_t their_mki_length = 0;

  Result<size_t> protect_rtp(std::span<uint8_t> buffer, size_t length) {
    if (length > buffer.size() || !is_version_2(buffer.first(length)))
      return Error::internal("SRTP: not an RTP packet");
    const auto header = rtp_header_length(buffer.first(length));
    if (!header) return Error::internal("SRTP: not an RTP packet");
    if (length > kMaxPacket || buffer.size() - length < rtp_tag + our_mki_length)
      return Error::internal("SRTP: no room for the authentication tag");
    const uint32_t ssrc = be32(buffer.data() + 8);
    Stream& stream = sent.find_or_add(ssrc);
    const auto index = guess_rtp_index(stream.rtp.highest(), be16(buffer.data() + 2));
    if (!index || stream.rtp.check(*index) != ReplayWindow::Verdict::fresh)
      return Error::internal("SRTP: sequence number sent before (a key stream must not be used twice)");
    const auto payload = buffer.subspan(*header, length - *header);
    size_t end = length;
    if (ours.aead) {
      const auto tag = buffer.subspan(end, kGcmTagLength).first<kGcmTagLength>();
      if (Error e = ours.rtp_gcm->seal(gcm_iv(ours.rtp_salt, ssrc, *index), buffer.first(*header), {}, payload, tag))
        return e;
      end += kGcmTagLength;
      // RFC 7714: the tag belongs to the ciphertext, the MKI follows it.
      std::copy_n(our_mki.begin(), our_mki_length, buffer.begin() + static_cast<long>(end));
      end += our_mki_length;
    } else {
      if (Error e = ours.rtp_cm->apply(counter_iv(ours.rtp_salt, ssrc, *index), payload)) return e;
      std::array<uint8_t, 4> roc;
      put_be32(roc.data(), static_cast<uint32_t>(*index >> 16));
      std::array<uint8_t, kHmacSha1Length> mac;
      if (Error e = ours.rtp_auth->mac(buffer.first(length), roc, mac)) return e;
      // RFC 3711: the MKI after the payload, outside what is authenticated, then the tag.
      std::copy_n(our_mki.begin(), our_mki_length, buffer.begin() + static_cast<long>(end));
      end += our_mki_length;
      std::copy_n(mac.begin(), rtp_tag, buffer.begin() + static_cast<long>(end));
      end += rtp_tag;
    }
    stream.rtp.accept(*index);
    return end;
  }

  Result<size_t> protect_rtcp(std::span<uint8_t> buffer, size_t length) {
    if (length < kRtcpHeader || length > buffer.size() || !is_version_2(buffer.first(length)))
      return Error::internal("SRTCP: not an RTCP packet");
    const size_t overhead = kSrtcpIndex + rtcp_tag + our_mki_length;
    if (length > kMaxPacket || buffer.size() - length < overhead)
      return Error::internal("SRTP: no room for the authentication tag");
    const uint32_t ssrc = be32(buffer.data() + 4);
    Stream& stream = sent.find_or_add(ssrc);
    if (stream.rtcp_sent >= kMaxSrtcpIndex)
      return Error::internal("SRTCP: 2^31 packets sent with one key; it must be renewed");
    const uint32_t index = ++stream.rtcp_sent;
    std::array<uint8_t, 4> trailer;  // E (encrypted) || index
    put_be32(trailer.data(), 0x80000000u | index);
    const auto payload = buffer.subspan(kRtcpHeader, length - kRtcpHeader);
    size_t end = length;
    if (ours.aead) {
      // RFC 7714 9.1: ciphertext, tag, then E || index, then the MKI.
      const auto tag = buffer.subspan(end, kGcmTagLength).first<kGcmTagLength>();
      if (Error e = ours.rtcp_gcm->seal(gcm_iv(ours.rtcp_salt, ssrc, index), buffer.first(kRtcpHeader), trailer,
                                        payload, tag))
        return e;
      end += kGcmTagLength;
      std::copy(trailer.begin(), trailer.end(), buffer.begin() + static_cast<long>(end));
      end += kSrtcpIndex;
      std::copy_n(our_mki.begin(), our_mki_length, buffer.begin() + static_cast<long>(end));
      end += our_mki_length;
    } else {
      // RFC 3711 3.4: E || index is authenticated, the MKI is not.
      if (Error e = ours.rtcp_cm->apply(counter_iv(ours.rtcp_salt, ssrc, uint64_t{index}), payload)) return e;
      std::copy(trailer.begin(), trailer.end(), buffer.begin() + static_cast<long>(end));
      end += kSrtcpIndex;
      std::array<uint8_t, kHmacSha1Length> mac;
      if (Error e = ours.rtcp_auth->mac(buffer.first(end), {}, mac)) return e;
      std::copy_n(our_mki.begin(), our_mki_length, buffer.begin() + static_cast<long>(end));
      end += our_mki_length;
      std::copy_n(mac.begin(), rtcp_tag, buffer.begin() + static_cast<long>(end));
      end += rtcp_tag;
    }
    return end;
  }

  bool their_mki_at(std::span<const uint8_t> packet, size_t at) const {
    return std::equal(their_mki.begin(), their_mki.begin() + static_cast<long>(their_mki_length),
                      packet.begin() + static_cast<long>(at));
  }

  UnprotectResult unprotect_rtp(std::span<uint8_t> packet) {
    UnprotectResult r;
    const size_t tag = rtp_tag, mki = their_mki_length;
    if (packet.size() < kRtpHeader + tag + mki || packet.size() > kMaxPacket || !is_version_2(packet)) return r;
    // AES-CM: header, payload | MKI | tag; AES-GCM: header, payload, tag | MKI.
    const size_t plain_end = packet.size() - tag - mki;
    const size_t mki_at = theirs.aead ? packet.size() - mki : plain_end;
    const size_t tag_at = theirs.aead ? plain_end : plain_end + mki;
    const auto header = rtp_header_length(packet.first(plain_end));
    if (!header) return r;
    if (!their_mki_at(packet, mki_at)) {  // not a key of ours
      r.status = UnprotectStatus::auth_failed;
      return r;
    }
    const uint32_t ssrc = be32(packet.data() + 8);
    Stream* stream = received.find(ssrc);
    const auto index = guess_rtp_index(stream ? stream->rtp.highest() : std::nullopt, be16(packet.data() + 2));
    if (!index || (stream && stream->rtp.check(*index) != ReplayWindow::Verdict::fresh)) {
      r.status = UnprotectStatus::replayed;
      return r;
    }
    const auto payload = packet.subspan(*header, plain_end - *header);
    r.status = UnprotectStatus::auth_failed;
    if (theirs.aead) {
      const auto sent_tag = std::span<const uint8_t>(packet).subspan(tag_at, kGcmTagLength).first<kGcmTagLength>();
      if (!theirs.rtp_gcm->open(gcm_iv(theirs.rtp_salt, ssrc, *index), packet.first(*header), {}, payload, sent_tag))
        return r;
    } else {
      std::array<uint8_t, 4> roc;
      put_be32(roc.data(), static_cast<uint32_t>(*index >> 16));
      std::array<uint8_t, kHmacSha1Length> mac;
      if (theirs.rtp_auth->mac(packet.first(plain_end), roc, mac) ||
          !same_bytes(std::span<const uint8_t>(mac).first(tag), packet.subspan(tag_at, tag)))
        return r;
      if (theirs.rtp_cm->apply(counter_iv(theirs.rtp_salt, ssrc, *index), payload)) return r;
    }
    (stream ? *stream : received.add(ssrc)).rtp.accept(*index);
    r.status = UnprotectStatus::ok;
    r.length = plain_end;
    return r;
  }

  UnprotectResult unprotect_rtcp(std::span<uint8_t> packet) {
    UnprotectResult r;
    const size_t tag = rtcp_tag, mki = their_mki_length;
    if (packet.size() < kRtcpHeader + kSrtcpIndex + tag + mki || packet.size() > kMaxPacket || !is_version_2(packet))
      return r;
    // AES-CM: header, payload | E+index | MKI | tag; AES-GCM: header, payload, tag | E+index | MKI.
    const size_t trailer_at = theirs.aead ? packet.size() - mki - kSrtcpIndex : packet.size() - tag - mki - kSrtcpIndex;
    const size_t plain_end = theirs.aead ? trailer_at - tag : trailer_at;
    const size_t mki_at = trailer_at + kSrtcpIndex;
    const size_t tag_at = theirs.aead ? plain_end : mki_at + mki;
    const uint32_t trailer = be32(packet.data() + trailer_at);
    // E = 0 is SRTCP sent in the clear, which no session of ours agrees to
    // (sdes.h refuses UNENCRYPTED_SRTCP; DTLS-SRTP always encrypts).
    if (!(trailer & 0x80000000u)) return r;
    if (!their_mki_at(packet, mki_at)) {
      r.status = UnprotectStatus::auth_failed;
      return r;
    }
    const uint32_t index = trailer & kMaxSrtcpIndex;
    const uint32_t ssrc = be32(packet.data() + 4);
    Stream* stream = received.find(ssrc);
    if (stream && stream->rtcp.check(index) != ReplayWindow::Verdict::fresh) {
      r.status = UnprotectStatus::replayed;
      return r;
    }
    const auto payload = packet.subspan(kRtcpHeader, plain_end - kRtcpHeader);
    r.status = UnprotectStatus::auth_failed;
    if (theirs.aead) {
      const auto sent_tag = std::span<const uint8_t>(packet).subspan(tag_at, kGcmTagLength).first<kGcmTagLength>();
      if (!theirs.rtcp_gcm->open(gcm_iv(theirs.rtcp_salt, ssrc, index), packet.first(kRtcpHeader),
                                 packet.subspan(trailer_at, kSrtcpIndex), payload, sent_tag))
        return r;
    } else {
      std::array<uint8_t, kHmacSha1Length> mac;
      if (theirs.rtcp_auth->mac(packet.first(trailer_at + kSrtcpIndex), {}, mac) ||
          !same_bytes(std::span<const uint8_t>(mac).first(tag), packet.subspan(tag_at, tag)))
        return r;
      if (theirs.rtcp_cm->apply(counter_iv(theirs.rtcp_salt, ssrc, uint64_t{index}), payload)) return r;
    }
    (stream ? *stream : received.add(ssrc)).rtcp.accept(index);
    r.status = UnprotectStatus::ok;
    r.length = plain_end;
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
  auto impl = std::make_unique<Impl>();
  const auto& info = srtp_suite_info(ours.suite());
  impl->suite = ours.suite();
  impl->rtp_tag = info.rtp_tag_length;
  impl->rtcp_tag = info.rtcp_tag_length;
  impl->our_mki = mki_bytes(ours.mki());
  impl->their_mki = mki_bytes(theirs.mki());
  impl->our_mki_length = ours.mki() ? ours.mki()->length : 0;
  impl->their_mki_length = theirs.mki() ? theirs.mki()->length : 0;
  auto out = derive_keys(ours, true);
  if (!out.ok()) return out.error();
  impl->ours = std::move(*out);
  auto in = derive_keys(theirs, false);
  if (!in.ok()) return in.error();
  impl->theirs = std::move(*in);
  return SrtpSession(std::move(impl));
}

SrtpSuite SrtpSession::suite() const { return impl_->suite; }

size_t SrtpSession::rtp_overhead() const { return impl_->rtp_tag + impl_->our_mki_length; }

size_t SrtpSession::rtcp_overhead() const { return kSrtcpIndex + impl_->rtcp_tag + impl_->our_mki_length; }

Result<size_t> SrtpSession::protect_rtp(std::span<uint8_t> buffer, size_t length) {
  return impl_->protect_rtp(buffer, length);
}

Result<size_t> SrtpSession::protect_rtcp(std::span<uint8_t> buffer, size_t length) {
  return impl_->protect_rtcp(buffer, length);
}

// Whatever the outcome, no byte of a packet that is not authentic stays:
// AES-GCM has decrypted in place before it knows the tag is bad.
UnprotectResult SrtpSession::unprotect_rtp(std::span<uint8_t> packet) {
  UnprotectResult r = impl_->unprotect_rtp(packet);
  if (!r.ok() && !packet.empty()) std::memset(packet.data(), 0, packet.size());
  return r;
}

UnprotectResult SrtpSession::unprotect_rtcp(std::span<uint8_t> packet) {
  UnprotectResult r = impl_->unprotect_rtcp(packet);
  if (!r.ok() && !packet.empty()) std::memset(packet.data(), 0, packet.size());
  return r;
}

}  // namespace sipcall::media
