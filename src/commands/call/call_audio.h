// Where a call's audio comes from and goes to, chosen by the media flags.
// Internal to src/commands.
#pragma once

#include <memory>
#include <string>

#include "sipcall/error.h"
#include "sipcall/media/audio/audio_io.h"
#include "sipcall/media/audio/received_audio.h"
#include "sipcall/config/options.h"
#include "sipcall/report/reporter.h"

namespace sipcall {

struct CallAudio {
  std::unique_ptr<media::AudioSource> source;
  std::unique_ptr<media::AudioSink> sink;
  std::string source_label;  // for the report: "tone 440 Hz", "file hello.wav", "device default"
  std::shared_ptr<media::ReceivedAudio> received;  // with --expect-tone
};

// Opens the source and sinks for one call. `record_path` overrides
// options.record_file (answer numbers the files of later calls). With
// `echo` the source is what the sink received. A missing default speaker
// is a warning (headless machines); every other failure is an error:
// Error::usage for files, Error::media for devices.
Result<CallAudio> open_call_audio(const CallOptions& options, bool echo, const std::string& record_path,
                                  Reporter& reporter);

}  // namespace sipcall
