// SIP trace handling (sip_trace.h) on arbitrary text: the parser of
// Sofia-SIP's message dumps (whose contents come from the network) and
// everything a trace goes through before it is shown: redaction, flow
// labels, status, CSeq.
// Input: one byte choosing the chunk size (1..256) in which the rest is fed
// to the parser, as su_log writes it; the rest is also taken as one message.
#include "fuzz_support.h"
#include "sipcall/sip/sip_trace.h"

using namespace sipcall;
using sipcall::fuzz::check;

namespace {

void inspect(std::string_view message) {
  const std::string redacted = redact_sip_message(message);
  // Redacting twice changes nothing more: "<redacted>" is no secret.
  check(redact_sip_message(redacted) == redacted, "redaction is not idempotent");
  const int status = response_status(message);
  check(status == 0 || (status >= 100 && status <= 999), "status is not three digits");
  (void)flow_label(message);
  (void)cseq(message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput in(data, size);
  const size_t chunk = in.u8() + size_t{1};
  const std::string_view text = in.text(size);
  inspect(text);

  SofiaTraceParser parser;
  SipTrace trace;
  for (size_t pos = 0; pos < text.size(); pos += chunk) {
    for (std::string_view piece = text.substr(pos, chunk); parser.feed(piece, trace); piece = {}) {
      check(!trace.text.empty(), "parser produced an empty trace");
      inspect(trace.text);
    }
  }
  return 0;
}
