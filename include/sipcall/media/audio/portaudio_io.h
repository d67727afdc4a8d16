// Sound devices through PortAudio (ALSA on Linux). The device's callback
// only moves samples through an SpscRing; the media clock stays ours, so
// a device without a real clock (ALSA null/file plugins) cannot stall or
// race a call.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sipcall/error.h"
#include "sipcall/media/audio/audio_io.h"

namespace sipcall::media {

struct PortAudioStream;  // stream, ring and resampler; portaudio_io.cpp

struct AudioDeviceInfo {
  int index = -1;
  std::string name;
  std::string host_api;           // e.g. "ALSA"
  int max_input_channels = 0;
  int max_output_channels = 0;
  double default_sample_rate = 0;  // [Hz]
  bool is_default_input = false;
  bool is_default_output = false;
};

// For `sip-call devices`. Error::media if PortAudio cannot initialise.
Result<std::vector<AudioDeviceInfo>> list_devices();

// `device`: "" or "default" for the default device, a number for an index
// from list_devices(), otherwise a name (exact, else a unique
// case-insensitive substring). Errors name the device asked for.
class PortAudioSource final : public AudioSource {
 public:
  static Result<std::unique_ptr<PortAudioSource>> open(const std::string& device);
  ~PortAudioSource() override;
  PcmFrame read() override;  // silence while the device has not delivered a frame

 private:
  friend struct PortAudioStream;  // open() builds one through it
  explicit PortAudioSource(std::unique_ptr<PortAudioStream> s);
  std::unique_ptr<PortAudioStream> stream_;
};

class PortAudioSink final : public AudioSink {
 public:
  static Result<std::unique_ptr<PortAudioSink>> open(const std::string& device);
  ~PortAudioSink() override;
  void write(const PcmFrame& received) override;  // drops the frame if the device lags
  Error close() override;

 private:
  friend struct PortAudioStream;  // open() builds one through it
  explicit PortAudioSink(std::unique_ptr<PortAudioStream> s);
  std::unique_ptr<PortAudioStream> stream_;
};

}  // namespace sipcall::media
