// Tone measurement for tests and the tone-check tool: a Goertzel filter
// per frequency of interest instead of a full FFT.
#pragma once

#include <cstdint>
#include <vector>

namespace sipcall::media {

// Power at `hz` relative to the total power of `samples`, in 0..1
// (about 1 for a pure tone at hz, about 0 for silence or other tones).
double tone_power_ratio(const std::vector<int16_t>& samples, int rate, double hz);

// Root mean square of the samples [int16 units].
double rms(const std::vector<int16_t>& samples);

// The frequency in [min_hz, max_hz] with the highest Goertzel power,
// scanned in step_hz increments [Hz].
double dominant_frequency(const std::vector<int16_t>& samples, int rate, double min_hz = 100, double max_hz = 4000,
                          double step_hz = 10);

}  // namespace sipcall::media
