// Our SRTP (src/media/srtp/srtp_session.h) against libsrtp2, an independent
// implementation (tests/support/libsrtp_reference.h): with the same keys
// both must write the same bytes for every packet, and each must accept
// what the other wrote, for every suite, with and without an MKI, across a
// sequence-number wrap, with CSRCs and header extensions, and refuse the
// same replays.
#include <doctest/doctest.h>

#include <array>
#include <vector>

#include "libsrtp_reference.h"
#include "media/srtp/srtp_session.h"

using namespace sipcall::media;
using sipcall::testing::LibsrtpReference;

namespace {

constexpr std::array<SrtpSuite, 4> kAllSuites{SrtpSuite::aes_cm_128_hmac_sha1_80, SrtpSuite::aes_cm_128_hmac_sha1_32,
                                              SrtpSuite::aead_aes_128_gcm, SrtpSuite::aead_aes_256_gcm};

SrtpKeys keys_for(SrtpSuite suite, std::optional<SrtpMki> mki) {
  auto fresh = SrtpKeys::generate(suite);
  REQUIRE(fresh.ok());
  auto keys = SrtpKeys::from_bytes(suite, fresh->key_and_salt(), mki);
  REQUIRE(keys.ok());
  return *keys;
}

// An RTP packet of a varied shape: i picks the CSRC count, a header
// extension and the payload's length.
std::vector<uint8_t> rtp_packet(uint16_t seq, uint32_t ssrc, unsigned i) {
  const unsigned csrcs = i % 3;
  const bool extension = i % 4 == 1;
  const size_t payload = (i * 37) % 300;
  std::vector<uint8_t> p{static_cast<uint8_t>(0x80 | (extension ? 0x10 : 0) | csrcs), 111,
                         static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq)};
  for (int b = 0; b < 4; ++b) p.push_back(static_cast<uint8_t>((seq * 960u) >> (24 - 8 * b)));
  for (int b = 0; b < 4; ++b) p.push_back(static_cast<uint8_t>(ssrc >> (24 - 8 * b)));
  for (unsigned c = 0; c < 4 * csrcs; ++c) p.push_back(static_cast<uint8_t>(c + 1));
  if (extension) {
    for (uint8_t b : {0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0x00, 0x00}) p.push_back(b);
  }
  for (size_t b = 0; b < payload; ++b) p.push_back(static_cast<uint8_t>(b * 7 + i));
  return p;
}

std::vector<uint8_t> rtcp_packet(uint32_t ssrc, unsigned i) {
  const size_t words = 1 + i % 12;
  std::vector<uint8_t> p{0x81, 201, 0, static_cast<uint8_t>(words)};
  for (int b = 0; b < 4; ++b) p.push_back(static_cast<uint8_t>(ssrc >> (24 - 8 * b)));
  for (size_t b = 0; b < 4 * words - 4; ++b) p.push_back(static_cast<uint8_t>(b ^ i));
  return p;
}

std::vector<uint8_t> with_room(const std::vector<uint8_t>& plain) {
  std::vector<uint8_t> b(plain);
  b.resize(plain.size() + SrtpSession::kMaxOverhead);
  return b;
}

// One packet protected by our sender and libsrtp's (same keys): the bytes
// must be equal, and (when read_back) each receiver must read the other
// implementation's packet back to the plain one.
void exchange(SrtpSession& ours_a, LibsrtpReference& ref_a, SrtpSession& ours_b, LibsrtpReference& ref_b,
              const std::vector<uint8_t>& plain, bool rtcp, bool read_back) {
  auto ours = with_room(plain), theirs = with_room(plain);
  auto n = rtcp ? ours_a.protect_rtcp(ours, plain.size()) : ours_a.protect_rtp(ours, plain.size());
  auto m = rtcp ? ref_a.protect_rtcp(theirs, plain.size()) : ref_a.protect_rtp(theirs, plain.size());
  REQUIRE(n.ok());
  REQUIRE(m);
  ours.resize(*n);
  theirs.resize(*m);
  CHECK(ours == theirs);
  if (!read_back) return;
  auto r = rtcp ? ours_b.unprotect_rtcp(theirs) : ours_b.unprotect_rtp(theirs);
  REQUIRE(r.ok());
  CHECK(std::vector<uint8_t>(theirs.begin(), theirs.begin() + static_cast<long>(r.length)) == plain);
  auto k = rtcp ? ref_b.unprotect_rtcp(ours) : ref_b.unprotect_rtp(ours);
  REQUIRE(k);
  CHECK(std::vector<uint8_t>(ours.begin(), ours.begin() + static_cast<long>(*k)) == plain);
}

}  // namespace

