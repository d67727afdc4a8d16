// The device-free sources and sinks: tone, tee, echo.
#include <cmath>
#include <deque>
#include <mutex>
#include <numbers>

#include "sipcall/media/audio/audio_io.h"

namespace sipcall::media {

ToneSource::ToneSource(double hz, double amplitude)
    : phase_step_(2 * std::numbers::pi * hz / kPcmRate), amplitude_(amplitude) {}

PcmFrame ToneSource::read() {
  PcmFrame out(kFrameSamples);
  for (auto& s : out) {
    s = static_cast<int16_t>(amplitude_ * std::sin(phase_));
    phase_ = std::fmod(phase_ + phase_step_, 2 * std::numbers::pi);  // no drift over long calls
  }
  return out;
}

void TeeSink::write(const PcmFrame& received) {
  for (auto& s : sinks_) s->write(received);
}

void TeeSink::on_sent(const PcmFrame& sent) {
  for (auto& s : sinks_) s->on_sent(sent);
}

Error TeeSink::close() {
  Error first;
  for (auto& s : sinks_)
    if (Error e = s->close(); e && first.ok()) first = e;
  return first;
}

namespace {
struct EchoQueue {
  std::mutex mu;
  std::deque<PcmFrame> frames;
  size_t max_frames;
};

class EchoSource final : public AudioSource {
 public:
  explicit EchoSource(std::shared_ptr<EchoQueue> q) : q_(std::move(q)) {}
  PcmFrame read() override {
    std::lock_guard lock(q_->mu);
    if (q_->frames.empty()) return PcmFrame(kFrameSamples, 0);
    PcmFrame f = std::move(q_->frames.front());
    q_->frames.pop_front();
    return f;
  }

 private:
  std::shared_ptr<EchoQueue> q_;
};

class EchoSink final : public AudioSink {
 public:
  explicit EchoSink(std::shared_ptr<EchoQueue> q) : q_(std::move(q)) {}
  void write(const PcmFrame& received) override {
    std::lock_guard lock(q_->mu);
    if (q_->frames.size() >= q_->max_frames) q_->frames.pop_front();
    q_->frames.push_back(received);
  }

 private:
  std::shared_ptr<EchoQueue> q_;
};
}  // namespace

EchoPair make_echo_pair(size_t max_queued_frames) {
  auto q = std::make_shared<EchoQueue>();
  q->max_frames = max_queued_frames ? max_queued_frames : 1;
  return {std::make_unique<EchoSource>(q), std::make_unique<EchoSink>(q)};
}

}  // namespace sipcall::media
