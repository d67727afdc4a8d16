// Where a call's audio comes from and goes to, chosen by the media flags.
// Internal to src/commands.
#pragma once

#include <memory>
#include <cstdint>
#include <string>
#include <vector>

#include "sipcall/error.h"
#include "sipcall/media/audio/audio_io.h"
#include "sipcall/config/options.h"
#include "sipcall/report/reporter.h"

namespace sipcall {

// What arrived, kept for --expect-tone. Written by the media thread only;
// read after MediaSession::stop() has joined it.
struct ReceivedAudio {
  std::vector<int16_t> samples;  // 48 kHz mono, at most kMaxSeconds
  static constexpr int kMaxSeconds = 120;
};

// The verdict of --expect-tone on a call's received audio.
struct ToneVerdict {
  bool found = false;
  double ratio = 0;         // power at the tone / total power, 0..1
  double dominant_hz = 0;   // strongest frequency 100..4000 Hz
  double level_dbfs = -99;  // RMS level
};
ToneVerdict check_tone(const ReceivedAudio& audio, double hz);

struct CallAudio {
  std::unique_ptr<media::AudioSource> source;
  std::unique_ptr<media::AudioSink> sink;
  std::string source_label;  // for the report: "tone 440 Hz", "file hello.wav", "device default"
  std::shared_ptr<ReceivedAudio> received;  // with --expect-tone
};

// Opens the source and sinks for one call. `record_path` overrides
// options.record_file (answer numbers the files of later calls). With
// `echo` the source is what the sink received. A missing default speaker
// is a warning (headless machines); every other failure is an error:
// Error::usage for files, Error::media for devices.
Result<CallAudio> open_call_audio(const CallOptions& options, bool echo, const std::string& record_path,
                                  Reporter& reporter);

}  // namespace sipcall
