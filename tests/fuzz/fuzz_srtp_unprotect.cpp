// SRTP and SRTCP packets from the network into a keyed session
// (media/srtp/srtp_session.h): our transforms must take
// any bytes without a crash or a read past the packet. Packets the peer's
// session protected must come through unchanged; a changed bit in one must
// not. RTP only while the receiver has seen every RTP packet the peer
// protected: one it missed may have carried the sender across a sequence
// wrap, and then the receiver's guess of the rollover counter is wrong
// (RFC 3711 3.3.1; see srtp_session.h). SRTCP carries its index.
// Input: one byte of set-up (bits 0-1: suite; bit 2: the peer's key has an
// MKI), then records: a control byte (bit 0: RTCP; bit 1: protect the bytes
// with the peer's session first), a tamper byte that is XORed into the
// protected packet at a position given by the next big-endian u16 (0: none),
// a big-endian u16 length and that many bytes.
#include <array>
#include <vector>

#include "fuzz_support.h"
#include "media/srtp/srtp_session.h"

using namespace sipcall::media;
using sipcall::fuzz::check;

namespace {

constexpr size_t kMaxRecords = 16;  // each input sets up two sessions; more records, fewer inputs a second
constexpr size_t kMaxLength = 2048;

SrtpKeys fixed_keys(SrtpSuite suite, uint8_t seed, std::optional<SrtpMki> mki) {
  std::array<uint8_t, kMaxSrtpMasterLength> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(seed + 31 * i);
  auto keys = SrtpKeys::from_bytes(suite, std::span<const uint8_t>(bytes.data(), srtp_master_length(suite)), mki);
  check(keys.ok(), "fixed keys refused");
  return std::move(*keys);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sipcall::fuzz::FuzzInput in(data, size);
  const uint8_t setup = in.u8();
  const auto suite = static_cast<SrtpSuite>(setup & 3);
  std::optional<SrtpMki> mki;
  if ((setup & 4) && suite != SrtpSuite::aes_cm_128_hmac_sha1_32) mki = SrtpMki{0x0102, 2};
  const SrtpKeys ours = fixed_keys(suite, 1, std::nullopt);
  const SrtpKeys theirs = fixed_keys(suite, 2, mki);
  auto session = SrtpSession::create(ours, theirs);
  auto peer = SrtpSession::create(theirs, ours);
  check(session.ok() && peer.ok(), "no session");

  std::vector<uint8_t> buffer;
  bool rtp_in_step = true;
  for (size_t record = 0; record < kMaxRecords && !in.empty(); ++record) {
    const uint8_t control = in.u8();
    const uint8_t tamper = in.u8();
    const uint16_t where = in.u16();
    const auto bytes = in.bytes(std::min<size_t>(in.u16(), kMaxLength));
    const bool rtcp = control & 1;
    buffer.assign(bytes.begin(), bytes.end());
    buffer.resize(bytes.size() + SrtpSession::kMaxOverhead);
    size_t length = bytes.size();
    bool authentic = false;
    if (control & 2) {
      auto n = rtcp ? peer->protect_rtcp(buffer, length) : peer->protect_rtp(buffer, length);
      if (n.ok()) {
        authentic = true;
        length = *n;
        if (tamper) buffer[where % length] ^= tamper;
      }
    }
    const std::span<uint8_t> packet(buffer.data(), length);
    const auto r = rtcp ? session->unprotect_rtcp(packet) : session->unprotect_rtp(packet);
    if (r.ok()) check(r.length <= length, "plain packet longer than the protected one");
    if (authentic && !rtcp && tamper) rtp_in_step = false;
    if (authentic && !tamper && (rtcp || rtp_in_step)) {
      check(r.ok() || r.status == UnprotectStatus::replayed, "a packet the peer protected was refused");
      if (r.ok())
        check(r.length == bytes.size() && std::equal(bytes.begin(), bytes.end(), buffer.begin()),
              "a packet the peer protected came out changed");
    }
    if (authentic && tamper) check(!r.ok(), "a tampered packet was accepted");
  }
  return 0;
}
