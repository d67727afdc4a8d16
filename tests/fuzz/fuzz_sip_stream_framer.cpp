// The SIP-over-WebSocket glue (sip_stream_framer.h) on arbitrary bytes.
// Input: one byte choosing the chunk size (1..64) in which the rest is fed
// to a SipStreamFramer, as a socket delivers it; the rest is also taken as
// one received WebSocket message.
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "transport/sip_stream_framer.h"

using sipcall::SipStreamFramer;
using sipcall::fuzz::check;

namespace {

// What a framer yields for a stream fed in chunks of `chunk` bytes.
// Keepalives are left out: their count depends on where a CRLF run is split.
struct Framed {
  std::vector<std::string> messages;
  std::string error;  // the error that ended the stream, if any
  bool operator==(const Framed&) const = default;
};

Framed frame(std::string_view stream, size_t chunk) {
  SipStreamFramer framer;
  Framed out;
  for (size_t pos = 0; pos < stream.size(); pos += chunk) {
    framer.feed(stream.substr(pos, chunk));
    for (auto n = framer.next(); n.status != SipStreamFramer::Status::need_more; n = framer.next()) {
      if (n.status == SipStreamFramer::Status::keepalive) continue;
      if (n.status == SipStreamFramer::Status::error) {
        out.error = n.error;
        return out;
      }
      check(!n.message.empty(), "framer returned an empty message");
      out.messages.push_back(std::move(n.message));
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sipcall::fuzz::FuzzInput in(data, size);
  const size_t chunk = in.u8() % 64 + 1;
  const std::string_view stream = in.text(size);

  // How a stream is split must not change what it frames into.
  check(frame(stream, chunk) == frame(stream, stream.size() + 1), "framing depends on chunking");

  // the stream bridge hands the converted WebSocket message to Sofia's stream
  // parser: it must frame into exactly the one message.
  if (auto converted = sipcall::websocket_message_to_stream(stream);
      converted && converted->size() <= SipStreamFramer::kMaxMessage) {
    const Framed framed = frame(*converted, converted->size() + 1);
    check(framed.error.empty() && framed.messages.size() == 1,
          "a converted WebSocket message does not frame into one message");
    // ...and nothing but keepalive CR/LF may come before it.
    const std::string& message = framed.messages[0];
    const size_t lead = converted->size() - message.size();
    check(converted->ends_with(message) && converted->find_first_not_of("\r\n") == lead,
          "framing a converted WebSocket message loses bytes");
  }
  (void)sipcall::content_length(stream);
  return 0;
}
