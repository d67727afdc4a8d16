#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "media/rtp/rtcp.h"

using namespace sipcall::media;
using Bytes = std::vector<uint8_t>;

TEST_SUITE("rtcp") {
  TEST_CASE("rtcp::SR + SDES + BYE round trip") {
    SenderInfo info{0x0123456789abcdefull, 48000, 50, 8000};
    ReportBlock b;
    b.ssrc = 0xaabbccdd;
    b.fraction_lost = 64;
    b.cumulative_lost = -3;
    b.extended_highest_seq = 0x00010005;
    b.jitter = 77;
    b.last_sr = 0x11112222;
    b.delay_since_last_sr = 65536;
    Bytes out;
    append_sender_report(out, 42, info, std::vector<ReportBlock>{b});
    append_sdes_cname(out, 42, "user@host");
    append_bye(out, 42);
    CHECK(out.size() % 4 == 0);

    auto r = parse_rtcp(out);
    REQUIRE(r.ok());
    CHECK(r->sender_ssrc == 42);
    REQUIRE(r->sender_info.has_value());
    CHECK(r->sender_info->ntp_timestamp == info.ntp_timestamp);
    CHECK(r->sender_info->rtp_timestamp == 48000);
    CHECK(r->sender_info->packet_count == 50);
    CHECK(r->sender_info->octet_count == 8000);
    REQUIRE(r->blocks.size() == 1);
    CHECK(r->blocks[0].ssrc == 0xaabbccdd);
    CHECK(r->blocks[0].fraction_lost == 64);
    CHECK(r->blocks[0].cumulative_lost == -3);
    CHECK(r->blocks[0].extended_highest_seq == 0x00010005u);
    CHECK(r->blocks[0].jitter == 77);
    CHECK(r->blocks[0].last_sr == 0x11112222u);
    CHECK(r->blocks[0].delay_since_last_sr == 65536u);
    CHECK(r->cname == std::string("user@host"));
    CHECK(r->bye);
    CHECK(r->bye_ssrcs == std::vector<uint32_t>{42});
  }

  TEST_CASE("rtcp::RR round trip, empty and with blocks") {
    for (size_t n : {size_t{0}, size_t{1}, size_t{3}}) {
      CAPTURE(n);
      std::vector<ReportBlock> blocks(n);
      for (size_t i = 0; i < n; ++i) blocks[i].ssrc = static_cast<uint32_t>(i + 1);
      Bytes out;
      append_receiver_report(out, 7, blocks);
      auto r = parse_rtcp(out);
      REQUIRE(r.ok());
      CHECK_FALSE(r->sender_info.has_value());
      CHECK(r->sender_ssrc == 7);
      REQUIRE(r->blocks.size() == n);
      for (size_t i = 0; i < n; ++i) CHECK(r->blocks[i].ssrc == i + 1);
    }
  }

  TEST_CASE("rtcp::round-trip time from LSR/DLSR") {
    // We sent an SR at NTP time T; the peer held it for 250 ms and reported
    // back; it arrives at T + 400 ms, so the network took 150 ms.
    const uint64_t sent = to_ntp(std::chrono::system_clock::time_point{} + std::chrono::seconds(1'700'000'000));
    const uint64_t arrival = sent + (uint64_t{400} << 32) / 1000;
    ReportBlock b;
    b.last_sr = ntp_middle32(sent);
    b.delay_since_last_sr = 250 * 65536 / 1000;
    Bytes out;
    append_receiver_report(out, 1, std::vector<ReportBlock>{b});
    auto r = parse_rtcp(out);
    REQUIRE(r.ok());
    auto rtt = round_trip_ms(r->blocks.at(0), arrival);
    REQUIRE(rtt.has_value());
    CHECK(*rtt == doctest::Approx(150).epsilon(0.001));
    b.last_sr = 0;
    CHECK_FALSE(round_trip_ms(b, arrival).has_value());
  }

  TEST_CASE("rtcp::NTP conversion") {
    using namespace std::chrono;
    const uint64_t ntp = to_ntp(system_clock::time_point{} + milliseconds(1500));
    CHECK((ntp >> 32) == 2208988800ull + 1);
    CHECK(static_cast<uint32_t>(ntp) == doctest::Approx(0x80000000u).epsilon(1e-6));
  }

  TEST_CASE("rtcp::malformed compounds are errors") {
    Bytes rr;
    append_receiver_report(rr, 7, std::vector<ReportBlock>(1));
    Bytes bye;
    append_bye(bye, 7);
    struct Case {
      const char* what;
      Bytes bytes;
    };
    auto with = [](Bytes b, size_t i, uint8_t v) {
      b.at(i) = v;
      return b;
    };
    Bytes rr_then_bye = rr;
    rr_then_bye.insert(rr_then_bye.end(), bye.begin(), bye.end());
    const Case cases[] = {
        {"empty", {}},
        {"3 bytes", {0x80, 201, 0}},
        {"version 1", with(rr, 0, 0x41)},
        {"length beyond datagram", with(rr, 3, 50)},
        {"block count beyond length", with(rr, 0, 0x83)},
        {"starts with BYE", bye},
        {"trailing garbage", [&] { Bytes b = rr; b.push_back(0x80); return b; }()},
        {"truncated", Bytes(rr.begin(), rr.end() - 4)},
        {"padding on non-final packet", with(rr_then_bye, 0, 0xa1)},
        {"zero padding count", [&] { Bytes b = rr; b[0] |= 0x20; b.back() = 0; return b; }()},
    };
    for (const Case& c : cases) {
      CAPTURE(std::string(c.what));
      CHECK_FALSE(parse_rtcp(c.bytes).ok());
    }
    CHECK(parse_rtcp(rr_then_bye).ok());
  }

  TEST_CASE("rtcp::random garbage never crashes") {
    uint32_t state = 99;
    auto next = [&] { return state = state * 1664525u + 1013904223u; };
    for (int i = 0; i < 20000; ++i) {
      Bytes b(next() % 80);
      for (auto& x : b) x = static_cast<uint8_t>(next() >> 24);
      if (b.size() >= 4) {
        b[0] = static_cast<uint8_t>(0x80 | (b[0] & 0x3f));
        b[1] = static_cast<uint8_t>(200 + next() % 5);
        b[2] = 0;
        b[3] = static_cast<uint8_t>(b.size() / 4 - 1);
      }
      (void)parse_rtcp(b);
    }
  }
}
