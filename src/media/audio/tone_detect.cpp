#include "sipcall/media/audio/tone_detect.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

namespace sipcall::media {

namespace {
// Squared magnitude of the DFT bin at hz over samples [first, last)
// (Goertzel recurrence).
double goertzel_power(const int16_t* first, const int16_t* last, int rate, double hz) {
  const double coeff = 2.0 * std::cos(2.0 * std::numbers::pi * hz / rate);
  double s1 = 0, s2 = 0;
  for (const int16_t* p = first; p != last; ++p) {
    const double s0 = *p + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

// In-place iterative radix-2 FFT; a.size() is a power of two.
void fft(std::vector<std::complex<double>>& a) {
  const size_t n = a.size();
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    const std::complex<double> step = std::polar(1.0, -2.0 * std::numbers::pi / static_cast<double>(len));
    for (size_t i = 0; i < n; i += len) {
      std::complex<double> w = 1.0;
      for (size_t k = 0; k < len / 2; ++k, w *= step) {
        const std::complex<double> u = a[i + k], v = a[i + k + len / 2] * w;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
      }
    }
  }
}

// Averaged power spectrum (Welch: Hann-windowed blocks of `n`, half
// overlapping), bins 0..n/2. A block shorter than n at the end is left out
// unless it is the only one, which is zero-padded.
std::vector<double> power_spectrum(const std::vector<int16_t>& samples, size_t n) {
  std::vector<double> window(n), power(n / 2 + 1, 0.0);
  for (size_t i = 0; i < n; ++i) window[i] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n));
  std::vector<std::complex<double>> block(n);
  for (size_t start = 0; start == 0 || start + n <= samples.size(); start += n / 2) {
    for (size_t i = 0; i < n; ++i)
      block[i] = start + i < samples.size() ? samples[start + i] * window[i] : 0.0;
    fft(block);
    for (size_t k = 0; k < power.size(); ++k) power[k] += std::norm(block[k]);
  }
  return power;
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
  // Weighed in 100 ms blocks, not over the whole recording at once: the
  // filter's pass band is 1/length wide, so over 10 s a tone 0.1 Hz off
  // (a phone's clock 100 ppm off at 1 kHz) would fall into a null and look
  // absent. 100 ms blocks pass +-3 Hz and still part 440 from 1000 Hz.
  // A pure sinusoid of N samples puts N/2 * energy into its bin's |X|^2;
  // normalising each block by that makes a pure tone score ~1.
  const size_t block = std::max<size_t>(1, static_cast<size_t>(rate) / 10);
  double tone = 0;
  for (size_t start = 0; start < samples.size(); start += block) {
    const size_t len = std::min(block, samples.size() - start);
    tone += 2.0 * goertzel_power(samples.data() + start, samples.data() + start + len, rate, hz) /
            static_cast<double>(len);
  }
  return std::min(1.0, tone / e);
}

double rms(const std::vector<int16_t>& samples) {
  return samples.empty() ? 0 : std::sqrt(energy(samples) / static_cast<double>(samples.size()));
}

double dominant_frequency(const std::vector<int16_t>& samples, int rate, double min_hz, double max_hz,
                          double step_hz) {
  if (samples.empty() || rate <= 0 || step_hz <= 0 || max_hz < min_hz) return 0;
  // An averaged FFT with bins no wider than a step, its peak in range
  // located between bins by a parabola through the log powers around it
  // (exact for a Hann window's Gaussian-like main lobe to a tenth of a
  // bin), then rounded to the grid. A Goertzel filter per step over the
  // whole recording was both slow (a pass per step: 2 s of CPU after a
  // two-minute call) and wrong for tones between steps, which its
  // 1/length-wide pass band missed.
  size_t n = 1;
  while (static_cast<double>(n) < rate / step_hz) n <<= 1;
  const std::vector<double> power = power_spectrum(samples, n);
  const double bin_hz = static_cast<double>(rate) / static_cast<double>(n);
  const auto first = static_cast<size_t>(std::max(1.0, std::floor(min_hz / bin_hz)));
  const auto last = std::min(power.size() - 2, static_cast<size_t>(std::ceil(max_hz / bin_hz)));
  if (first > last) return 0;
  size_t peak = first;
  for (size_t k = first; k <= last; ++k)
    if (power[k] > power[peak]) peak = k;
  double offset = 0;  // of the true peak from bin `peak`, in bins
  const double a = std::log(power[peak - 1] + 1), b = std::log(power[peak] + 1), c = std::log(power[peak + 1] + 1);
  if (a - 2 * b + c < 0) offset = std::clamp(0.5 * (a - c) / (a - 2 * b + c), -0.5, 0.5);
  const double hz = (static_cast<double>(peak) + offset) * bin_hz;
  const double steps = std::round((std::clamp(hz, min_hz, max_hz) - min_hz) / step_hz);
  return std::min(max_hz, min_hz + steps * step_hz);
}

}  // namespace sipcall::media
