#include <doctest/doctest.h>

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "media/rtp/jitter_buffer.h"

using namespace sipcall::media;
using Status = JitterBuffer::Status;

namespace {
constexpr uint32_t kSpan = 160;  // 20 ms at 8 kHz

// Packet i carries its index as payload, so the output order is visible.
std::vector<uint8_t> payload(int i) { return {static_cast<uint8_t>(i), 0xaa}; }

// Feeds packets in `arrival` order (indices; -1 = a tick with no arrival),
// pulling once per tick, and returns what was played: the index, 'L' + next
// for a concealed loss, or '.' for waiting.
std::string run(const std::vector<std::vector<int>>& arrivals, int extra_ticks, uint32_t base_ts = 1000) {
  JitterBuffer jb(kSpan);
  std::string played;
  auto pull = [&] {
    auto p = jb.pull();
    if (p.status == Status::packet) played += std::to_string(p.payload.at(0)) + " ";
    if (p.status == Status::lost)
      played += p.next_payload.empty() ? "L " : "L(" + std::to_string(p.next_payload.at(0)) + ") ";
    if (p.status == Status::waiting) played += ". ";
  };
  for (const auto& tick : arrivals) {
    for (int i : tick) jb.put(base_ts + static_cast<uint32_t>(i) * kSpan, static_cast<uint16_t>(i), payload(i));
    pull();
  }
  for (int i = 0; i < extra_ticks; ++i) pull();
  return played;
}

// The indices played, in order, ignoring losses and waiting.
std::vector<int> packets_in(const std::string& played) {
  std::vector<int> out;
  size_t pos = 0;
  while (pos < played.size()) {
    const size_t end = played.find(' ', pos);
    const std::string tok = played.substr(pos, end - pos);
    if (!tok.empty() && std::isdigit(static_cast<unsigned char>(tok[0]))) out.push_back(std::stoi(tok));
    pos = end + 1;
  }
  return out;
}
}  // namespace

TEST_SUITE("jitter_buffer") {
  TEST_CASE("jitter_buffer::nothing arrived means waiting, not loss") {
    CHECK(run({{}, {}, {}}, 0) == ". . . ");
  }

  TEST_CASE("jitter_buffer::in order, reordered, lost") {
    struct Case {
      const char* what;
      std::vector<std::vector<int>> arrivals;
      size_t min_played;  // packets that must be played, not concealed
      int last;           // the last packet played
    };
    const Case cases[] = {
        {"in order", {{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}}, 8, 7},
        // A packet that comes after its slot was concealed is dropped; the
        // buffer then grows its delay so the next swaps are absorbed.
        {"pairs swapped", {{0}, {2}, {1}, {4}, {3}, {6}, {5}, {7}}, 6, 7},
        {"one lost", {{0}, {1}, {2}, {}, {4}, {5}, {6}, {7}}, 7, 7},
        {"burst arrival", {{0}, {}, {}, {1, 2, 3}, {4}, {5}, {6}, {7}}, 6, 7},
        {"duplicate", {{0}, {1}, {1}, {2}, {3}, {4}, {5}, {6}}, 7, 6},
        {"prebuffered then reordered", {{0, 1, 2}, {4}, {3}, {5}, {7}, {6}, {8}, {9}}, 10, 9},
    };
    for (const Case& c : cases) {
      CAPTURE(std::string(c.what));
      const std::string played = run(c.arrivals, 10);
      CAPTURE(played);
      const std::vector<int> got = packets_in(played);
      // Whatever is played comes in order and without repeats.
      for (size_t i = 1; i < got.size(); ++i) CHECK(got[i] > got[i - 1]);
      CHECK(got.size() >= c.min_played);
      REQUIRE_FALSE(got.empty());
      CHECK(got.back() == c.last);
    }
  }

  TEST_CASE("jitter_buffer::a loss is concealed with the next packet for FEC") {
    // The first three packets arrive together, so the buffer runs about two
    // packets behind; when lost packet 5 is due, 6 is already here.
    std::vector<std::vector<int>> arrivals{{0, 1, 2}};
    for (int i = 3; i < 20; ++i)
      if (i != 5) arrivals.push_back({i});
      else arrivals.push_back({});
    const std::string played = run(arrivals, 5);
    CAPTURE(played);
    CHECK(played.find("L(6)") != std::string::npos);
    CHECK(packets_in(played).back() == 19);
  }

  TEST_CASE("jitter_buffer::stream that stops turns into waiting") {
    std::vector<std::vector<int>> arrivals;
    for (int i = 0; i < 10; ++i) arrivals.push_back({i});
    const std::string played = run(arrivals, 30);
    CHECK(played.size() > 6);
    CHECK(played.substr(played.size() - 6) == ". . . ");
  }

  TEST_CASE("jitter_buffer::timestamps across the 32-bit wrap") {
    std::vector<std::vector<int>> arrivals;
    for (int i = 0; i < 20; ++i) arrivals.push_back({i});
    const std::string played = run(arrivals, 5, 0xffffffffu - 5 * kSpan);
    const std::vector<int> got = packets_in(played);
    REQUIRE_FALSE(got.empty());
    CHECK(got.back() == 19);
    for (size_t i = 1; i < got.size(); ++i) CHECK(got[i] == got[i - 1] + 1);
  }

  TEST_CASE("jitter_buffer::reset forgets the stream") {
    JitterBuffer jb(kSpan);
    jb.put(0, 0, payload(0));
    jb.reset();
    CHECK(jb.pull().status == Status::waiting);
  }
}

namespace {
// What `run` writes to file descriptor 2 (speexdsp warns with fprintf).
std::string stderr_of(const std::function<void()>& run) {
  std::fflush(stderr);
  FILE* capture = std::tmpfile();
  REQUIRE(capture);
  const int saved = dup(2);
  dup2(fileno(capture), 2);
  run();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::string text;
  std::rewind(capture);
  for (int c; (c = std::fgetc(capture)) != EOF;) text += static_cast<char>(c);
  std::fclose(capture);
  return text;
}
}  // namespace

TEST_SUITE("jitter_buffer") {
  TEST_CASE("jitter_buffer::a stream resuming off the playout grid plays on, and speexdsp stays quiet") {
    JitterBuffer jb(kSpan);
    int played = 0;
    const std::string warnings = stderr_of([&] {
      uint32_t ts = 1000;
      uint16_t seq = 0;
      for (int i = 0; i < 50; ++i, ts += kSpan) {
        jb.put(ts, seq++, payload(1));
        played += jb.pull().status == Status::packet;
      }
      for (int i = 0; i < 5; ++i) jb.pull();  // hold: nothing arrives
      ts += kSpan / 2;                          // resumed half a packet off the grid
      for (int i = 0; i < 50; ++i, ts += kSpan) {
        jb.put(ts, seq++, payload(2));
        played += jb.pull().status == Status::packet;
      }
    });
    CHECK(warnings.find("negative buffering") == std::string::npos);
    CHECK(played >= 90);
  }
}
