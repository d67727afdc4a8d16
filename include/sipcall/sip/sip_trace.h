// SIP messages as they crossed the wire, for --verbose traces and call flows.
#pragma once

#include <string>
#include <string_view>

namespace sipcall {

struct SipTrace {
  bool outgoing = false;  // true: we sent it
  std::string peer;       // "udp/[127.0.0.1]:5060"
  std::string text;       // the whole message, CRLF line ends
  long elapsed_ms = 0;    // since the agent started [ms]
};

// First line of a message: "INVITE sip:102@pbx" or "SIP/2.0 180 Ringing".
std::string_view start_line(std::string_view message);
// "180 Ringing" for responses, "INVITE" for requests; used in call-flow lines.
std::string flow_label(std::string_view message);
// Status code of a response, 0 for a request.
int response_status(std::string_view message);
// Value of the CSeq header ("2 REGISTER"), empty if missing.
std::string cseq(std::string_view message);
// Value of the first header called `name` or its `compact` form (case
// insensitive: "call-id", "i"), empty if missing.
std::string header_value(std::string_view message, std::string_view name, std::string_view compact = {});

// Returns the message with secrets removed: the digest response, nonce-bound
// cnonce and any password-like parameter become "<redacted>", and so does
// every SDES key ("inline:<redacted>" in a=crypto). Idempotent. Used for
// every trace that leaves the process.
std::string redact_sip_message(std::string_view message);

// Reassembles the message dumps that Sofia-SIP's tport layer writes through
// su_log (one message arrives as many small writes).
class SofiaTraceParser {
 public:
  // Feeds raw log text; returns true and fills `out` each time a whole
  // message is complete (call again with empty text to drain).
  bool feed(std::string_view text, SipTrace& out);

 private:
  std::string pending_;
};

}  // namespace sipcall
