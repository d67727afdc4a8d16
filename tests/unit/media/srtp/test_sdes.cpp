// SDES a=crypto handling (src/media/srtp/sdes.h): parsing, formatting, offer,
// answer, and the redaction of keys from text.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "media/srtp/sdes.h"
#include "media/srtp/srtp_session.h"

using namespace sipcall::media;

namespace {

// RFC 4568's own example line (its key is 30 bytes of ASCII text).
constexpr std::string_view kRfcExample = "1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4";
constexpr std::string_view kKey80 = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";

std::string error_of(std::string_view value) {
  auto r = parse_crypto_attribute(value);
  REQUIRE_MESSAGE(!r.ok(), "accepted: ", std::string(value));
  return r.error().message();
}

}  // namespace

TEST_CASE("sdes: RFC 4568's example parses: tag, suite, key, lifetime, MKI") {
  auto a = parse_crypto_attribute(kRfcExample);
  REQUIRE(a.ok());
  CHECK(a->tag == 1);
  CHECK(a->keys.suite() == SrtpSuite::aes_cm_128_hmac_sha1_80);
  REQUIRE(a->keys.key_and_salt().size() == 30);
  CHECK(a->keys.key_and_salt()[0] == 'Y');  // the example's key is ASCII text
  CHECK(a->lifetime == uint64_t{1} << 20);
  REQUIRE(a->keys.mki());
  CHECK(*a->keys.mki() == SrtpMki{1, 4});
  CHECK(format_crypto_attribute(*a) == kRfcExample);
}

TEST_CASE("sdes: every suite formats and parses back, with the padding RFC 4648 wants") {
  auto offer = make_crypto_offer();
  REQUIRE(offer.ok());
  REQUIRE(offer->size() == 4);
  const auto order = srtp_suites_by_preference();
  for (size_t i = 0; i < offer->size(); ++i) {
    const auto& a = (*offer)[i];
    CHECK(a.tag == i + 1);
    CHECK(a.keys.suite() == order[i]);
    CHECK(!a.keys.mki());
    CHECK(!a.lifetime);
    const std::string line = format_crypto_attribute(a);
    CAPTURE(srtp_suite_info(a.keys.suite()).sdp_name);
    auto back = parse_crypto_attribute(line);
    REQUIRE(back.ok());
    CHECK(back->tag == a.tag);
    CHECK(back->keys == a.keys);
    const size_t key_chars = line.size() - line.find("inline:") - 7;
    CHECK(key_chars == (srtp_master_length(a.keys.suite()) + 2) / 3 * 4);
    if (a.keys.suite() == SrtpSuite::aead_aes_128_gcm) CHECK(line.ends_with("=="));
    if (a.keys.suite() == SrtpSuite::aead_aes_256_gcm) CHECK((line.ends_with("=") && !line.ends_with("==")));
  }
  CHECK(!((*offer)[0].keys == (*offer)[1].keys));
}

TEST_CASE("sdes: what we accept beside the key") {
  const std::string base = "7 AES_CM_128_HMAC_SHA1_80 inline:" + std::string(kKey80);
  auto a = parse_crypto_attribute(base + "|2^31");
  REQUIRE(a.ok());
  CHECK(a->lifetime == uint64_t{1} << 31);
  CHECK(!a->keys.mki());
  a = parse_crypto_attribute(base + "|2^48|1:1");
  REQUIRE(a.ok());
  CHECK(*a->keys.mki() == SrtpMki{1, 1});
  a = parse_crypto_attribute(base + "|1000000");
  REQUIRE(a.ok());
  CHECK(a->lifetime == 1000000);
  CHECK(format_crypto_attribute(*a) == base + "|1000000");
  a = parse_crypto_attribute(base + "|4294967295:4");
  REQUIRE(a.ok());
  CHECK(a->keys.mki()->value == 4294967295u);
  a = parse_crypto_attribute(base + " WSH=128 KDR=0 -FUTURE_PARAM=1");
  REQUIRE(a.ok());
  CHECK(a->window_size_hint == 128u);
  a = parse_crypto_attribute("\t" + base + "  \t");  // whitespace runs around fields
  CHECK(a.ok());
  a = parse_crypto_attribute("7 AES_CM_128_HMAC_SHA1_80 INLINE:" + std::string(kKey80));
  CHECK(a.ok());
  // Unpadded base64 of a GCM key (28 bytes) is accepted like the padded one.
  auto gcm = SrtpKeys::generate(SrtpSuite::aead_aes_128_gcm);
  CryptoAttribute g;
  g.keys = *gcm;
  std::string line = format_crypto_attribute(g);
  REQUIRE(line.ends_with("=="));
  line.resize(line.size() - 2);
  auto unpadded = parse_crypto_attribute(line);
  REQUIRE(unpadded.ok());
  CHECK(unpadded->keys == *gcm);
}

