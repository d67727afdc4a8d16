// Tone measurement for --expect-tone, tests and the tone-check tool: a
// Goertzel filter at the frequency of interest, and an averaged FFT to find
// the strongest one.
#pragma once

#include <cstdint>
#include <vector>

namespace sipcall::media {

// Power at `hz` relative to the total power of `samples`, in 0..1
// (about 1 for a pure tone at hz, about 0 for silence or other tones).
double tone_power_ratio(const std::vector<int16_t>& samples, int rate, double hz);

// Root mean square of the samples [int16 units].
double rms(const std::vector<int16_t>& samples);

// The frequency in [min_hz, max_hz], on a grid of step_hz from min_hz,
// with the highest Goertzel power [Hz]; 0 for no samples. Searched near
// the peak of an averaged FFT rather than over the whole grid.
double dominant_frequency(const std::vector<int16_t>& samples, int rate, double min_hz = 100, double max_hz = 4000,
                          double step_hz = 10);

}  // namespace sipcall::media
