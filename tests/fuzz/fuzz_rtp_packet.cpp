// RTP parsing (rtp_packet.h) on arbitrary datagrams. Whatever parses must
// serialize back to the same bytes (padding contents aside: we pad with
// zeros) and parse again.
#include "fuzz_support.h"
#include "media/rtp/rtp_packet.h"

using namespace sipcall::media;
using sipcall::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> datagram(data, size);
  (void)looks_like_rtcp(datagram);
  auto packet = parse_rtp(datagram);
  if (!packet.ok()) return 0;
  check(packet->header.csrcs.size() <= 15, "more than 15 CSRCs");

  auto bytes = serialize_rtp(*packet);
  check(bytes.ok(), "a parsed packet does not serialize");
  check(bytes->size() == size, "serialized size differs");
  const size_t unpadded = size - packet->padding;
  check(std::equal(data, data + unpadded, bytes->begin()), "serialized header or payload differs");
  check(bytes->back() == data[size - 1], "serialized last byte differs");

  auto again = parse_rtp(*bytes);
  check(again.ok() && again->payload == packet->payload && again->header.extension_data == packet->header.extension_data,
        "a serialized packet does not parse back");
  return 0;
}
