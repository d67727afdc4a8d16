// PCMU/PCMA adapter: 48 kHz <-> 8 kHz through speexdsp, G.711 per sample.
#include <string>

#include "sipcall/media/codec/codec.h"
#include "g711.h"
#include "resampler.h"

namespace sipcall::media {

namespace {
constexpr int kG711Rate = 8000;  // [Hz]

class G711Codec final : public Codec {
 public:
  G711Codec(const CodecSpec& spec, int ptime_ms, bool alaw, Resampler down, Resampler up)
      : Codec(spec.payload_type, kG711Rate, 1, ptime_ms), alaw_(alaw), down_(std::move(down)), up_(std::move(up)) {}

  std::string name() const override { return alaw_ ? "pcma" : "pcmu"; }

  Result<std::vector<uint8_t>> encode(std::span<const int16_t> pcm) override {
    std::vector<int16_t> narrow = down_.process(pcm);
    narrow.resize(samples_per_frame(), narrow.empty() ? 0 : narrow.back());  // keep packets exact
    std::vector<uint8_t> out(narrow.size());
    for (size_t i = 0; i < narrow.size(); ++i)
      out[i] = alaw_ ? g711::linear_to_alaw(narrow[i]) : g711::linear_to_ulaw(narrow[i]);
    return out;
  }

  Result<PcmFrame> decode(std::span<const uint8_t> payload) override {
    std::vector<int16_t> narrow(payload.size());
    for (size_t i = 0; i < payload.size(); ++i)
      narrow[i] = alaw_ ? g711::alaw_to_linear(payload[i]) : g711::ulaw_to_linear(payload[i]);
    PcmFrame wide = up_.process(narrow);
    wide.resize(narrow.size() * (kPcmRate / kG711Rate), wide.empty() ? 0 : wide.back());
    last_ = wide;
    lost_in_row_ = 0;
    return wide;
  }

  // G.711 has no PLC of its own: repeat the last packet, halving it per
  // consecutive loss so a long gap fades to silence instead of buzzing.
  PcmFrame conceal(std::span<const uint8_t>) override {
    PcmFrame out(pcm_samples_per_packet(), 0);
    if (last_.empty() || ++lost_in_row_ > 4) return out;
    const int shift = lost_in_row_;
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int16_t>(last_[i % last_.size()] >> shift);
    return out;
  }

 private:
  bool alaw_;
  Resampler down_;  // 48 kHz -> 8 kHz
  Resampler up_;    // 8 kHz -> 48 kHz
  PcmFrame last_;
  int lost_in_row_ = 0;
};
}  // namespace

Result<std::unique_ptr<Codec>> make_g711_codec(const CodecSpec& spec, int ptime_ms, bool alaw) {
  if (spec.clock_rate != 0 && spec.clock_rate != kG711Rate)
    return Error::codec("codec " + spec.name + ": clock rate must be 8000, not " + std::to_string(spec.clock_rate));
  auto down = Resampler::create(kPcmRate, kG711Rate);
  if (!down.ok()) return down.error();
  auto up = Resampler::create(kG711Rate, kPcmRate);
  if (!up.ok()) return up.error();
  return std::unique_ptr<Codec>(
      std::make_unique<G711Codec>(spec, ptime_ms, alaw, std::move(down.value()), std::move(up.value())));
}

}  // namespace sipcall::media
