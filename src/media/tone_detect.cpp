#include "sipcall/media/tone_detect.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace sipcall::media {

namespace {
// Squared magnitude of the DFT bin at hz (Goertzel recurrence).
double goertzel_power(const std::vector<int16_t>& samples, int rate, double hz) {
  const double coeff = 2.0 * std::cos(2.0 * std::numbers::pi * hz / rate);
  double s1 = 0, s2 = 0;
  for (int16_t x : samples) {
    const double s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

double energy(const std::vector<int16_t>& samples) {
  double e = 0;
  for (int16_t x : samples) e += static_cast<double>(x) * x;
  return e;
}
}  // namespace

double tone_power_ratio(const std::vector<int16_t>& samples, int rate, double hz) {
  const double e = energy(samples);
  if (samples.empty() || e <= 0 || rate <= 0) return 0;
  // A pure sinusoid of N samples puts N/2 * energy into its bin's |X|^2;
  // normalising by that makes a pure tone score ~1.
  const double ratio = 2.0 * goertzel_power(samples, rate, hz) / (static_cast<double>(samples.size()) * e);
  return std::min(1.0, ratio);
}

double rms(const std::vector<int16_t>& samples) {
  return samples.empty() ? 0 : std::sqrt(energy(samples) / static_cast<double>(samples.size()));
}

double dominant_frequency(const std::vector<int16_t>& samples, int rate, double min_hz, double max_hz,
                          double step_hz) {
  double best_hz = 0, best = -1;
  for (double hz = min_hz; hz <= max_hz; hz += step_hz) {
    const double p = goertzel_power(samples, rate, hz);
    if (p > best) {
      best = p;
      best_hz = hz;
    }
  }
  return best_hz;
}

}  // namespace sipcall::media
