// Mono int16 sample-rate conversion, backed by speexdsp's resampler: a
// well-tested polyphase filter is not worth re-deriving, and the package
// is already a dependency for the jitter buffer.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "sipcall/error.h"

namespace sipcall::media {

class Resampler {
 public:
  // quality: 0 (fastest) .. 10 (best); 5 is speex's VoIP default.
  static Result<Resampler> create(int in_rate, int out_rate, int quality = 5);

  Resampler(Resampler&&) noexcept;
  Resampler& operator=(Resampler&&) noexcept;
  ~Resampler();

  // Converts a block; state carries over between calls, so a stream of
  // blocks resamples seamlessly. Output length is in.size()*out/in, give or
  // take one sample; exact when the ratio divides the block (960 <-> 160).
  std::vector<int16_t> process(std::span<const int16_t> in);

  int in_rate() const { return in_rate_; }
  int out_rate() const { return out_rate_; }

 private:
  struct State;
  Resampler(std::unique_ptr<State> state, int in_rate, int out_rate);
  std::unique_ptr<State> state_;
  int in_rate_ = 0;
  int out_rate_ = 0;
};

}  // namespace sipcall::media
