#include "dtmf.h"

#include <algorithm>

namespace sipcall::media {

namespace {
constexpr char kDigits[] = "0123456789*#ABCD";
constexpr int kEndPackets = 3;  // RFC 4733 2.5.1.4: the end packet is sent three times
}  // namespace

std::optional<uint8_t> dtmf_event_code(char digit) {
  if (digit >= 'a' && digit <= 'd') digit = static_cast<char>(digit - 'a' + 'A');
  for (uint8_t i = 0; i < 16; ++i)
    if (kDigits[i] == digit) return i;
  return std::nullopt;
}

char dtmf_digit(uint8_t event) { return event < 16 ? kDigits[event] : '\0'; }

DtmfSender::DtmfSender(uint32_t clock_rate, int tone_ms, int gap_ms, int packet_ms)
    : tone_ticks_(clock_rate / 1000 * static_cast<uint32_t>(tone_ms)),
      gap_ticks_(clock_rate / 1000 * static_cast<uint32_t>(gap_ms)),
      packet_ticks_(clock_rate / 1000 * static_cast<uint32_t>(packet_ms)) {}

void DtmfSender::enqueue(std::string_view digits) {
  for (char c : digits)
    if (auto code = dtmf_event_code(c)) queue_.push_back(*code);
}

DtmfPacket DtmfSender::make(bool end) const {
  DtmfPacket p;
  p.marker = first_;
  p.timestamp = start_ts_;
  const uint16_t d = static_cast<uint16_t>(std::min<uint32_t>(duration_, 0xffff));
  p.payload = {event_, static_cast<uint8_t>((end ? 0x80 : 0) | kVolume), static_cast<uint8_t>(d >> 8),
               static_cast<uint8_t>(d)};
  return p;
}

std::vector<DtmfPacket> DtmfSender::tick(uint32_t now_timestamp) {
  std::vector<DtmfPacket> out;
  if (state_ == State::gap) {
    gap_left_ = gap_left_ > packet_ticks_ ? gap_left_ - packet_ticks_ : 0;
    if (gap_left_ > 0) return out;
    state_ = State::idle;
  }
  if (state_ == State::idle) {
    if (queue_.empty()) return out;
    event_ = queue_.front();
    queue_.pop_front();
    state_ = State::tone;
    start_ts_ = now_timestamp;
    duration_ = 0;
    first_ = true;
  }
  // tone: each tick extends the event by one packet; the last one ends it.
  duration_ += packet_ticks_;
  if (duration_ < tone_ticks_) {
    out.push_back(make(false));
    first_ = false;
    return out;
  }
  duration_ = tone_ticks_;
  for (int i = 0; i < kEndPackets; ++i) {
    out.push_back(make(true));
    first_ = false;
  }
  state_ = State::gap;
  gap_left_ = gap_ticks_ + packet_ticks_;  // the gap starts after this tick
  return out;
}

char DtmfReceiver::on_packet(uint32_t timestamp, std::span<const uint8_t> payload) {
  if (payload.size() < 4 || payload[0] > 15) return '\0';
  if (last_event_ts_ && *last_event_ts_ == timestamp) return '\0';  // update or repeated end
  last_event_ts_ = timestamp;
  const char d = dtmf_digit(payload[0]);
  digits_.push_back(d);
  return d;
}

}  // namespace sipcall::media
