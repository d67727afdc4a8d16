// CallSecurity: --media-security applied to offers and answers, on SDP as
// sip-call, Asterisk and baresip write it.
#include <doctest/doctest.h>

#include "commands/call/call_security.h"
#include "media/srtp/srtp_key_pair.h"

using namespace sipcall;

namespace {

SdpAudio peer_audio(bool srtp, std::vector<std::string> crypto = {}) {
  SdpAudio a;
  a.address = "192.0.2.7";
  a.port = 4000;
  a.srtp = srtp;
  a.crypto = std::move(crypto);
  return a;
}

// A peer's offer of every suite (as sip-call and baresip make them).
std::vector<std::string> peer_offer_lines() {
  auto offer = media::make_sdes_offer();
  REQUIRE(offer.ok());
  return offer->lines;
}

}  // namespace

TEST_SUITE("call_security") {
  TEST_CASE("call_security::sdes offers RTP/SAVP with a fresh key per suite, auto and none plain RTP") {
    LocalMedia local;
    CallSecurity sdes(MediaSecurity::sdes);
    REQUIRE(!sdes.offer(local));
    REQUIRE(local.crypto.size() == 4);
    CHECK(local.crypto[0].rfind("1 AES_CM_128_HMAC_SHA1_80 inline:", 0) == 0);
    CHECK(local.crypto[1].rfind("2 AEAD_AES_", 0) == 0);
    CHECK(local.crypto[2].rfind("3 AEAD_AES_", 0) == 0);
    CHECK(local.crypto[3].rfind("4 AES_CM_128_HMAC_SHA1_32 inline:", 0) == 0);  // the weakest tag last
    const auto first = local.crypto;
    REQUIRE(!sdes.offer(local));
    CHECK(local.crypto != first);  // fresh keys every time
    const std::string sdp = build_sdp(local, offer_formats({"pcmu"}));
    CHECK(sdp.find("m=audio 0 RTP/SAVP 0 101\r\n") != std::string::npos);
    CHECK(sdp.find("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:") != std::string::npos);

    for (MediaSecurity plain : {MediaSecurity::automatic, MediaSecurity::none}) {
      CallSecurity s(plain);
      REQUIRE(!s.offer(local));
      CHECK(local.crypto.empty());
      CHECK(build_sdp(local, offer_formats({"pcmu"})).find("RTP/AVP") != std::string::npos);
    }
  }

  TEST_CASE("call_security::the offerer takes a fitting SRTP answer and refuses a plain one") {
    LocalMedia ours;
    CallSecurity offerer(MediaSecurity::sdes);
    REQUIRE(!offerer.offer(ours));
    auto reply = media::answer_sdes_offer(ours.crypto);
    REQUIRE(reply.ok());
    media::MediaParams params;
    REQUIRE(!offerer.accept_answer(peer_audio(true, {reply->line}), params));
    REQUIRE(params.srtp);
    CHECK(params.srtp->ours == reply->keys->theirs);
    CHECK(params.srtp->theirs == reply->keys->ours);
    CHECK(media::srtp_suite_name(*params.srtp) == "AES_CM_128_HMAC_SHA1_80");

    CallSecurity again(MediaSecurity::sdes);
    REQUIRE(!again.offer(ours));
    Error plain = again.accept_answer(peer_audio(false), params);
    REQUIRE(plain);
    CHECK(plain.kind() == ErrorKind::unusable_sdp);
    CHECK(plain.message() == "--media-security sdes: the far end answered plain RTP/AVP, not SRTP (RTP/SAVP)");
    CHECK_FALSE(params.srtp);
    CHECK(again.accept_answer(peer_audio(true), params).message().find("no a=crypto") != std::string::npos);

    // auto offered plain: an SRTP answer breaks offer/answer.
    CallSecurity automatic(MediaSecurity::automatic);
    REQUIRE(!automatic.offer(ours));
    CHECK(automatic.accept_answer(peer_audio(true, {reply->line}), params));
    CHECK(!automatic.accept_answer(peer_audio(false), params));
  }

  TEST_CASE("call_security::answering: the profile must suit the mode") {
    media::MediaParams params;
    LocalMedia local;
    CallSecurity automatic(MediaSecurity::automatic);
    REQUIRE(!automatic.answer_offer(peer_audio(false), local, params));
    CHECK(local.crypto.empty());
    CHECK_FALSE(params.srtp);
    REQUIRE(!automatic.answer_offer(peer_audio(true, peer_offer_lines()), local, params));
    REQUIRE(local.crypto.size() == 1);
    CHECK(local.crypto[0].rfind("1 AES_CM_128_HMAC_SHA1_80 inline:", 0) == 0);  // the offer's first
    CHECK(params.srtp);

    CallSecurity sdes(MediaSecurity::sdes);
    Error plain = sdes.answer_offer(peer_audio(false), local, params);
    REQUIRE(plain);
    CHECK(plain.message() == "--media-security sdes: the offer is plain RTP/AVP, not SRTP (RTP/SAVP)");

    CallSecurity none(MediaSecurity::none);
    Error secure = none.answer_offer(peer_audio(true, peer_offer_lines()), local, params);
    REQUIRE(secure);
    CHECK(secure.message().find("plain RTP only") != std::string::npos);
  }

  TEST_CASE("call_security::an offer of unknown suites only is refused, naming them and no key") {
    media::MediaParams params;
    LocalMedia local;
    CallSecurity sdes(MediaSecurity::sdes);
    const std::string key = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
    Error e = sdes.answer_offer(peer_audio(true, {"1 F8_128_HMAC_SHA1_80 inline:" + key}), local, params);
    REQUIRE(e);
    CHECK(e.kind() == ErrorKind::unusable_sdp);
    CHECK(e.message().find("F8_128_HMAC_SHA1_80") != std::string::npos);
    CHECK(e.message().find(key.substr(0, 8)) == std::string::npos);
  }

  TEST_CASE("call_security::a re-offer of the same line keeps the keys, a new one re-keys, plain is refused") {
    media::MediaParams params;
    LocalMedia local;
    CallSecurity s(MediaSecurity::automatic);
    const auto lines = peer_offer_lines();
    REQUIRE(!s.answer_offer(peer_audio(true, lines), local, params));
    const auto first_line = local.crypto;
    const auto first_keys = params.srtp;
    REQUIRE(!s.answer_offer(peer_audio(true, lines), local, params));  // hold, say
    CHECK(local.crypto == first_line);
    CHECK(params.srtp->same_keys(*first_keys));
    REQUIRE(!s.answer_offer(peer_audio(true, peer_offer_lines()), local, params));
    CHECK(local.crypto != first_line);
    CHECK_FALSE(params.srtp->same_keys(*first_keys));

    Error downgrade = s.answer_offer(peer_audio(false), local, params);
    REQUIRE(downgrade);
    CHECK(downgrade.message().find("runs SRTP") != std::string::npos);
    // And our own offer in that call (an offerless re-INVITE) is SRTP too.
    REQUIRE(!s.offer(local));
    CHECK(local.crypto.size() == 4);
  }
}
