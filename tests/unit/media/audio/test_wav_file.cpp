#include <doctest/doctest.h>

#include <sndfile.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "sipcall/media/audio/tone_detect.h"
#include "sipcall/media/audio/wav_file.h"
#include "media/audio/sound_file.h"  // src/media: which reader took a file
#include "../tone_helpers.h"

using namespace sipcall::media;
using sipcall::media::testing::make_tone;
namespace fs = std::filesystem;

namespace {
// Whether our RIFF reader decodes the file itself (libsndfile would read
// it too, and hide a reader bug behind the fallback).
bool ours(const fs::path& path) {
  auto r = open_riff_wav(path.string());
  return r.ok() && r.value() != nullptr;
}

fs::path temp_file(const std::string& name) { return fs::temp_directory_path() / ("sipcall_wav_" + name); }

// Writes a test file directly with libsndfile, in any format.
void write_file(const fs::path& path, int rate, int channels, int format, const std::vector<int16_t>& mono) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  REQUIRE(f != nullptr);
  std::vector<int16_t> interleaved;
  for (int16_t s : mono)
    for (int c = 0; c < channels; ++c) interleaved.push_back(s);
  const int subformat = format & SF_FORMAT_SUBMASK;
  if (subformat == SF_FORMAT_FLOAT || subformat == SF_FORMAT_DOUBLE) {
    // Shorts written into a float file are stored unscaled (1000.0);
    // real float WAVs hold -1.0..1.0, as the float API writes them.
    std::vector<float> scaled(interleaved.begin(), interleaved.end());
    for (float& v : scaled) v /= 32768.0f;
    sf_writef_float(f, scaled.data(), static_cast<sf_count_t>(mono.size()));
  } else {
    sf_writef_short(f, interleaved.data(), static_cast<sf_count_t>(mono.size()));
  }
  sf_close(f);
}
}  // namespace

