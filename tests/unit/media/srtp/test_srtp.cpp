// SRTP sessions (src/media/srtp/srtp_session.h): two sessions with swapped
// keys talk to each other, as two ends of a call do; known answers.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "media/srtp/srtp_session.h"

using namespace sipcall::media;

namespace {

constexpr std::array<SrtpSuite, 4> kAllSuites{SrtpSuite::aes_cm_128_hmac_sha1_80, SrtpSuite::aes_cm_128_hmac_sha1_32,
                                              SrtpSuite::aead_aes_128_gcm, SrtpSuite::aead_aes_256_gcm};

std::vector<uint8_t> hex(std::string_view h) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

// A 20 ms PCMU packet: 12-byte header and 160 bytes of payload, in a buffer
// with room for the SRTP trailer.
struct Packet {
  std::vector<uint8_t> buffer;
  size_t length = 0;
  std::span<uint8_t> bytes() { return {buffer.data(), length}; }
  std::vector<uint8_t> contents() const { return {buffer.begin(), buffer.begin() + static_cast<long>(length)}; }
};

Packet rtp(uint16_t seq, uint32_t ssrc = 0x11223344, size_t payload = 160) {
  Packet p;
  p.length = 12 + payload;
  p.buffer.assign(p.length + SrtpSession::kMaxOverhead, 0);
  p.buffer[0] = 0x80;
  p.buffer[1] = 0;  // PCMU
  p.buffer[2] = static_cast<uint8_t>(seq >> 8);
  p.buffer[3] = static_cast<uint8_t>(seq);
  const uint32_t ts = seq * 160u;
  for (int i = 0; i < 4; ++i) p.buffer[4 + i] = static_cast<uint8_t>(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) p.buffer[8 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  for (size_t i = 0; i < payload; ++i) p.buffer[12 + i] = static_cast<uint8_t>(seq + i);
  return p;
}

// A receiver report with one report block (32 bytes).
Packet rtcp_rr(uint32_t ssrc = 0x11223344) {
  Packet p;
  p.length = 32;
  p.buffer.assign(p.length + SrtpSession::kMaxOverhead, 0);
  p.buffer[0] = 0x81;
  p.buffer[1] = 201;
  p.buffer[3] = 7;
  for (int i = 0; i < 4; ++i) p.buffer[4 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
  for (size_t i = 8; i < 32; ++i) p.buffer[i] = static_cast<uint8_t>(i);
  return p;
}

struct Pair {
  SrtpSession a;  // sends with a_keys
  SrtpSession b;  // sends with b_keys
};

Pair make_pair(SrtpSuite suite) {
  auto a_keys = SrtpKeys::generate(suite);
  auto b_keys = SrtpKeys::generate(suite);
  REQUIRE(a_keys.ok());
  REQUIRE(b_keys.ok());
  auto a = SrtpSession::create(*a_keys, *b_keys);
  auto b = SrtpSession::create(*b_keys, *a_keys);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  return {std::move(*a), std::move(*b)};
}

void protect(SrtpSession& s, Packet& p, bool is_rtcp = false) {
  auto n = is_rtcp ? s.protect_rtcp(p.buffer, p.length) : s.protect_rtp(p.buffer, p.length);
  REQUIRE_MESSAGE(n.ok(), (n.ok() ? "" : n.error().message()));
  p.length = *n;
}

}  // namespace

TEST_CASE("srtp: RTP and RTCP round trip between two sessions with swapped keys, every suite") {
  for (SrtpSuite suite : kAllSuites) {
    CAPTURE(srtp_suite_info(suite).sdp_name);
    auto [a, b] = make_pair(suite);
    CHECK(a.suite() == suite);
    for (uint16_t seq = 1000; seq < 1010; ++seq) {
      Packet p = rtp(seq);
      const auto plain = p.contents();
      protect(a, p);
      CHECK(p.length == plain.size() + srtp_suite_info(suite).rtp_tag_length);
      CHECK(p.length == plain.size() + a.rtp_overhead());
      CHECK(!std::equal(plain.begin() + 12, plain.end(), p.buffer.begin() + 12));  // encrypted
      CHECK(std::equal(plain.begin(), plain.begin() + 12, p.buffer.begin()));      // header in clear
      const auto r = b.unprotect_rtp(p.bytes());
      REQUIRE(r.status == UnprotectStatus::ok);
      CHECK(r.length == plain.size());
      CHECK(std::equal(plain.begin(), plain.end(), p.buffer.begin()));
    }
    // RTCP, the other way round.
    for (int i = 0; i < 3; ++i) {
      Packet c = rtcp_rr(0x55667788);
      const auto plain = c.contents();
      protect(b, c, true);
      CHECK(c.length == plain.size() + 4 + srtp_suite_info(suite).rtcp_tag_length);
      CHECK(c.length == plain.size() + b.rtcp_overhead());
      const auto r = a.unprotect_rtcp(c.bytes());
      REQUIRE(r.status == UnprotectStatus::ok);
      CHECK(r.length == plain.size());
      CHECK(std::equal(plain.begin(), plain.end(), c.buffer.begin()));
    }
  }
}

TEST_CASE("srtp: a flipped bit in the payload or in the tag fails authentication and is not decrypted") {
  for (SrtpSuite suite : kAllSuites) {
    CAPTURE(srtp_suite_info(suite).sdp_name);
    auto [a, b] = make_pair(suite);
    for (bool in_tag : {false, true}) {
      CAPTURE(in_tag);
      Packet p = rtp(in_tag ? 7 : 8);
      const auto plain = p.contents();
      protect(a, p);
      p.buffer[in_tag ? p.length - 1 : 40] ^= 0x04;
      const auto r = b.unprotect_rtp(p.bytes());
      CHECK(r.status == UnprotectStatus::auth_failed);
      CHECK(!std::equal(plain.begin() + 12, plain.end(), p.buffer.begin() + 12));
      CHECK(std::all_of(p.buffer.begin(), p.buffer.begin() + static_cast<long>(p.length), [](uint8_t x) { return x == 0; }));
    }
    Packet c = rtcp_rr();
    protect(a, c, true);
    c.buffer[20] ^= 0x80;
    CHECK(b.unprotect_rtcp(c.bytes()).status == UnprotectStatus::auth_failed);
    // The genuine packets still pass afterwards.
    Packet next = rtp(9);
    protect(a, next);
    CHECK(b.unprotect_rtp(next.bytes()).ok());
  }
}

TEST_CASE("srtp: a replayed packet is refused as replayed, RTP and RTCP") {
  for (SrtpSuite suite : kAllSuites) {
    CAPTURE(srtp_suite_info(suite).sdp_name);
    auto [a, b] = make_pair(suite);
    Packet p = rtp(100);
    protect(a, p);
    Packet copy = p;
    REQUIRE(b.unprotect_rtp(p.bytes()).ok());
    CHECK(b.unprotect_rtp(copy.bytes()).status == UnprotectStatus::replayed);

    Packet c = rtcp_rr();
    protect(a, c, true);
    Packet c_copy = c;
    REQUIRE(b.unprotect_rtcp(c.bytes()).ok());
    CHECK(b.unprotect_rtcp(c_copy.bytes()).status == UnprotectStatus::replayed);
  }
}

TEST_CASE("srtp: a packet older than the replay window is refused as replayed") {
  auto [a, b] = make_pair(SrtpSuite::aes_cm_128_hmac_sha1_80);
  Packet old = rtp(10);
  protect(a, old);
  for (uint16_t seq = 11; seq < 11 + 200; ++seq) {
    Packet p = rtp(seq);
    protect(a, p);
    REQUIRE(b.unprotect_rtp(p.bytes()).ok());
  }
  CHECK(b.unprotect_rtp(old.bytes()).status == UnprotectStatus::replayed);
}

TEST_CASE("srtp: the rollover counter carries the stream across a sequence wrap 65535 -> 0") {
  for (SrtpSuite suite : kAllSuites) {
    CAPTURE(srtp_suite_info(suite).sdp_name);
    auto [a, b] = make_pair(suite);
    uint16_t seq = 65530;
    for (int i = 0; i < 12; ++i, ++seq) {
      CAPTURE(seq);
      Packet p = rtp(seq);
      const auto plain = p.contents();
      protect(a, p);
      const auto r = b.unprotect_rtp(p.bytes());
      REQUIRE(r.status == UnprotectStatus::ok);
      CHECK(std::equal(plain.begin(), plain.end(), p.buffer.begin()));
    }
    CHECK(seq == 6);
  }
}

TEST_CASE("srtp: a packet sent with another key fails authentication") {
  for (SrtpSuite suite : kAllSuites) {
    CAPTURE(srtp_suite_info(suite).sdp_name);
    auto [a, b] = make_pair(suite);
    auto [x, y] = make_pair(suite);
    Packet p = rtp(1);
    protect(x, p);  // x's key, which b does not expect
    CHECK(b.unprotect_rtp(p.bytes()).status == UnprotectStatus::auth_failed);
    Packet c = rtcp_rr();
    protect(x, c, true);
    CHECK(b.unprotect_rtcp(c.bytes()).status == UnprotectStatus::auth_failed);
  }
}

TEST_CASE("srtp: what is not SRTP is malformed, and never read past its end") {
  auto [a, b] = make_pair(SrtpSuite::aes_cm_128_hmac_sha1_80);
  std::vector<uint8_t> empty;
  CHECK(b.unprotect_rtp(empty).status == UnprotectStatus::malformed);
  CHECK(b.unprotect_rtcp(empty).status == UnprotectStatus::malformed);
  std::vector<uint8_t> short_rtp(12 + 9, 0x80);  // one byte short of a tag
  CHECK(b.unprotect_rtp(short_rtp).status == UnprotectStatus::malformed);
  Packet p = rtp(5);
  protect(a, p);
  p.buffer[0] = 0x40;  // version 1
  CHECK(b.unprotect_rtp(p.bytes()).status == UnprotectStatus::malformed);
  Packet q = rtp(6, 0x11223344, 4);
  protect(a, q);
  q.buffer[0] = 0x8f;  // 15 CSRCs, 60 bytes the packet does not have
  CHECK(b.unprotect_rtp(q.bytes()).status == UnprotectStatus::malformed);
  std::vector<uint8_t> short_rtcp(8 + 4 + 9, 0x81);
  CHECK(b.unprotect_rtcp(short_rtcp).status == UnprotectStatus::malformed);
}

TEST_CASE("srtp: protect refuses what it cannot do honestly") {
  auto [a, b] = make_pair(SrtpSuite::aead_aes_128_gcm);
  Packet p = rtp(1);
  auto n = a.protect_rtp(std::span<uint8_t>(p.buffer.data(), p.length + 15), p.length);  // tag needs 16
  CHECK(!n.ok());
  CHECK(a.protect_rtp(p.buffer, 11).ok() == false);  // shorter than a header
  Packet once = rtp(2), twice = rtp(2);
  protect(a, once);
  CHECK(!a.protect_rtp(twice.buffer, twice.length).ok());  // same sequence number, same key stream

  auto k80 = SrtpKeys::generate(SrtpSuite::aes_cm_128_hmac_sha1_80);
  auto kgcm = SrtpKeys::generate(SrtpSuite::aead_aes_128_gcm);
  CHECK(!SrtpSession::create(*k80, *kgcm).ok());
  CHECK(!SrtpSession::create(SrtpKeys{}, *k80).ok());
}

TEST_CASE("srtp: keys with an MKI mark every packet, and a packet with another MKI is refused") {
  for (SrtpSuite suite : kAllSuites) {
    CAPTURE(srtp_suite_info(suite).sdp_name);
    auto plain_a = SrtpKeys::generate(suite);
    auto b_keys = SrtpKeys::generate(suite);
    auto a_keys = SrtpKeys::from_bytes(suite, plain_a->key_and_salt(), SrtpMki{7, 2});
    REQUIRE(a_keys.ok());
    auto a = SrtpSession::create(*a_keys, *b_keys);
    auto b = SrtpSession::create(*b_keys, *a_keys);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->rtp_overhead() == srtp_suite_info(suite).rtp_tag_length + 2);
    Packet p = rtp(1);
    const auto plain = p.contents();
    protect(*a, p);
    CHECK(p.length == plain.size() + a->rtp_overhead());
    // The MKI, 0x0007: before the tag (RFC 3711); after it for AEAD, whose tag is part of the ciphertext (RFC 7714).
    const size_t at = srtp_suite_info(suite).rtp_tag_length == 16 ? p.length - 2 : plain.size();
    CHECK(p.buffer[at] == 0);
    CHECK(p.buffer[at + 1] == 7);
    Packet c = rtcp_rr();
    protect(*a, c, true);
    Packet forged = rtp(2);
    protect(*a, forged);
    CHECK(b->unprotect_rtp(p.bytes()).ok());
    CHECK(b->unprotect_rtcp(c.bytes()).ok());
    forged.buffer[at + 1] = 8;
    CHECK(b->unprotect_rtp(forged.bytes()).status == UnprotectStatus::auth_failed);
  }
}

// libsrtp's own validation vectors (its test/srtp_driver.c): RFC 3711 B.3's
// master key and salt for AES_CM_128_HMAC_SHA1_80, and RFC 7714's key
// 000102...0f with salt a0a1...ab for AEAD_AES_128_GCM; SSRC 0xcafebabe,
// sequence 0x1234, sixteen 0xab bytes of payload; the first SRTCP index is 1.
TEST_CASE("srtp: known answers for AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM") {
  struct Vector {
    SrtpSuite suite;
    const char* key;
    const char* srtp;
    const char* srtcp;
  };
  const Vector vectors[] = {
      {SrtpSuite::aes_cm_128_hmac_sha1_80, "e1f97a0d3e018be0d64fa32c06de41390ec675ad498afeebb6960b3aabe6",
       "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb",
       "81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798"},
      {SrtpSuite::aead_aes_128_gcm, "000102030405060708090a0b0c0d0e0fa0a1a2a3a4a5a6a7a8a9aaab",
       "800f1234decafbadcafebabec5002ede04cfdd2eb91159e0880aa06ed2976826f796b201df3131a127e8a392",
       "81c8000bcafebabec98b8b5df0392a55852b6c21ac8e7025c52c6fbea2b3b446ea31123ba88ce61e80000001"},
  };
  const auto rtp_plain = hex("800f1234decafbadcafebabeabababababababababababababababab");
  const auto rtcp_plain = hex("81c8000bcafebabeabababababababababababababababab");
  for (const auto& v : vectors) {
    CAPTURE(srtp_suite_info(v.suite).sdp_name);
    auto keys = SrtpKeys::from_bytes(v.suite, hex(v.key));
    REQUIRE(keys.ok());
    auto sender = SrtpSession::create(*keys, *keys);
    auto receiver = SrtpSession::create(*keys, *keys);
    REQUIRE(sender.ok());
    REQUIRE(receiver.ok());

    std::vector<uint8_t> buf(rtp_plain);
    buf.resize(buf.size() + SrtpSession::kMaxOverhead);
    auto n = sender->protect_rtp(buf, rtp_plain.size());
    REQUIRE(n.ok());
    buf.resize(*n);
    CHECK(buf == hex(v.srtp));
    auto r = receiver->unprotect_rtp(buf);
    REQUIRE(r.ok());
    buf.resize(r.length);
    CHECK(buf == rtp_plain);

    buf = rtcp_plain;
    buf.resize(buf.size() + SrtpSession::kMaxOverhead);
    n = sender->protect_rtcp(buf, rtcp_plain.size());
    REQUIRE(n.ok());
    buf.resize(*n);
    CHECK(buf == hex(v.srtcp));
    r = receiver->unprotect_rtcp(buf);
    REQUIRE(r.ok());
    buf.resize(r.length);
    CHECK(buf == rtcp_plain);
  }
}

TEST_CASE("srtp keys: exact lengths, fresh randomness, wiped when moved from") {
  for (SrtpSuite suite : kAllSuites) {
    const auto& info = srtp_suite_info(suite);
    auto k = SrtpKeys::generate(suite);
    REQUIRE(k.ok());
    CHECK(k->key_and_salt().size() == info.key_length + info.salt_length);
    auto other = SrtpKeys::generate(suite);
    CHECK(!(*k == *other));
    std::vector<uint8_t> short_key(info.key_length + info.salt_length - 1, 1);
    CHECK(!SrtpKeys::from_bytes(suite, short_key).ok());
    SrtpKeys moved = std::move(*k);
    CHECK(k->empty());
    CHECK(!moved.empty());
    CHECK(srtp_suite_from_sdp_name(info.sdp_name) == suite);
    CHECK(srtp_suite_from_dtls_profile(info.dtls_profile) == suite);
  }
  CHECK(srtp_master_length(SrtpSuite::aes_cm_128_hmac_sha1_80) == 30);
  CHECK(srtp_master_length(SrtpSuite::aead_aes_128_gcm) == 28);
  CHECK(srtp_master_length(SrtpSuite::aead_aes_256_gcm) == 44);
  CHECK(!srtp_suite_from_sdp_name("aes_cm_128_hmac_sha1_80"));
  CHECK(!SrtpKeys::from_bytes(SrtpSuite::aes_cm_128_hmac_sha1_80, std::vector<uint8_t>(30), SrtpMki{256, 1}).ok());
  CHECK(!SrtpKeys::from_bytes(SrtpSuite::aes_cm_128_hmac_sha1_80, std::vector<uint8_t>(30), SrtpMki{1, 5}).ok());
}

// RFC 3711's receiver starts a stream's rollover counter at 0: when what the
// sender sent before its wrap never arrives, the receiver guesses wrong and
// nothing authenticates. Why senders should start below 2^15 (srtp_session.h).
TEST_CASE("srtp: a receiver that missed everything before the sender's wrap cannot authenticate after it") {
  auto [a, b] = make_pair(SrtpSuite::aes_cm_128_hmac_sha1_80);
  Packet lost = rtp(65535);
  protect(a, lost);  // never delivered
  Packet after = rtp(0);
  protect(a, after);
  CHECK(b.unprotect_rtp(after.bytes()).status == UnprotectStatus::auth_failed);
}
