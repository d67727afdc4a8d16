#include "g711.h"

#include <array>
#include <bit>

namespace sipcall::media::g711 {

namespace {
constexpr int kClip = 32635;    // largest magnitude that survives the mu-law bias
constexpr int kUlawBias = 0x84;  // 132: makes segment boundaries powers of two

constexpr int16_t decode_ulaw(uint8_t code) {
  const int u = static_cast<uint8_t>(~code);
  const int exponent = (u >> 4) & 0x07;
  const int magnitude = (((u & 0x0f) << 3) + kUlawBias) << exponent;
  const int value = magnitude - kUlawBias;
  return static_cast<int16_t>((u & 0x80) ? -value : value);
}

constexpr int16_t decode_alaw(uint8_t code) {
  const int a = code ^ 0x55;  // even bits are inverted on the wire
  const int segment = (a >> 4) & 0x07;
  int value = (a & 0x0f) << 4;
  if (segment == 0)
    value += 8;
  else
    value = (value + 0x108) << (segment - 1);
  return static_cast<int16_t>((a & 0x80) ? value : -value);
}

template <int16_t (*F)(uint8_t)>
constexpr std::array<int16_t, 256> make_decode_table() {
  std::array<int16_t, 256> t{};
  for (int i = 0; i < 256; ++i) t[i] = F(static_cast<uint8_t>(i));
  return t;
}

// Segment (exponent) of a magnitude, indexed by its top bits: the position
// of the highest set bit, looked up instead of searched for.
constexpr std::array<uint8_t, 256> make_segment_table() {
  std::array<uint8_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) t[i] = static_cast<uint8_t>(i ? std::bit_width(i) - 1 : 0);
  return t;
}

constexpr auto kUlawToLinear = make_decode_table<decode_ulaw>();
constexpr auto kAlawToLinear = make_decode_table<decode_alaw>();
constexpr auto kSegment = make_segment_table();
}  // namespace

uint8_t linear_to_ulaw(int16_t sample) {
  int value = sample;
  const int sign = value < 0 ? 0x80 : 0;
  if (sign) value = -value;
  if (value > kClip) value = kClip;
  value += kUlawBias;
  const int exponent = kSegment[(value >> 7) & 0xff];
  const int mantissa = (value >> (exponent + 3)) & 0x0f;
  return static_cast<uint8_t>(~(sign | (exponent << 4) | mantissa));
}

int16_t ulaw_to_linear(uint8_t code) { return kUlawToLinear[code]; }

uint8_t linear_to_alaw(int16_t sample) {
  int value = sample;
  int mask = 0xd5;  // positive: sign bit set, even bits inverted
  if (value < 0) {
    mask = 0x55;
    value = -value - 1;  // one's complement keeps -32768 in range
  }
  if (value > kClip) value = kClip;
  int code;
  if (value >= 256) {
    const int segment = kSegment[(value >> 8) & 0x7f] + 1;
    code = (segment << 4) | ((value >> (segment + 3)) & 0x0f);
  } else {
    code = value >> 4;
  }
  return static_cast<uint8_t>(code ^ mask);
}

int16_t alaw_to_linear(uint8_t code) { return kAlawToLinear[code]; }

}  // namespace sipcall::media::g711