TEST_SUITE("wav_file") {
  TEST_CASE("wav_file::sink then source round trip") {
    struct Case {
      int rate;
      double hz;
    };
    for (const Case c : {Case{48000, 440}, Case{8000, 1000}}) {
      CAPTURE(c.rate);
      const auto path = temp_file("roundtrip.wav");
      {
        auto sink = WavFileSink::open(path.string(), {c.rate, false});
        REQUIRE(sink.ok());
        ToneSource tone(c.hz, 10000);
        for (int i = 0; i < 50; ++i) (*sink)->write(tone.read());
        CHECK((*sink)->close().ok());
        CHECK((*sink)->close().ok());  // idempotent
      }
      auto data = read_wav(path.string());
      REQUIRE(data.ok());
      CHECK(data->sample_rate == c.rate);
      CHECK(data->channels == 1);
      CHECK(data->samples.size() == static_cast<size_t>(c.rate));  // 50 frames of 20 ms
      CHECK(tone_power_ratio(data->samples, c.rate, c.hz) > 0.9);

      auto source = WavFileSource::open(path.string(), false);
      REQUIRE(source.ok());
      std::vector<int16_t> played;
      int frames = 0;
      while (!(*source)->finished() && frames < 200) {
        PcmFrame f = (*source)->read();
        CHECK(f.size() == static_cast<size_t>(kFrameSamples));
        played.insert(played.end(), f.begin(), f.end());
        ++frames;
      }
      CHECK(frames >= 50);
      CHECK(frames <= 52);
      std::vector<int16_t> body(played.begin() + 4800, played.begin() + 40000);
      CHECK(tone_power_ratio(body, kPcmRate, c.hz) > 0.9);
      fs::remove(path);
    }
  }

  TEST_CASE("wav_file::stereo both: left is sent, right is received") {
    const auto path = temp_file("stereo.wav");
    {
      auto sink = WavFileSink::open(path.string(), {48000, true});
      REQUIRE(sink.ok());
      ToneSource sent(440, 8000), received(1000, 8000);
      for (int i = 0; i < 25; ++i) {
        (*sink)->on_sent(sent.read());
        (*sink)->write(received.read());
      }
    }  // destructor closes
    auto data = read_wav(path.string());
    REQUIRE(data.ok());
    REQUIRE(data->channels == 2);
    CHECK(tone_power_ratio(data->per_channel[0], 48000, 440) > 0.9);
    CHECK(tone_power_ratio(data->per_channel[1], 48000, 1000) > 0.9);
    fs::remove(path);
  }

  TEST_CASE("wav_file::any rate and channel count plays at 48 kHz mono") {
    struct Case {
      int rate, channels, format;
    };
    const Case cases[] = {{44100, 2, SF_FORMAT_WAV | SF_FORMAT_PCM_16},
                          {16000, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_24},
                          {8000, 1, SF_FORMAT_WAV | SF_FORMAT_ULAW},
                          {22050, 3, SF_FORMAT_WAV | SF_FORMAT_FLOAT}};
    for (const Case& c : cases) {
      CAPTURE(c.rate);
      CAPTURE(c.channels);
      const auto path = temp_file("in.wav");
      write_file(path, c.rate, c.channels, c.format, make_tone(1000, c.rate, static_cast<size_t>(c.rate / 2)));
      auto source = WavFileSource::open(path.string(), true);
      REQUIRE(source.ok());
      std::vector<int16_t> played;
      for (int i = 0; i < 50; ++i) {  // 1 s from a 0.5 s file: loops
        PcmFrame f = (*source)->read();
        played.insert(played.end(), f.begin(), f.end());
      }
      CHECK_FALSE((*source)->finished());
      CHECK(rms(std::vector<int16_t>(played.end() - 9600, played.end())) > 3000);  // still playing after the loop
      CHECK(tone_power_ratio(std::vector<int16_t>(played.begin() + 2400, played.begin() + 21600), kPcmRate, 1000) > 0.9);
      fs::remove(path);
    }
  }

  TEST_CASE("wav_file::unreadable files are clear errors") {
    const auto garbage = temp_file("garbage.wav");
    std::ofstream(garbage) << "this is not a RIFF file at all";
    const auto empty = temp_file("empty.wav");
    write_file(empty, 8000, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16, {});
    for (const fs::path& p : {temp_file("does_not_exist.wav"), garbage, empty}) {
      CAPTURE(p.string());
      auto r = WavFileSource::open(p.string(), false);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().kind() == sipcall::ErrorKind::unusable_file);
      CHECK(r.error().message().find(p.string()) != std::string::npos);
    }
    fs::remove(garbage);
    fs::remove(empty);
    auto sink = WavFileSink::open("/nonexistent-dir/x.wav");
    REQUIRE_FALSE(sink.ok());
    CHECK(sink.error().message().find("/nonexistent-dir/x.wav") != std::string::npos);
    CHECK_FALSE(WavFileSink::open(temp_file("x.wav").string(), {16000, false}).ok());
  }

  // The cases below are inputs that tests/fuzz/fuzz_wav_file led to.
  TEST_CASE("wav_file::headers claiming absurd rates or channel counts are rejected") {
    struct Case {
      int rate, channels;
      bool accepted;
    };
    // 100 MHz x 1024 channels: each 20 ms read allocated rate/50 frames, 4 GB.
    const Case cases[] = {{100'000'000, 1024, false}, {100'000'000, 1, false}, {48000, 1024, false},
                          {400'000, 2, false},        {384'000, 64, true},      {8000, 2, true}};
    for (const Case& c : cases) {
      CAPTURE(c.rate);
      CAPTURE(c.channels);
      const auto path = temp_file("absurd.wav");
      write_file(path, c.rate, c.channels, SF_FORMAT_WAV | SF_FORMAT_PCM_16, std::vector<int16_t>(10, 1000));
      auto source = WavFileSource::open(path.string(), true);
      auto data = read_wav(path.string());
      REQUIRE(source.ok() == c.accepted);
      CHECK(data.ok() == c.accepted);
      if (c.accepted) {
        CHECK((*source)->read().size() == static_cast<size_t>(kFrameSamples));
      } else {
        CHECK(source.error().kind() == sipcall::ErrorKind::unusable_file);
        CHECK(source.error().message().find(path.string()) != std::string::npos);
      }
      fs::remove(path);
    }
  }

  TEST_CASE("wav_file::read_wav reads what is there, not what the header claims") {
    // A FLAC whose STREAMINFO claims 2^36 - 1 frames: read_wav allocated
    // that many up front (128 GB) and died.
    const auto path = temp_file("lying.flac");
    write_file(path, 8000, 1, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, make_tone(440, 8000, 800));
    {
      std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
      char streaminfo[18];
      f.seekg(8);  // after "fLaC" and the metadata block header
      REQUIRE(f.read(streaminfo, sizeof streaminfo));
      streaminfo[13] = static_cast<char>(streaminfo[13] | 0x0f);  // total samples: 36 bits, all set
      std::fill(streaminfo + 14, streaminfo + 18, '\xff');
      f.seekp(8);
      REQUIRE(f.write(streaminfo, sizeof streaminfo));
    }
    auto data = read_wav(path.string());
    REQUIRE(data.ok());
    CHECK(data->samples.size() == 800);
    fs::remove(path);
  }

  TEST_CASE("wav_file::a looping file shorter than one frame fills every frame") {
    // Two frames of audio: each 20 ms frame takes some 480 passes through
    // the file (which fuzz_wav_file found slow while every pass allocated
    // a whole block).
    const auto path = temp_file("tiny.wav");
    write_file(path, 48000, 34, SF_FORMAT_WAV | SF_FORMAT_PCM_16, {8000, 8000});
    auto source = WavFileSource::open(path.string(), true);
    REQUIRE(source.ok());
    for (int i = 0; i < 5; ++i) {
      const PcmFrame f = (*source)->read();
      REQUIRE(f.size() == static_cast<size_t>(kFrameSamples));
      CHECK(rms(std::vector<int16_t>(f.begin() + 480, f.end())) > 1000);
    }
    CHECK_FALSE((*source)->finished());
    fs::remove(path);
  }

  // Our RIFF reader (src/media/audio/riff_wav.cpp) against libsndfile as the
  // oracle: the same file, written by libsndfile, must read the same.
  TEST_CASE("wav_file::our WAV reader reads every encoding as libsndfile does") {
    const int formats[] = {SF_FORMAT_WAV | SF_FORMAT_PCM_U8,   SF_FORMAT_WAV | SF_FORMAT_PCM_16,
                           SF_FORMAT_WAV | SF_FORMAT_PCM_24,   SF_FORMAT_WAV | SF_FORMAT_PCM_32,
                           SF_FORMAT_WAV | SF_FORMAT_FLOAT,    SF_FORMAT_WAV | SF_FORMAT_DOUBLE,
                           SF_FORMAT_WAV | SF_FORMAT_ALAW,     SF_FORMAT_WAV | SF_FORMAT_ULAW,
                           SF_FORMAT_WAVEX | SF_FORMAT_PCM_16, SF_FORMAT_WAVEX | SF_FORMAT_PCM_24,
                           SF_FORMAT_WAVEX | SF_FORMAT_FLOAT,  SF_FORMAT_WAVEX | SF_FORMAT_ULAW};
    for (const int format : formats) {
      CAPTURE(format);
      const auto path = temp_file("oracle.wav");
      std::vector<int16_t> tone = make_tone(700, 16000, 1600);
      for (size_t i = 0; i < tone.size(); i += 7) tone[i] = static_cast<int16_t>(-tone[i]);  // not only a sine
      write_file(path, 16000, 2, format, tone);
      SF_INFO info{};
      SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
      REQUIRE(f != nullptr);
      std::vector<int16_t> expected(static_cast<size_t>(info.frames * info.channels));
      sf_readf_short(f, expected.data(), info.frames);
      sf_close(f);
      // Except for float: libsndfile hands -1.0..1.0 out as shorts unscaled,
      // i.e. silence (sip-call played float WAVs so while it read them
      // through libsndfile). The tone itself is the reference there.
      const int subformat = format & SF_FORMAT_SUBMASK;
      if (subformat == SF_FORMAT_FLOAT || subformat == SF_FORMAT_DOUBLE)
        for (size_t i = 0; i < expected.size(); ++i) expected[i] = tone[i / 2];
      CHECK(ours(path));
      auto data = read_wav(path.string());
      REQUIRE(data.ok());
      CHECK(data->sample_rate == 16000);
      REQUIRE(data->channels == 2);
      REQUIRE(data->per_channel[0].size() == tone.size());
      int worst = 0;  // libsndfile rounds float to 16 bits its own way: allow one step
      for (size_t i = 0; i < tone.size(); ++i)
        for (size_t c = 0; c < 2; ++c)
          worst = std::max(worst, std::abs(data->per_channel[c][i] - expected[2 * i + c]));
      CHECK(worst <= 1);
      fs::remove(path);
    }
  }

  TEST_CASE("wav_file::other formats play through libsndfile, loaded on demand") {
    const int formats[] = {SF_FORMAT_WAV | SF_FORMAT_IMA_ADPCM, SF_FORMAT_WAV | SF_FORMAT_GSM610,
                           SF_FORMAT_AIFF | SF_FORMAT_PCM_16, SF_FORMAT_FLAC | SF_FORMAT_PCM_16};
    for (const int format : formats) {
      CAPTURE(format);
      const auto path = temp_file("other");
      write_file(path, 8000, 1, format, make_tone(1000, 8000, 8000));
      CHECK_FALSE(ours(path));
      auto data = read_wav(path.string());
      REQUIRE(data.ok());
      CHECK(data->sample_rate == 8000);
      CHECK(data->samples.size() >= 7000);  // block codecs pad or trim the end a little
      const bool lossy = (format & SF_FORMAT_SUBMASK) == SF_FORMAT_GSM610;  // 13 kb/s: a rough tone
      CHECK(tone_power_ratio(data->samples, 8000, 1000) > (lossy ? 0.6 : 0.9));
      fs::remove(path);
    }
  }

  TEST_CASE("wav_file::a WAV whose header lies about its data size reads what is there") {
    const auto path = temp_file("lying.wav");
    write_file(path, 8000, 1, SF_FORMAT_WAV | SF_FORMAT_PCM_16, make_tone(440, 8000, 800));
    for (const uint32_t claimed : {0xFFFFFFFFu, 0x7FFFFFF0u, 1000u}) {
      CAPTURE(claimed);
      {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        const char bytes[4] = {static_cast<char>(claimed), static_cast<char>(claimed >> 8),
                               static_cast<char>(claimed >> 16), static_cast<char>(claimed >> 24)};
        f.seekp(40);  // libsndfile writes the canonical 44-byte header here
        REQUIRE(f.write(bytes, 4));
      }
      CHECK(ours(path));
      auto data = read_wav(path.string());
      REQUIRE(data.ok());
      CHECK(data->samples.size() == std::min<size_t>(800, claimed / 2));
    }
    fs::remove(path);
  }

  TEST_CASE("wav_file::a recording is a valid WAV while it is being written") {
    // A process killed mid-call never closes its recording: what it wrote
    // up to the last whole second must still read back.
    const auto path = temp_file("unfinished.wav");
    auto sink = WavFileSink::open(path.string(), {8000, false});
    REQUIRE(sink.ok());
    ToneSource tone(440, 8000);
    for (int i = 0; i < 130; ++i) (*sink)->write(tone.read());  // 2.6 s
    SF_INFO info{};
    SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);  // the independent reader
    REQUIRE(f != nullptr);
    sf_close(f);
    CHECK(info.frames >= 16000);
    CHECK(info.frames <= 20800);
    auto unfinished = read_wav(path.string());
    REQUIRE(unfinished.ok());
    CHECK(unfinished->samples.size() == static_cast<size_t>(info.frames));
    CHECK((*sink)->close().ok());
    auto finished = read_wav(path.string());
    REQUIRE(finished.ok());
    CHECK(finished->samples.size() == 20800);
    fs::remove(path);
  }

  TEST_CASE("wav_file::chunks before the data are skipped, odd sizes padded") {
    // RIFF pads a chunk of odd size with one byte that its size does not
    // count; a reader that forgets it reads the next chunk one byte off.
    auto le = [](uint32_t v, int n) {
      std::string out;
      for (int i = 0; i < n; ++i) out += static_cast<char>(v >> (8 * i));
      return out;
    };
    const std::string fmt = le(1, 2) + le(1, 2) + le(8000, 4) + le(16000, 4) + le(2, 2) + le(16, 2);
    const std::string list = "INFOISFT" + le(5, 4) + "test!";  // 17 bytes
    std::string data;
    for (int i = 0; i < 10; ++i) data += le(static_cast<uint32_t>(1000 * i), 2);
    const std::string body = "WAVEfmt " + le(16, 4) + fmt + "LIST" + le(17, 4) + list + std::string(1, '\0') +
                             "data" + le(static_cast<uint32_t>(data.size()), 4) + data;
    const auto path = temp_file("chunks.wav");
    std::ofstream(path, std::ios::binary) << "RIFF" << le(static_cast<uint32_t>(body.size()), 4) << body;
    CHECK(ours(path));
    auto wav = read_wav(path.string());
    REQUIRE(wav.ok());
    REQUIRE(wav->samples.size() == 10);
    for (int i = 0; i < 10; ++i) CHECK(wav->samples[static_cast<size_t>(i)] == 1000 * i);
    fs::remove(path);
  }
}

