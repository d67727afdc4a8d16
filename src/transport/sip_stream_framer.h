// Glue between a SIP byte stream (what Sofia-SIP's stream transports read and
// write) and WebSocket messages (RFC 7118: one SIP message per WebSocket
// message, Content-Length optional). Pure functions, no I/O, so every edge
// case is unit-tested and fuzzable.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sipcall {

// Splits a SIP byte stream into whole messages.
class SipStreamFramer {
 public:
  // Largest message accepted [bytes]; a stream that claims more is broken.
  static constexpr size_t kMaxMessage = 256 * 1024;

  void feed(std::string_view bytes) { buffer_.append(bytes); }

  enum class Status { message, need_more, keepalive, error };
  struct Next {
    Status status;
    std::string message;  // with Status::message: one whole SIP message
    std::string error;    // with Status::error: why the stream is unusable
  };
  // Takes the next complete message off the front of the buffer. A bare
  // CRLF/CRLFCRLF (RFC 5626 keepalive) comes back as Status::keepalive.
  Next next();

  size_t buffered() const { return buffer_.size(); }

 private:
  std::string buffer_;
};

// Value of the Content-Length (or compact "l") header in the header block, if
// present and well formed; -1 when malformed.
std::optional<long> content_length(std::string_view headers);

// Turns one received WebSocket message into bytes for a stream parser: adds
// Content-Length when the sender left it out (allowed over WebSocket, fatal
// for a stream). Returns nullopt when the message is not SIP at all (no header
// terminator).
std::optional<std::string> websocket_message_to_stream(std::string_view message);

}  // namespace sipcall
