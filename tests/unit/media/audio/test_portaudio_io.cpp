// PortAudio through ALSA without a sound card: an asoundrc (found through
// ALSA_CONFIG_PATH, which replaces the system configuration) makes
// "default" an asym device that captures from a `file` plugin reading a
// raw tone file and plays into `null`. Neither plugin has a real clock,
// which is exactly the case our own media clock exists for.
//
// If PortAudio cannot open ALSA in this environment the test says why and
// skips instead of failing.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sipcall/media/audio/portaudio_io.h"
#include "sipcall/media/audio/tone_detect.h"
#include "../tone_helpers.h"

using namespace sipcall::media;
namespace fs = std::filesystem;

namespace {
struct AlsaFixture {
  fs::path dir = fs::temp_directory_path() / "sipcall_alsa_test";
  std::string previous;
  bool had_previous = false;

  AlsaFixture() {
    fs::create_directories(dir);
    // 5 s of 440 Hz, raw S16_LE mono 48 kHz: what the file plugin's
    // `infile` hands to a capture stream of that format.
    const auto tone = sipcall::media::testing::make_tone(440, 48000, 5 * 48000, 9000);
    std::ofstream(dir / "tone.raw", std::ios::binary)
        .write(reinterpret_cast<const char*>(tone.data()), static_cast<std::streamsize>(tone.size() * 2));
    std::ofstream(dir / "asoundrc") << "pcm.!default {\n"
                                       "  type asym\n"
                                       "  capture.pcm {\n"
                                       "    type file\n"
                                       "    slave.pcm \"sipcall_null\"\n"
                                       "    file \"/dev/null\"\n"
                                       "    infile \"" << (dir / "tone.raw").string() << "\"\n"
                                       "    format \"raw\"\n"
                                       "  }\n"
                                       "  playback.pcm \"sipcall_null\"\n"
                                       "}\n"
                                       "pcm.sipcall_null { type null }\n";
    if (const char* p = std::getenv("ALSA_CONFIG_PATH")) {
      previous = p;
      had_previous = true;
    }
    setenv("ALSA_CONFIG_PATH", (dir / "asoundrc").c_str(), 1);
  }
  ~AlsaFixture() {
    if (had_previous)
      setenv("ALSA_CONFIG_PATH", previous.c_str(), 1);
    else
      unsetenv("ALSA_CONFIG_PATH");
    fs::remove_all(dir);
  }
};
}  // namespace

TEST_SUITE("portaudio") {
  TEST_CASE("portaudio::capture a tone file and play into null through ALSA plugins") {
    AlsaFixture alsa;
    auto devices = list_devices();
    if (!devices.ok()) {
      MESSAGE("skipped: PortAudio cannot initialise: " << devices.error().message());
      return;
    }
    bool has_default = false;
    for (const AudioDeviceInfo& d : *devices) {
      MESSAGE("device " << d.index << " '" << d.name << "' (" << d.host_api << ") in=" << d.max_input_channels
                        << " out=" << d.max_output_channels << " rate=" << d.default_sample_rate
                        << std::string(d.is_default_input ? " default-in" : "")
                        << std::string(d.is_default_output ? " default-out" : ""));
      has_default = has_default || d.name == "default";
    }
    if (!has_default) {
      MESSAGE("skipped: PortAudio lists no ALSA 'default' device with this configuration");
      return;
    }

    auto source = PortAudioSource::open("default");
    if (!source.ok()) {
      MESSAGE("skipped: " << source.error().message());
      return;
    }
    auto sink = PortAudioSink::open("default");
    REQUIRE_MESSAGE(sink.ok(), (sink.ok() ? "" : sink.error().message()));

    // Our clock paces the exchange, 20 ms per frame, for one second.
    std::vector<int16_t> captured;
    auto deadline = std::chrono::steady_clock::now();
    for (int i = 0; i < 50; ++i) {
      PcmFrame f = (*source)->read();
      CHECK(f.size() == static_cast<size_t>(kFrameSamples));
      captured.insert(captured.end(), f.begin(), f.end());
      (*sink)->write(f);
      deadline += std::chrono::milliseconds(20);
      std::this_thread::sleep_until(deadline);
    }
    CHECK((*sink)->close().ok());
    const std::vector<int16_t> tail(captured.begin() + static_cast<long>(captured.size() / 2), captured.end());
    CHECK(rms(tail) > 3000);
    CHECK(tone_power_ratio(tail, kPcmRate, 440) > 0.5);
  }

  TEST_CASE("portaudio::unknown devices are clear errors") {
    AlsaFixture alsa;
    auto source = PortAudioSource::open("no-such-device-xyz");
    REQUIRE_FALSE(source.ok());
    CHECK(source.error().message().find("no-such-device-xyz") != std::string::npos);
    auto sink = PortAudioSink::open("9999");
    REQUIRE_FALSE(sink.ok());
    CHECK(sink.error().message().find("9999") != std::string::npos);
  }
}
