#include <doctest/doctest.h>

#include <cstdlib>

#include "media/codec/g711.h"

using namespace sipcall::media::g711;

// Reference values: the G.711 code tables (ITU-T G.711 tables 1a/2a, as
// 16-bit linear), cross-checked with sox's decoder.
TEST_SUITE("g711") {
  TEST_CASE("g711::mu-law decode known values") {
    struct Case {
      uint8_t code;
      int16_t linear;
    };
    const Case cases[] = {{0x00, -32124}, {0x80, 32124}, {0x0f, -16764}, {0x70, -120}, {0x7f, 0},
                          {0xff, 0},      {0xfe, 8},     {0x55, -716},   {0xd5, 716},  {0x2a, -5372}};
    for (const Case& c : cases) {
      CAPTURE(int{c.code});
      CHECK(ulaw_to_linear(c.code) == c.linear);
    }
  }

  TEST_CASE("g711::A-law decode known values") {
    struct Case {
      uint8_t code;
      int16_t linear;
    };
    const Case cases[] = {{0xd5, 8},      {0x55, -8},      {0xaa, 32256}, {0x2a, -32256}, {0x80, 5504},
                          {0x00, -5504},  {0xff, 848},     {0x7f, -848},  {0x3c, -13056}, {0xfe, 880}};
    for (const Case& c : cases) {
      CAPTURE(int{c.code});
      CHECK(alaw_to_linear(c.code) == c.linear);
    }
  }

  TEST_CASE("g711::encode known values") {
    struct Case {
      int16_t linear;
      uint8_t ulaw;
      uint8_t alaw;
    };
    const Case cases[] = {
        {0, 0xff, 0xd5},       {8, 0xfe, 0xd5},        {-8, 0x7e, 0x55},      {1000, 0xce, 0xfa},
        {-1000, 0x4e, 0x7a},   {4000, 0xaf, 0x9a},     {-4000, 0x2f, 0x1a},   {12345, 0x97, 0xbd},
        {-12345, 0x17, 0x3d},  {32767, 0x80, 0xaa},    {-32768, 0x00, 0x2a},  {500, 0xdc, 0xca},
    };
    for (const Case& c : cases) {
      CAPTURE(c.linear);
      CHECK(int{linear_to_ulaw(c.linear)} == int{c.ulaw});
      CHECK(int{linear_to_alaw(c.linear)} == int{c.alaw});
    }
  }

  TEST_CASE("g711::every code survives decode then encode") {
    for (int code = 0; code < 256; ++code) {
      CAPTURE(code);
      const auto c = static_cast<uint8_t>(code);
      if (c != 0x7f) CHECK(int{linear_to_ulaw(ulaw_to_linear(c))} == code);  // 0x7f is "-0", encodes as +0
      CHECK(int{linear_to_alaw(alaw_to_linear(c))} == code);
    }
  }

  TEST_CASE("g711::quantisation error stays within the segment step") {
    for (int x = -32768; x <= 32767; x += 7) {
      const auto s = static_cast<int16_t>(x);
      const int step = std::abs(x) < 256 ? 16 : std::abs(x) / 8 + 16;  // ~3 bits of mantissa + slack
      CHECK(std::abs(ulaw_to_linear(linear_to_ulaw(s)) - x) <= step);
      CHECK(std::abs(alaw_to_linear(linear_to_alaw(s)) - x) <= step);
    }
  }
}
