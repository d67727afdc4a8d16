// RFC 4733 telephone-events (dtmf.h). The receiver gets arbitrary payloads;
// the sender gets an arbitrary digit string (from --dtmf) and arbitrary
// timing, and its packets, fed to a receiver, must give back exactly the
// digits sent, within a bounded number of ticks.
// Input: rate index u8, tone [ms] u8, gap [ms] u8, packet-interval index
// u8, digit count u8, the digits, then received packets of
// (timestamp u32, length u8 % 8, payload).
#include <string>

#include "fuzz_support.h"
#include "media/rtp/dtmf.h"

using namespace sipcall::media;
using sipcall::fuzz::check;
using sipcall::fuzz::FuzzInput;

namespace {
constexpr uint32_t kRates[] = {8000, 16000, 48000};  // telephone-event clock [Hz]
constexpr int kPacketMs[] = {10, 20, 30, 40};

void check_sender(FuzzInput& in) {
  const uint32_t rate = kRates[in.u8() % std::size(kRates)];
  const int tone_ms = in.u8();
  const int gap_ms = in.u8();
  const int packet_ms = kPacketMs[in.u8() % std::size(kPacketMs)];
  const std::string_view requested = in.text(in.u8());

  std::string expected;
  for (char c : requested)
    if (auto code = dtmf_event_code(c)) expected += dtmf_digit(*code);

  DtmfSender sender(rate, tone_ms, gap_ms, packet_ms);
  DtmfReceiver receiver;
  sender.enqueue(requested);
  // Each digit takes its tone and gap, rounded up to whole packets.
  const size_t per_digit = static_cast<size_t>((tone_ms + gap_ms) / packet_ms + 3);
  const size_t max_ticks = expected.size() * per_digit + 1;
  const uint32_t packet_ticks = rate / 1000 * static_cast<uint32_t>(packet_ms);
  uint32_t now = 12345;
  size_t ticks = 0;
  for (; !sender.idle() && ticks <= max_ticks; ++ticks, now += packet_ticks) {
    for (const DtmfPacket& p : sender.tick(now)) {
      check(p.payload.size() == 4 && p.payload[0] < 16, "sender built a malformed event");
      receiver.on_packet(p.timestamp, p.payload);
    }
  }
  check(sender.idle(), "sender did not finish its digits in time");
  check(std::string(receiver.digits().begin(), receiver.digits().end()) == expected,
        "digits received differ from digits sent");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  check_sender(in);
  DtmfReceiver receiver;
  while (!in.empty()) {
    const uint32_t timestamp = in.u32();
    const char digit = receiver.on_packet(timestamp, in.bytes(in.u8() % 8));
    check(digit == '\0' || dtmf_event_code(digit).has_value(), "receiver produced a non-digit");
  }
  return 0;
}
