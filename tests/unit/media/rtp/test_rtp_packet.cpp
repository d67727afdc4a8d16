#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "media/rtp/rtp_packet.h"

using namespace sipcall::media;
using Bytes = std::vector<uint8_t>;

TEST_SUITE("rtp_packet") {
  TEST_CASE("rtp_packet::round trip") {
    RtpPacket p;
    p.header.marker = true;
    p.header.payload_type = 111;
    p.header.sequence = 0xfffe;
    p.header.timestamp = 0xdeadbeef;
    p.header.ssrc = 0x01020304;
    p.header.csrcs = {7, 8};
    p.header.has_extension = true;
    p.header.extension_profile = 0xbede;
    p.header.extension_data = {1, 2, 3, 4};
    p.payload = {9, 9, 9};
    p.padding = 5;

    auto bytes = serialize_rtp(p);
    REQUIRE(bytes.ok());
    CHECK(bytes->size() == 12 + 8 + 4 + 4 + 3 + 5);
    auto back = parse_rtp(*bytes);
    REQUIRE(back.ok());
    CHECK(back->header.marker);
    CHECK(back->header.payload_type == 111);
    CHECK(back->header.sequence == 0xfffe);
    CHECK(back->header.timestamp == 0xdeadbeef);
    CHECK(back->header.ssrc == 0x01020304u);
    CHECK(back->header.csrcs == std::vector<uint32_t>{7, 8});
    CHECK(back->header.extension_profile == 0xbede);
    CHECK(back->header.extension_data == Bytes{1, 2, 3, 4});
    CHECK(back->payload == Bytes{9, 9, 9});
    CHECK(back->padding == 5);
  }

  TEST_CASE("rtp_packet::parse minimal header, empty payload") {
    const Bytes b{0x80, 0x00, 0x00, 0x01, 0, 0, 0, 160, 0, 0, 0, 42};
    auto p = parse_rtp(b);
    REQUIRE(p.ok());
    CHECK(p->header.sequence == 1);
    CHECK(p->header.timestamp == 160);
    CHECK(p->header.ssrc == 42);
    CHECK(p->payload.empty());
  }

  TEST_CASE("rtp_packet::malformed input is an error") {
    struct Case {
      const char* what;
      Bytes bytes;
    };
    const Case cases[] = {
        {"empty", {}},
        {"one byte", {0x80}},
        {"11 bytes", {0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}},
        {"version 0", {0x00, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
        {"version 1", {0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
        {"version 3", {0xc0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
        {"CSRC count beyond data", {0x82, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
        {"15 CSRCs, none present", {0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}},
        {"extension header truncated", {0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde}},
        {"extension length beyond data", {0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 2, 1, 2, 3, 4}},
        {"extension length 0xffff", {0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0xff, 0xff}},
        {"padding count zero", {0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}},
        {"padding longer than payload", {0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3}},
        {"padding eats header", {0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 200}},
        {"padding after extension too long", {0xb0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9}},
    };
    for (const Case& c : cases) {
      CAPTURE(std::string(c.what));
      auto r = parse_rtp(c.bytes);
      CHECK_FALSE(r.ok());
      if (!r.ok()) CHECK(r.error().kind() == sipcall::ErrorKind::malformed_media);
    }
  }

  TEST_CASE("rtp_packet::padding that exactly fills the payload is valid") {
    const Bytes b{0xa0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4};
    auto p = parse_rtp(b);
    REQUIRE(p.ok());
    CHECK(p->payload.empty());
    CHECK(p->padding == 4);
  }

  TEST_CASE("rtp_packet::random garbage never crashes") {
    uint32_t state = 12345;
    auto next = [&] { return state = state * 1664525u + 1013904223u; };
    int accepted = 0;
    for (int i = 0; i < 20000; ++i) {
      Bytes b(next() % 64);
      for (auto& x : b) x = static_cast<uint8_t>(next() >> 24);
      if (i % 2 && !b.empty()) b[0] = static_cast<uint8_t>(0x80 | (b[0] & 0x3f));  // get past the version check
      auto r = parse_rtp(b);
      if (r.ok()) {
        ++accepted;
        CHECK(r->payload.size() <= b.size());
      }
    }
    CHECK(accepted > 0);
  }

  TEST_CASE("rtp_packet::serialize rejects unrepresentable packets") {
    RtpPacket p;
    p.header.csrcs.assign(16, 1);
    CHECK_FALSE(serialize_rtp(p).ok());
    p.header.csrcs.clear();
    p.header.has_extension = true;
    p.header.extension_data = {1, 2, 3};
    CHECK_FALSE(serialize_rtp(p).ok());
    p.header.extension_data.clear();
    p.header.payload_type = 128;
    CHECK_FALSE(serialize_rtp(p).ok());
  }

  TEST_CASE("rtp_packet::rtcp-mux demultiplexing") {
    struct Case {
      uint8_t second_byte;
      bool rtcp;
    };
    const Case cases[] = {{0, false},     {111, false},   {0x80 | 111, false}, {191, false},
                          {192, true},    {200, true},    {201, true},         {223, true},
                          {224, false},   {0x80 | 8, false}};
    for (const Case& c : cases) {
      CAPTURE(int{c.second_byte});
      const Bytes b{0x80, c.second_byte, 0, 0};
      CHECK(looks_like_rtcp(b) == c.rtcp);
    }
    CHECK_FALSE(looks_like_rtcp(Bytes{0x80}));
    CHECK_FALSE(looks_like_rtcp(Bytes{0x00, 200}));
  }
}
