// WebRTC media in the media session: two sessions on 127.0.0.1 connect
// over ICE, agree SRTP keys by DTLS and hear each other's tones; a far end
// whose certificate is not its fingerprint gives no media and says why.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "sipcall/media/audio/tone_detect.h"
#include "sipcall/media/audio/wav_file.h"
#include "sipcall/media/session/media_session.h"
#include "session_test_support.h"

using namespace sipcall::media;
using namespace sipcall::media::testing;
namespace fs = std::filesystem;

namespace {

MediaOptions loopback() { return loopback_options(45000, 49999); }

MediaParams pcmu_over(std::vector<TransportAttribute> media) {
  MediaParams p;
  p.remote_address = "0.0.0.0";  // c= of a WebRTC offer is only a default
  p.remote_rtp_port = 9;
  p.rtcp_mux = true;
  p.codec = {"pcmu", 0, 8000, 1};
  p.webrtc = WebRtcRemote{{}, std::move(media)};
  return p;
}

// Two sessions ready for WebRTC media: a offers, b answers.
std::pair<std::unique_ptr<MediaSession>, std::unique_ptr<MediaSession>> offerer_and_answerer() {
  auto a = MediaSession::open(loopback());
  auto b = MediaSession::open(loopback());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(!a.value()->prepare_webrtc(true));
  REQUIRE(!b.value()->prepare_webrtc(false));
  return {std::move(a.value()), std::move(b.value())};
}

fs::path temp_wav(const std::string& name) {
  return fs::temp_directory_path() / ("sipcall_webrtc_" + name + "_" + std::to_string(getpid()) + ".wav");
}

}  // namespace

TEST_SUITE("media_session webrtc") {
  TEST_CASE("media_session webrtc::two sessions connect by ICE and DTLS-SRTP and hear each other") {
    auto [a, b] = offerer_and_answerer();
    const auto offer = a->webrtc_attributes();
    CHECK(a->webrtc_port() > 0);
    // The answerer reads the offer before it writes its answer.
    REQUIRE(!b->set_webrtc_remote({{}, offer}));
    const auto answer = b->webrtc_attributes();
    CHECK(std::count(answer.begin(), answer.end(), TransportAttribute{"setup", "active"}) == 1);

    const auto a_wav = temp_wav("a"), b_wav = temp_wav("b");
    auto a_sink = WavFileSink::open(a_wav.string());
    auto b_sink = WavFileSink::open(b_wav.string());
    REQUIRE(a_sink.ok());
    REQUIRE(b_sink.ok());
    REQUIRE(!b->start(pcmu_over(offer), std::make_unique<ToneSource>(1000, 8000), std::move(b_sink.value())));
    REQUIRE(!a->start(pcmu_over(answer), std::make_unique<ToneSource>(440, 8000), std::move(a_sink.value())));
    CHECK(await([&] { return a->stats().packets_received >= 50 && b->stats().packets_received >= 50; },
                std::chrono::seconds(5)));
    a->stop();
    b->stop();
    const MediaStats sa = a->stats(), sb = b->stats();
    CHECK(sa.transport_error == "");
    CHECK(sa.security == "dtls-srtp");
    CHECK(sb.security == "dtls-srtp");
    CHECK(sa.srtp_suite == sb.srtp_suite);
    CHECK(sa.srtp_suite == "AEAD_AES_256_GCM");
    CHECK(sa.ice_local.find("host 127.0.0.1:") == 0);
    CHECK(sa.ice_remote == sb.ice_local);
    CHECK(sa.ice_ms >= 0);
    CHECK(sb.dtls_ms > 0);
    CHECK(sa.packets_unauthenticated == 0);
    CHECK(sa.packets_send_failed == 0);
    CHECK(sa.rtcp_received >= 1);  // SRTCP muxed on the pair
    auto heard_a = read_wav(a_wav.string());
    auto heard_b = read_wav(b_wav.string());
    REQUIRE(heard_a.ok());
    REQUIRE(heard_b.ok());
    CHECK(tone_power_ratio(heard_a->samples, kPcmRate, 1000) > 0.5);
    CHECK(tone_power_ratio(heard_b->samples, kPcmRate, 440) > 0.5);
    fs::remove(a_wav);
    fs::remove(b_wav);
  }

  TEST_CASE("media_session webrtc::a fingerprint that is not the far end's gives no media and one line why") {
    auto [a, b] = offerer_and_answerer();
    auto offer = a->webrtc_attributes();
    for (auto& attr : offer)
      if (attr.name == "fingerprint") attr.value[8] = attr.value[8] == 'A' ? 'B' : 'A';  // first hex digit
    REQUIRE(!b->set_webrtc_remote({{}, offer}));
    const auto answer = b->webrtc_attributes();
    REQUIRE(!b->start(pcmu_over(offer), std::make_unique<ToneSource>(1000, 8000), std::make_unique<NullSink>()));
    REQUIRE(!a->start(pcmu_over(answer), std::make_unique<ToneSource>(440, 8000), std::make_unique<NullSink>()));
    CHECK(await([&] { return !b->stats().transport_error.empty(); }, std::chrono::seconds(5)));
    const MediaStats sb = b->stats();
    CHECK(sb.transport_error == "DTLS: the peer's certificate does not match a=fingerprint");
    CHECK(sb.packets_received == 0);
    CHECK(sb.packets_sent == 0);  // nothing leaves without keys
    CHECK(sb.security == "dtls-srtp");  // the profile agreed; no keys came of it
    CHECK(sb.srtp_suite.empty());
    a->stop();
    b->stop();
    CHECK(a->stats().packets_received == 0);
  }
}
