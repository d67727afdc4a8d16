#include "resampler.h"

#include <speex/speex_resampler.h>

#include <string>

namespace sipcall::media {

struct Resampler::State {
  SpeexResamplerState* speex = nullptr;
  ~State() {
    if (speex) speex_resampler_destroy(speex);
  }
};

Resampler::Resampler(std::unique_ptr<State> state, int in_rate, int out_rate)
    : state_(std::move(state)), in_rate_(in_rate), out_rate_(out_rate) {}
Resampler::Resampler(Resampler&&) noexcept = default;
Resampler& Resampler::operator=(Resampler&&) noexcept = default;
Resampler::~Resampler() = default;

Result<Resampler> Resampler::create(int in_rate, int out_rate, int quality) {
  if (in_rate <= 0 || out_rate <= 0)
    return Error::codec("resampler: invalid rates " + std::to_string(in_rate) + " -> " + std::to_string(out_rate));
  int err = 0;
  auto state = std::make_unique<State>();
  state->speex = speex_resampler_init(1, static_cast<spx_uint32_t>(in_rate), static_cast<spx_uint32_t>(out_rate),
                                      quality, &err);
  if (!state->speex || err != RESAMPLER_ERR_SUCCESS)
    return Error::codec(std::string("resampler: ") + speex_resampler_strerror(err));
  return Resampler(std::move(state), in_rate, out_rate);
}

std::vector<int16_t> Resampler::process(std::span<const int16_t> in) {
  if (in_rate_ == out_rate_) return {in.begin(), in.end()};
  std::vector<int16_t> out(in.size() * static_cast<size_t>(out_rate_) / static_cast<size_t>(in_rate_) + 2);
  auto in_len = static_cast<spx_uint32_t>(in.size());
  auto out_len = static_cast<spx_uint32_t>(out.size());
  speex_resampler_process_int(state_->speex, 0, in.data(), &in_len, out.data(), &out_len);
  out.resize(out_len);
  return out;
}

}  // namespace sipcall::media
