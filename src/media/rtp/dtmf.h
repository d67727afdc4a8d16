// DTMF as RFC 4733 telephone-events: a sender that turns a digit string
// into paced start/update/end packets, and a receiver that turns packets
// back into digits (each event once, however many end packets arrive).
// Not thread-safe; the session calls both from its own threads under lock.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace sipcall::media {

// Event code of a digit (0-9 * # A-D), or nullopt for anything else.
std::optional<uint8_t> dtmf_event_code(char digit);
// Digit of an event code 0..15, or '\0'.
char dtmf_digit(uint8_t event);

struct DtmfPacket {
  bool marker = false;          // first packet of an event
  uint32_t timestamp = 0;       // event start [RTP ticks]
  std::vector<uint8_t> payload;  // 4-byte RFC 4733 payload
};

class DtmfSender {
 public:
  // clock_rate: telephone-event RTP clock [Hz]; durations [ms]; packet_ms
  // is the update interval (our media tick).
  explicit DtmfSender(uint32_t clock_rate, int tone_ms = 100, int gap_ms = 50, int packet_ms = kDefaultPacketMs);

  void enqueue(std::string_view digits);  // characters that are no digit are skipped
  // True while an event is being sent; audio packets pause meanwhile.
  bool sending_event() const { return state_ == State::tone; }
  bool idle() const { return state_ == State::idle && queue_.empty(); }

  // Call once per packet_ms with the audio stream's current RTP timestamp;
  // returns the packets to send now (none during gaps, three at the end).
  std::vector<DtmfPacket> tick(uint32_t now_timestamp);

  static constexpr int kDefaultPacketMs = 20;
  static constexpr uint8_t kVolume = 10;  // -10 dBm0

 private:
  enum class State { idle, tone, gap };
  DtmfPacket make(bool end) const;

  uint32_t tone_ticks_, gap_ticks_, packet_ticks_;  // [RTP ticks]
  std::deque<uint8_t> queue_;
  State state_ = State::idle;
  uint8_t event_ = 0;
  uint32_t start_ts_ = 0;
  uint32_t duration_ = 0;  // [ticks]
  uint32_t gap_left_ = 0;  // [ticks]
  bool first_ = false;
};

class DtmfReceiver {
 public:
  // One telephone-event payload with its RTP timestamp. Returns the digit
  // when this packet starts a new event, else '\0'. Malformed payloads
  // (shorter than 4 bytes, event > 15) are ignored.
  char on_packet(uint32_t timestamp, std::span<const uint8_t> payload);
  const std::vector<char>& digits() const { return digits_; }

 private:
  std::optional<uint32_t> last_event_ts_;
  std::vector<char> digits_;
};

}  // namespace sipcall::media