TEST_CASE("srtp vs libsrtp2: the same bytes on the wire, and each reads the other's") {
  for (SrtpSuite suite : kAllSuites) {
    for (const bool mki : {false, true}) {
      CAPTURE(srtp_suite_info(suite).sdp_name);
      CAPTURE(mki);
      const std::optional<SrtpMki> a_mki = mki ? std::optional(SrtpMki{0x0102, 2}) : std::nullopt;
      const std::optional<SrtpMki> b_mki = mki ? std::optional(SrtpMki{0x0a0b0c0d, 4}) : std::nullopt;
      const SrtpKeys a_keys = keys_for(suite, a_mki), b_keys = keys_for(suite, b_mki);
      auto ours_a = SrtpSession::create(a_keys, b_keys);
      auto ours_b = SrtpSession::create(b_keys, a_keys);
      auto ref_a = LibsrtpReference::create(a_keys, b_keys);
      auto ref_b = LibsrtpReference::create(b_keys, a_keys);
      REQUIRE(ours_a.ok());
      REQUIRE(ours_b.ok());
      REQUIRE(ref_a);
      REQUIRE(ref_b);

      // 300 packets from sequence 65400 carry the senders across a wrap.
      for (unsigned i = 0; i < 300; ++i) {
        CAPTURE(i);
        exchange(*ours_a, *ref_a, *ours_b, *ref_b, rtp_packet(static_cast<uint16_t>(65400 + i), 0xcafe0001, i), false,
                 true);
      }
      // SRTCP: libsrtp 2.5 looks for the MKI of AES_CM_128_HMAC_SHA1_32's
      // SRTCP in the wrong place (4 bytes before the end, the RTP tag's
      // length, not 10), so it cannot read that one combination.
      const bool libsrtp_reads_rtcp = !(mki && suite == SrtpSuite::aes_cm_128_hmac_sha1_32);
      for (unsigned i = 0; i < 40; ++i) {
        CAPTURE(i);
        exchange(*ours_a, *ref_a, *ours_b, *ref_b, rtcp_packet(0xcafe0001, i), true, libsrtp_reads_rtcp);
      }
    }
  }
}

TEST_CASE("srtp vs libsrtp2: late packets inside the window pass, replays and older ones do not, in both") {
  for (SrtpSuite suite : kAllSuites) {
    CAPTURE(srtp_suite_info(suite).sdp_name);
    const SrtpKeys a_keys = keys_for(suite, std::nullopt), b_keys = keys_for(suite, std::nullopt);
    auto sender = SrtpSession::create(a_keys, b_keys);
    auto ours = SrtpSession::create(b_keys, a_keys);
    auto ref = LibsrtpReference::create(b_keys, a_keys);
    REQUIRE(sender.ok());
    REQUIRE(ours.ok());
    REQUIRE(ref);
    std::vector<std::vector<uint8_t>> sent;
    for (unsigned i = 0; i < 400; ++i) {
      const auto plain = rtp_packet(static_cast<uint16_t>(1000 + i), 0x01020304, i);
      auto b = with_room(plain);
      auto n = sender->protect_rtp(b, plain.size());
      REQUIRE(n.ok());
      b.resize(*n);
      sent.push_back(b);
    }
    // Delivered: 0..199, then 399, then 300 (99 late), then 250 (149 late:
    // older than the window), then 300 again (a replay).
    const auto deliver = [&](size_t i) {
      auto x = sent[i], y = sent[i];
      const bool mine = ours->unprotect_rtp(x).ok();
      const bool theirs = ref->unprotect_rtp(y).has_value();
      CHECK(mine == theirs);
      return mine;
    };
    for (size_t i = 0; i < 200; ++i) CHECK(deliver(i));
    CHECK(deliver(399));
    CHECK(deliver(300));
    CHECK(!deliver(250));
    CHECK(!deliver(300));
  }
}
