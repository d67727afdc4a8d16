// a=fingerprint and a=setup values from the far end's SDP (media/dtls/dtls_sdp.h),
// and the RFC 7983 demultiplexer on the same bytes. An accepted fingerprint
// must format back to a value that parses to the same fingerprint.
#include "fuzz_support.h"
#include "media/dtls/demux.h"
#include "media/dtls/dtls_sdp.h"

using namespace sipcall::media::dtls;
using sipcall::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  if (auto fp = parse_fingerprint(value); fp.ok()) {
    check(fp->digest.size() == digest_length(fp->hash), "digest length does not match its hash");
    const auto formatted = format_fingerprint(*fp);
    auto again = parse_fingerprint(formatted);
    check(again.ok() && *again == *fp, "formatted fingerprint does not parse back");
  } else {
    check(fp.error().message().find('\n') == std::string::npos, "error is more than one line");
  }
  if (auto setup = parse_setup(value); setup.ok()) {
    check(parse_setup(setup_name(*setup)).ok(), "setup name does not parse back");
    if (auto answer = answer_setup(*setup); answer.ok()) check(role_for_setup(*answer).ok(), "answer without a role");
  }
  const auto kind = classify_datagram({data, size});
  check(kind == DatagramKind::other || size >= 2, "classified a datagram too short to classify");
  return 0;
}
