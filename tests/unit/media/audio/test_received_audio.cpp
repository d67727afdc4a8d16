#include <doctest/doctest.h>

#include <memory>

#include "sipcall/media/audio/received_audio.h"
#include "../tone_helpers.h"

using namespace sipcall::media;
using sipcall::media::testing::make_tone;

TEST_SUITE("received_audio") {
  TEST_CASE("received_audio::ReceivedAudioSink keeps what arrived, up to kMaxSeconds") {
    auto audio = std::make_shared<ReceivedAudio>();
    ReceivedAudioSink sink(audio);
    PcmFrame frame(kFrameSamples, 7);
    sink.write(frame);
    CHECK(audio->samples == frame);
    const size_t limit = static_cast<size_t>(kPcmRate) * ReceivedAudio::kMaxSeconds;
    while (audio->samples.size() < limit) sink.write(frame);
    const size_t full = audio->samples.size();
    sink.write(frame);
    CHECK(audio->samples.size() == full);
    CHECK(full < limit + kFrameSamples);
  }

  TEST_CASE("received_audio::check_tone finds the expected tone and names what else arrived") {
    ReceivedAudio audio;
    audio.samples = make_tone(440, kPcmRate, kPcmRate);  // 1 s at amplitude 8000, about -12 dBFS
    ToneVerdict v = check_tone(audio, 440);
    CHECK(v.found);
    CHECK(v.ratio > 0.9);
    CHECK(v.dominant_hz == doctest::Approx(440).epsilon(0.03));
    CHECK(v.level_dbfs == doctest::Approx(-15.2).epsilon(0.05));

    ToneVerdict other = check_tone(audio, 1000);
    CHECK_FALSE(other.found);
    CHECK(other.ratio < 0.1);
    CHECK(other.dominant_hz == doctest::Approx(440).epsilon(0.03));
  }

  TEST_CASE("received_audio::check_tone: silence, a faint tone and nothing at all are not the tone") {
    ReceivedAudio silence;
    silence.samples.assign(kPcmRate, 0);
    ToneVerdict s = check_tone(silence, 440);
    CHECK_FALSE(s.found);
    CHECK(s.level_dbfs == -99);

    ReceivedAudio faint;  // amplitude 40: about -58 dBFS, below the -50 dBFS floor
    faint.samples = make_tone(440, kPcmRate, kPcmRate, 40);
    ToneVerdict f = check_tone(faint, 440);
    CHECK(f.ratio > 0.9);
    CHECK_FALSE(f.found);

    ToneVerdict none = check_tone(ReceivedAudio{}, 440);
    CHECK_FALSE(none.found);
    CHECK(none.ratio == 0);
    CHECK(none.level_dbfs == -99);
  }
}
