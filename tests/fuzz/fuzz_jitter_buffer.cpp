// The jitter buffer (jitter_buffer.h) fed an arbitrary RTP stream: random
// or stepped timestamps and sequence numbers, payloads of any size, pulls
// and resets in any order.
// Input: one byte choosing the frame size, then operations of one byte:
//   op % 8 == 0..2  put an absolute packet: timestamp u32, sequence u16, length u16, payload
//   op % 8 == 3..4  put the packet `op / 8` frames after the last one: length u8, payload
//   op % 8 == 5..6  pull
//   op % 8 == 7     reset
#include "fuzz_support.h"
#include "media/rtp/jitter_buffer.h"

using namespace sipcall::media;
using sipcall::fuzz::check;
using sipcall::fuzz::FuzzInput;

namespace {
// 20 ms at 8, 16 and 48 kHz, 60 ms at 48 kHz: what our codecs use.
constexpr uint32_t kFrameTicks[] = {160, 320, 960, 2880};

std::vector<uint8_t> payload(FuzzInput& in, size_t length) {
  auto b = in.bytes(length);
  std::vector<uint8_t> out(b.begin(), b.end());
  out.resize(length, 0x55);  // lengths beyond the input still count
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint32_t frame = kFrameTicks[in.u8() % std::size(kFrameTicks)];
  JitterBuffer jb(frame);
  uint32_t timestamp = 0;
  uint16_t sequence = 0;
  while (!in.empty()) {
    const uint8_t op = in.u8();
    switch (op % 8) {
      case 0: case 1: case 2: {
        timestamp = in.u32();
        sequence = in.u16();
        const size_t length = in.u16() % 2048;
        jb.put(timestamp, sequence, payload(in, length));
        break;
      }
      case 3: case 4: {
        const uint32_t step = op / 8;
        timestamp += step * frame;
        sequence = static_cast<uint16_t>(sequence + step);
        jb.put(timestamp, sequence, payload(in, in.u8()));
        break;
      }
      case 5: case 6: {
        const JitterBuffer::Pull p = jb.pull();
        if (p.status == JitterBuffer::Status::packet)
          check(!p.payload.empty() && p.payload.size() <= 1500, "pulled payload of impossible size");
        else
          check(p.payload.empty(), "payload with a lost or waiting slot");
        check(p.next_payload.size() <= 1500, "FEC payload of impossible size");
        break;
      }
      default:
        jb.reset();
    }
  }
  return 0;
}
