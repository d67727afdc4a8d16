// G.711 mu-law (PCMU) and A-law (PCMA) sample conversion, ITU-T G.711.
// Our own table-driven code: the standard is a fixed 256-entry mapping, so
// two small constexpr tables beat a dependency.
#pragma once

#include <cstdint>

namespace sipcall::media::g711 {

uint8_t linear_to_ulaw(int16_t sample);
int16_t ulaw_to_linear(uint8_t code);
uint8_t linear_to_alaw(int16_t sample);
int16_t alaw_to_linear(uint8_t code);

}  // namespace sipcall::media::g711
