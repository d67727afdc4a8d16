#include <doctest/doctest.h>

#include <string>

#include "media/rtp/dtmf.h"

using namespace sipcall::media;

TEST_SUITE("dtmf") {
  TEST_CASE("dtmf::event codes") {
    const std::string digits = "0123456789*#ABCD";
    for (size_t i = 0; i < digits.size(); ++i) {
      CAPTURE(digits[i]);
      CHECK(dtmf_event_code(digits[i]) == static_cast<uint8_t>(i));
      CHECK(dtmf_digit(static_cast<uint8_t>(i)) == digits[i]);
    }
    CHECK(dtmf_event_code('a') == uint8_t{12});
    CHECK_FALSE(dtmf_event_code('E').has_value());
    CHECK_FALSE(dtmf_event_code(' ').has_value());
    CHECK(dtmf_digit(16) == '\0');
  }

  TEST_CASE("dtmf::one digit: start with marker, updates, three end packets") {
    DtmfSender sender(8000);  // 100 ms tone, 50 ms gap, 20 ms packets
    sender.enqueue("5");
    std::vector<DtmfPacket> all;
    uint32_t ts = 1000;
    for (int tick = 0; tick < 10; ++tick, ts += 160)
      for (auto& p : sender.tick(ts)) all.push_back(p);
    REQUIRE(all.size() == 4 + 3);
    CHECK(all[0].marker);
    for (size_t i = 1; i < all.size(); ++i) CHECK_FALSE(all[i].marker);
    for (const auto& p : all) {
      CHECK(p.timestamp == 1000);  // every packet carries the event start
      REQUIRE(p.payload.size() == 4);
      CHECK(p.payload[0] == 5);
      CHECK((p.payload[1] & 0x3f) == DtmfSender::kVolume);
    }
    auto duration = [](const DtmfPacket& p) { return (p.payload[2] << 8) | p.payload[3]; };
    CHECK(duration(all[0]) == 160);
    CHECK(duration(all[3]) == 640);
    for (int i = 4; i < 7; ++i) {
      CHECK((all[i].payload[1] & 0x80) != 0);  // E bit
      CHECK(duration(all[i]) == 800);          // 100 ms at 8 kHz
    }
    CHECK((all[3].payload[1] & 0x80) == 0);
    CHECK(sender.idle());
  }

  TEST_CASE("dtmf::digit string round trip through the receiver") {
    struct Case {
      std::string sent, expected;
      uint32_t rate;
    };
    const Case cases[] = {{"123", "123", 8000}, {"*#ABCD0", "*#ABCD0", 48000}, {"1x 2", "12", 8000}, {"55", "55", 8000}};
    for (const Case& c : cases) {
      CAPTURE(c.sent);
      DtmfSender sender(c.rate);
      DtmfReceiver receiver;
      sender.enqueue(c.sent);
      uint32_t ts = 0xfffff000u;  // crosses the timestamp wrap on the way
      const uint32_t step = c.rate / 50;
      int packets = 0;
      for (int tick = 0; tick < 200 && !sender.idle(); ++tick, ts += step) {
        for (auto& p : sender.tick(ts)) {
          receiver.on_packet(p.timestamp, p.payload);
          ++packets;
        }
      }
      CHECK(sender.idle());
      CHECK(std::string(receiver.digits().begin(), receiver.digits().end()) == c.expected);
      CHECK(packets == 7 * static_cast<int>(c.expected.size()));
    }
  }

  TEST_CASE("dtmf::consecutive digits are separated by a gap") {
    DtmfSender sender(8000);
    sender.enqueue("12");
    std::vector<int> packets_per_tick;
    for (uint32_t t = 0; t < 20; ++t) packets_per_tick.push_back(static_cast<int>(sender.tick(t * 160).size()));
    // 4 updates, 3 ends in tick 4, silent gap ticks, then digit 2 starts.
    CHECK(packets_per_tick[4] == 3);
    CHECK(packets_per_tick[5] == 0);
    CHECK(packets_per_tick[6] == 0);
    int first_of_next = 5;
    while (packets_per_tick[static_cast<size_t>(first_of_next)] == 0) ++first_of_next;
    const int gap_ms = (first_of_next - 5) * 20;
    CHECK(gap_ms >= 50);
    CHECK(gap_ms <= 80);
  }

  TEST_CASE("dtmf::receiver deduplicates and ignores malformed payloads") {
    DtmfReceiver r;
    const std::vector<uint8_t> start{1, 10, 0, 160}, end{1, 0x80 | 10, 3, 32};
    CHECK(r.on_packet(100, start) == '1');
    CHECK(r.on_packet(100, start) == '\0');
    CHECK(r.on_packet(100, end) == '\0');
    CHECK(r.on_packet(100, end) == '\0');
    CHECK(r.on_packet(900, end) == '1');  // only the end of a new event survived: still reported
    CHECK(r.on_packet(1700, std::vector<uint8_t>{1, 2}) == '\0');
    CHECK(r.on_packet(1700, std::vector<uint8_t>{16, 0, 0, 0}) == '\0');
    CHECK(r.digits() == std::vector<char>{'1', '1'});
  }
}
