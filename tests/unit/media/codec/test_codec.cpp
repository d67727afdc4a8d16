#include <doctest/doctest.h>

#include <string>

#include "sipcall/media/codec/codec.h"
#include "sipcall/media/audio/tone_detect.h"
#include "../tone_helpers.h"

using namespace sipcall::media;
using sipcall::media::testing::make_tone;

namespace {
// Encodes and decodes 1 s of a tone; returns the decoded second half.
std::vector<int16_t> round_trip(Codec& codec, double hz) {
  const size_t n = codec.pcm_samples_per_packet();
  std::vector<int16_t> decoded;
  for (size_t start = 0; start < kPcmRate; start += n) {
    auto pcm = make_tone(hz, kPcmRate, n, 8000, start);
    auto payload = codec.encode(pcm);
    REQUIRE(payload.ok());
    auto back = codec.decode(*payload);
    REQUIRE(back.ok());
    CHECK(back->size() == n);
    decoded.insert(decoded.end(), back->begin(), back->end());
  }
  return {decoded.begin() + static_cast<long>(decoded.size() / 2), decoded.end()};
}
}  // namespace

TEST_SUITE("codec") {
  TEST_CASE("codec::factory by name") {
    struct Case {
      CodecSpec spec;
      bool ok;
      const char* name;
      int clock_rate;
      uint32_t frame_ticks;
    };
    const Case cases[] = {
        {{"PCMU", 0, 8000, 1}, true, "pcmu", 8000, 160},
        {{"pcma", 8, 0, 1}, true, "pcma", 8000, 160},
        {{"opus", 111, 48000, 2}, true, "opus", 48000, 960},
        {{"Opus", 96, 0, 2}, true, "opus", 48000, 960},
        {{"g729", 18, 8000, 1}, false, "", 0, 0},
        {{"pcmu", 0, 16000, 1}, false, "", 0, 0},
        {{"opus", 111, 8000, 2}, false, "", 0, 0},
        {{"pcmu", 128, 8000, 1}, false, "", 0, 0},
    };
    for (const Case& c : cases) {
      CAPTURE(c.spec.name);
      CAPTURE(c.spec.clock_rate);
      auto codec = make_codec(c.spec, 20);
      REQUIRE(codec.ok() == c.ok);
      if (!c.ok) {
        CHECK(codec.error().message().find(c.spec.name) != std::string::npos);
        continue;
      }
      CHECK((*codec)->name() == c.name);
      CHECK((*codec)->clock_rate() == c.clock_rate);
      CHECK((*codec)->payload_type() == c.spec.payload_type);
      CHECK((*codec)->samples_per_frame() == c.frame_ticks);
      CHECK((*codec)->pcm_samples_per_packet() == 960);
    }
    CHECK_FALSE(make_codec({"pcmu", 0, 8000, 1}, 25).ok());
  }

  TEST_CASE("codec::a tone keeps its frequency through encode and decode") {
    struct Case {
      const char* name;
      int pt;
      int ptime;
      double hz;
    };
    const Case cases[] = {{"pcmu", 0, 20, 440},  {"pcma", 8, 20, 1000}, {"opus", 111, 20, 440},
                          {"opus", 111, 20, 1000}, {"opus", 111, 60, 440}, {"pcmu", 0, 40, 1000}};
    for (const Case& c : cases) {
      CAPTURE(c.name);
      CAPTURE(c.hz);
      CAPTURE(c.ptime);
      auto codec = make_codec({c.name, c.pt, 0, 1}, c.ptime);
      REQUIRE(codec.ok());
      auto tail = round_trip(**codec, c.hz);
      CHECK(rms(tail) > 2000);
      CHECK(tone_power_ratio(tail, kPcmRate, c.hz) > 0.8);
      CHECK(dominant_frequency(tail, kPcmRate) == doctest::Approx(c.hz).epsilon(0.02));
    }
  }

  TEST_CASE("codec::G.711 payload is one byte per 8 kHz sample") {
    auto codec = make_codec({"pcmu", 0, 8000, 1}, 20);
    REQUIRE(codec.ok());
    auto payload = (*codec)->encode(make_tone(440, kPcmRate, 960));
    REQUIRE(payload.ok());
    CHECK(payload->size() == 160);
  }

  TEST_CASE("codec::concealment fills a lost packet") {
    for (const char* name : {"pcmu", "opus"}) {
      CAPTURE(name);
      auto codec = make_codec({name, 0, 0, 1}, 20);
      REQUIRE(codec.ok());
      Codec& c = **codec;
      std::vector<std::vector<uint8_t>> packets;
      for (size_t start = 0; start < 10 * 960; start += 960) packets.push_back(*c.encode(make_tone(440, kPcmRate, 960, 8000, start)));
      for (size_t i = 0; i < 5; ++i) REQUIRE(c.decode(packets[i]).ok());
      // Packet 5 lost; packet 6 already here (FEC for opus).
      PcmFrame hidden = c.conceal(packets[6]);
      CHECK(hidden.size() == 960);
      CHECK(rms(hidden) > 500);
      PcmFrame blind = c.conceal({});
      CHECK(blind.size() == 960);
    }
  }

  TEST_CASE("codec::opus rejects garbage payloads") {
    auto codec = make_codec({"opus", 111, 48000, 2}, 20);
    REQUIRE(codec.ok());
    CHECK_FALSE((*codec)->decode(std::vector<uint8_t>{}).ok());
    const std::vector<uint8_t> bad{0xff, 0xff, 0xff, 0xff, 0xff};
    (void)(*codec)->decode(bad);  // error or noise, never a crash
  }
}
