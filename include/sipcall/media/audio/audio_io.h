// The audio seam: where PCM comes from and goes to. Every source and sink
// speaks the internal format (pcm.h: 20 ms, 48 kHz, mono, int16); devices
// and files convert at their edge.
//
// Threading: a MediaSession calls read()/write()/on_sent() from its one
// media clock thread only, and close() after that thread has stopped.
// Implementations need no locking of their own unless they have a second
// thread (PortAudio's callback), which they then hide.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sipcall/error.h"
#include "sipcall/media/audio/pcm.h"

namespace sipcall::media {

class AudioSource {
 public:
  virtual ~AudioSource() = default;
  // Returns exactly kFrameSamples samples. Never blocks longer than one
  // frame: a source with nothing ready returns silence.
  virtual PcmFrame read() = 0;
  // True once a non-looping source has nothing more to play.
  virtual bool finished() const { return false; }
};

class AudioSink {
 public:
  virtual ~AudioSink() = default;
  // One received frame of kFrameSamples samples.
  virtual void write(const PcmFrame& received) = 0;
  // The frame we sent in the same tick (called before write()); recorders
  // that keep both directions use it, everyone else ignores it.
  virtual void on_sent(const PcmFrame& /*sent*/) {}
  // Flushes and releases the file or device. Idempotent.
  virtual Error close() { return {}; }
};

// A sine wave; amplitude in int16 units (0..32767), phase continuous.
class ToneSource final : public AudioSource {
 public:
  ToneSource(double hz, double amplitude);
  PcmFrame read() override;

 private:
  double phase_step_;  // [rad/sample]
  double amplitude_;
  double phase_ = 0;   // [rad]
};

class SilenceSource final : public AudioSource {
 public:
  PcmFrame read() override { return PcmFrame(kFrameSamples, 0); }
};

class NullSink final : public AudioSink {
 public:
  void write(const PcmFrame&) override {}
};

// Writes every frame to several sinks (e.g. echo + recording).
class TeeSink final : public AudioSink {
 public:
  explicit TeeSink(std::vector<std::unique_ptr<AudioSink>> sinks) : sinks_(std::move(sinks)) {}
  void write(const PcmFrame& received) override;
  void on_sent(const PcmFrame& sent) override;
  Error close() override;  // closes all, returns the first error

 private:
  std::vector<std::unique_ptr<AudioSink>> sinks_;
};

// For `--echo`: whatever the sink receives, the source plays back one or
// more frames later. Both halves may live on different threads; they share
// a small bounded queue (oldest frames dropped when it is full).
struct EchoPair {
  std::unique_ptr<AudioSource> source;
  std::unique_ptr<AudioSink> sink;
};
EchoPair make_echo_pair(size_t max_queued_frames = 10);

}  // namespace sipcall::media