TEST_CASE("sdes: bad input gets a clear error that shows no key") {
  const std::string key(kKey80);
  const std::string suite = " AES_CM_128_HMAC_SHA1_80 inline:";
  struct Case {
    std::string value;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"1" + suite + "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubG!z", "base64"},
      {"1" + suite + key.substr(0, 36) + "==", "base64"},  // padding after 36 characters
      {"1" + suite + key.substr(0, 38), "base64"},         // 38 chars: 28.5 bytes, not canonical
      {"1" + suite + key.substr(0, 36), "27 bytes"},
      {"1" + suite + key + "AAAA", "33 bytes"},
      {"1 AEAD_AES_128_GCM inline:" + key, "30 bytes; AEAD_AES_128_GCM needs 28"},
      {"1 F8_128_HMAC_SHA1_80 inline:" + key, "unsupported crypto suite F8_128_HMAC_SHA1_80"},
      {"1 AES_256_CM_HMAC_SHA1_80 inline:" + key, "unsupported crypto suite AES_256_CM_HMAC_SHA1_80"},
      {"1 AES-CM inline:" + key, "bad crypto suite name"},
      {"1" + suite + key + std::string(600, 'A'), "longer than 512"},
      {"1" + suite + key + "\r\n", "control character"},
      {"1" + suite + key.substr(0, 10) + '\x01' + key.substr(11), "control character"},
      {"1" + suite + key + "\xc3\xa9", "non-ASCII"},
      {"1 AES_CM_128_HMAC_SHA1_80", "needs a tag, a suite and a key"},
      {"", "needs a tag"},
      {"x" + suite + key, "tag"},
      {"1234567890" + suite + key, "tag"},
      {"1 AES_CM_128_HMAC_SHA1_80 uri:" + key, "inline:"},
      {"1" + suite + key + ";inline:" + key, "more than one key"},
      {"1" + suite + key + "|1:5", "MKI of 5 bytes is not supported"},
      {"1" + suite + key + "|256:1", "does not fit in 1 bytes"},
      {"1" + suite + key + "|1:", "value:length"},
      {"1" + suite + key + "|1:0", "value:length"},
      {"1" + suite + key + "|2^49", "2^48"},
      {"1" + suite + key + "|0", "1 to 2^48"},
      {"1" + suite + key + "|2^20|2^20", "two lifetimes"},
      {"1" + suite + key + "|1:4|2^20", "nothing may follow the MKI"},
      {"1" + suite + key + "|", "key[|lifetime]"},
      {"1" + suite + key + "|2^20|1:4|x", "nothing may follow"},
      {"1" + suite + key + " UNENCRYPTED_SRTP", "UNENCRYPTED_SRTP is refused"},
      {"1" + suite + key + " UNAUTHENTICATED_SRTP", "UNAUTHENTICATED_SRTP is refused"},
      {"1" + suite + key + " KDR=1", "key derivation rate"},
      {"1" + suite + key + " WSH=32", "WSH"},
      {"1" + suite + key + " FEC_KEY=inline:" + key, "FEC_KEY"},
      {"1" + suite + key + " FUTURE=1", "unknown session parameter FUTURE"},
      {"1" + suite + key + " inline:" + key, "unknown session parameter"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.value);
    const std::string message = error_of(c.value);
    CHECK_MESSAGE(message.find(c.says) != std::string::npos, message);
    CHECK(message.starts_with("a=crypto: "));
    CHECK(message.find(key.substr(0, 12)) == std::string::npos);
  }
}

TEST_CASE("sdes: the answerer takes the first offered line it supports") {
  const std::string key(kKey80);
  const std::string gcm_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==";
  const std::vector<std::string> offer = {
      "1 AES_256_CM_HMAC_SHA1_80 inline:" + key + key.substr(0, 20),
      "2 AES_CM_128_HMAC_SHA1_80 inline:" + key.substr(0, 20),  // broken
      "3 AEAD_AES_128_GCM inline:" + gcm_key,
      "4 AES_CM_128_HMAC_SHA1_80 inline:" + key,
  };
  std::vector<std::string_view> views(offer.begin(), offer.end());
  auto answer = answer_crypto_offer(views);
  REQUIRE(answer.ok());
  CHECK(answer->theirs.tag == 3);
  CHECK(answer->ours.tag == 3);
  CHECK(answer->ours.keys.suite() == SrtpSuite::aead_aes_128_gcm);
  CHECK(!(answer->ours.keys == answer->theirs.keys));
  CHECK(!answer->ours.keys.mki());

  // Only the suites we enable count.
  const SrtpSuite only_80[] = {SrtpSuite::aes_cm_128_hmac_sha1_80};
  answer = answer_crypto_offer(views, only_80);
  REQUIRE(answer.ok());
  CHECK(answer->theirs.tag == 4);
  CHECK(answer->ours.keys.suite() == SrtpSuite::aes_cm_128_hmac_sha1_80);

  // Nothing usable: each line's reason, and no key.
  std::vector<std::string_view> bad(views.begin(), views.begin() + 2);
  auto none = answer_crypto_offer(bad);
  REQUIRE(!none.ok());
  CHECK(none.error().message().find("line 1: a=crypto: unsupported crypto suite AES_256_CM_HMAC_SHA1_80") != std::string::npos);
  CHECK(none.error().message().find("line 2: a=crypto: key and salt are 15 bytes") != std::string::npos);
  CHECK(none.error().message().find(key.substr(0, 12)) == std::string::npos);
  CHECK(!answer_crypto_offer({}).ok());
  const std::vector<std::string_view> many(9, "1 F8_128_HMAC_SHA1_80 inline:x");
  none = answer_crypto_offer(many);
  REQUIRE(!none.ok());
  CHECK(none.error().message().find("and 5 more") != std::string::npos);
}

