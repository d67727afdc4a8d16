#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "sipcall/media/audio/audio_io.h"
#include "media/audio/spsc_ring.h"
#include "sipcall/media/audio/tone_detect.h"

using namespace sipcall::media;

namespace {
// Counts what reaches it, to check TeeSink fans out.
class CountingSink final : public AudioSink {
 public:
  explicit CountingSink(int* writes, int* sent, int* closes) : writes_(writes), sent_(sent), closes_(closes) {}
  void write(const PcmFrame&) override { ++*writes_; }
  void on_sent(const PcmFrame&) override { ++*sent_; }
  sipcall::Error close() override {
    ++*closes_;
    return {};
  }

 private:
  int *writes_, *sent_, *closes_;
};
}  // namespace

TEST_SUITE("audio_io") {
  TEST_CASE("audio_io::tone source is continuous across frames") {
    for (double hz : {440.0, 1000.0, 3150.0}) {
      CAPTURE(hz);
      ToneSource tone(hz, 12000);
      std::vector<int16_t> all;
      for (int i = 0; i < 25; ++i) {
        PcmFrame f = tone.read();
        REQUIRE(f.size() == static_cast<size_t>(kFrameSamples));
        all.insert(all.end(), f.begin(), f.end());
      }
      CHECK(tone_power_ratio(all, kPcmRate, hz) > 0.98);
      CHECK(rms(all) == doctest::Approx(12000 / std::sqrt(2.0)).epsilon(0.01));
      CHECK(dominant_frequency(all, kPcmRate, 100, 4000, 10) == doctest::Approx(hz).epsilon(0.01));
    }
  }

  TEST_CASE("audio_io::silence and null") {
    SilenceSource s;
    CHECK(rms(s.read()) == 0);
    NullSink n;
    n.write(PcmFrame(kFrameSamples, 1));
    CHECK(n.close().ok());
  }

  TEST_CASE("audio_io::echo pair plays back what it received, bounded") {
    auto echo = make_echo_pair(3);
    CHECK(rms(echo.source->read()) == 0);  // nothing received yet
    for (int16_t v = 1; v <= 5; ++v) echo.sink->write(PcmFrame(kFrameSamples, v));
    // Only the newest three are kept.
    CHECK(echo.source->read()[0] == 3);
    CHECK(echo.source->read()[0] == 4);
    CHECK(echo.source->read()[0] == 5);
    CHECK(echo.source->read()[0] == 0);
  }

  TEST_CASE("audio_io::tee writes to every sink") {
    int writes = 0, sent = 0, closes = 0;
    std::vector<std::unique_ptr<AudioSink>> sinks;
    sinks.push_back(std::make_unique<CountingSink>(&writes, &sent, &closes));
    sinks.push_back(std::make_unique<CountingSink>(&writes, &sent, &closes));
    TeeSink tee(std::move(sinks));
    tee.on_sent(PcmFrame(kFrameSamples));
    tee.write(PcmFrame(kFrameSamples));
    CHECK(tee.close().ok());
    CHECK(writes == 2);
    CHECK(sent == 2);
    CHECK(closes == 2);
  }

  TEST_CASE("audio_io::SPSC ring keeps order across threads") {
    SpscRing<int> ring(100);
    CHECK(ring.capacity() == 100);
    constexpr int kCount = 200000;
    std::thread producer([&] {
      int next = 0;
      while (next < kCount) {
        int chunk[7];
        for (int i = 0; i < 7; ++i) chunk[i] = next + i;
        next += static_cast<int>(ring.write(chunk, std::min(7, kCount - next)));
      }
    });
    int expected = 0;
    bool in_order = true;
    while (expected < kCount) {
      int buf[13];
      const size_t n = ring.read(buf, 13);
      for (size_t i = 0; i < n; ++i) in_order = in_order && buf[i] == expected++;
    }
    producer.join();
    CHECK(in_order);
    CHECK(ring.available() == 0);
  }

  TEST_CASE("audio_io::SPSC ring full, skip and wrap") {
    SpscRing<int16_t> ring(4);
    const int16_t in[6] = {1, 2, 3, 4, 5, 6};
    CHECK(ring.write(in, 6) == 4);  // full: the rest is refused
    CHECK(ring.skip(2) == 2);
    CHECK(ring.write(in + 4, 2) == 2);  // wraps
    int16_t out[4] = {};
    CHECK(ring.read(out, 4) == 4);
    CHECK(out[0] == 3);
    CHECK(out[3] == 6);
    CHECK(ring.read(out, 4) == 0);
  }
}