TEST_SUITE("wav_file") {
  TEST_CASE("wav_file::a FIFO is refused as a recording (it would block, and the header is rewritten in place)") {
    const std::string fifo = (std::filesystem::temp_directory_path() / "sipcall_record_fifo").string();
    std::filesystem::remove(fifo);
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    auto sink = WavFileSink::open(fifo);
    CHECK_FALSE(sink.ok());
    if (!sink.ok()) CHECK(sink.error().kind() == sipcall::ErrorKind::unusable_file);
    std::filesystem::remove(fifo);
  }

  TEST_CASE("wav_file::a FIFO is read once, whole, as --play") {
    const auto dir = std::filesystem::temp_directory_path();
    const std::string wav = (dir / "sipcall_play_src.wav").string();
    const std::string fifo = (dir / "sipcall_play_fifo").string();
    {
      auto sink = WavFileSink::open(wav);
      REQUIRE(sink.ok());
      for (int i = 0; i < 25; ++i) sink.value()->write(PcmFrame(kFrameSamples, 1000));
      sink.value()->close();
    }
    std::filesystem::remove(fifo);
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    std::thread writer([&] {
      std::ifstream in(wav, std::ios::binary);
      std::ofstream out(fifo, std::ios::binary);  // blocks until the reader opens
      out << in.rdbuf();
    });
    auto source = WavFileSource::open(fifo, false);
    writer.join();
    REQUIRE(source.ok());
    CHECK(source.value()->read()[100] != 0);
    std::filesystem::remove(fifo);
    std::filesystem::remove(wav);
  }
}