TEST_CASE("sdes: offer, answer, acceptance, then SRTP both ways with the agreed keys") {
  auto offer = make_crypto_offer();
  REQUIRE(offer.ok());
  std::vector<std::string> lines;
  for (const auto& a : *offer) lines.push_back(format_crypto_attribute(a));
  std::vector<std::string_view> views(lines.begin(), lines.end());
  const SrtpSuite gcm_only[] = {SrtpSuite::aead_aes_128_gcm};
  auto answer = answer_crypto_offer(views, gcm_only);
  REQUIRE(answer.ok());
  auto agreed = accept_crypto_answer(*offer, format_crypto_attribute(answer->ours));
  REQUIRE(agreed.ok());
  CHECK(agreed->ours.suite() == SrtpSuite::aead_aes_128_gcm);
  CHECK(agreed->theirs == answer->ours.keys);

  auto offerer = SrtpSession::create(agreed->ours, agreed->theirs);
  auto answerer = SrtpSession::create(answer->ours.keys, answer->theirs.keys);
  REQUIRE(offerer.ok());
  REQUIRE(answerer.ok());
  std::vector<uint8_t> packet(12 + 160 + SrtpSession::kMaxOverhead, 0x5a);
  packet[0] = 0x80;
  auto n = offerer->protect_rtp(packet, 172);
  REQUIRE(n.ok());
  CHECK(answerer->unprotect_rtp(std::span<uint8_t>(packet.data(), *n)).ok());
  std::fill(packet.begin(), packet.end(), 0x33);
  packet[0] = 0x80;
  n = answerer->protect_rtp(packet, 172);
  REQUIRE(n.ok());
  CHECK(offerer->unprotect_rtp(std::span<uint8_t>(packet.data(), *n)).ok());

  // An answer that does not fit our offer.
  CryptoAttribute wrong = answer->ours;
  wrong.tag = 9;
  CHECK(accept_crypto_answer(*offer, format_crypto_attribute(wrong)).error().message().find("not in our offer") !=
        std::string::npos);
  wrong.tag = 1;  // our tag 1 is AES_CM_128_HMAC_SHA1_80
  CHECK(!accept_crypto_answer(*offer, format_crypto_attribute(wrong)).ok());
}

TEST_CASE("sdes: redaction replaces every inline: key, keeps the rest, and is idempotent") {
  const std::string key(kKey80);
  const std::string sdp =
      "v=0\r\nm=audio 4000 RTP/SAVP 0\r\n"
      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key + "|2^31|1:1\r\n"
      "a=crypto:2 AEAD_AES_128_GCM INLINE:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==\r\n"
      "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" + key + " FEC_KEY=inline:" + key + "\r\n"
      "a=x:inline:";
  const std::string redacted = redact_sdes_keys(sdp);
  CHECK(redacted ==
        "v=0\r\nm=audio 4000 RTP/SAVP 0\r\n"
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<redacted>|2^31|1:1\r\n"
        "a=crypto:2 AEAD_AES_128_GCM INLINE:<redacted>\r\n"
        "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:<redacted> FEC_KEY=inline:<redacted>\r\n"
        "a=x:inline:");
  CHECK(redact_sdes_keys(redacted) == redacted);
  CHECK(redacted.find(key.substr(0, 8)) == std::string::npos);
  CHECK(redact_sdes_keys("no keys here") == "no keys here");
  CHECK(redact_sdes_keys("") == "");
  // In a JSON string, a key ends at the quote.
  CHECK(redact_sdes_keys("{\"sdp\":\"a=crypto:1 X inline:" + key + "\"}") == "{\"sdp\":\"a=crypto:1 X inline:<redacted>\"}");
  auto offer = make_crypto_offer();
  for (const auto& a : *offer) {
    const std::string line = format_crypto_attribute(a);
    CHECK(redact_sdes_keys(line) == line.substr(0, line.find("inline:") + 7) + "<redacted>");
  }
}
