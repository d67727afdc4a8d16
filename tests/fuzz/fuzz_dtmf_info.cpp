// The digit of a SIP INFO body (dtmf_info.h), whose body comes from the
// network. Input: one byte choosing the Content-Type (even: dtmf-relay, odd:
// dtmf; above 127 the same in upper case), then the body.
#include <string>

#include "fuzz_support.h"
#include "sip/dtmf_info.h"

using namespace sipcall;
using sipcall::fuzz::check;

namespace {

bool is_key(char c) {
  return (c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput in(data, size);
  const uint8_t choice = in.u8();
  const std::string_view body = in.text(size);
  std::string type = choice % 2 == 0 ? "application/dtmf-relay" : "application/dtmf";
  const char digit = dtmf_info_digit(type, body);
  check(digit == 0 || is_key(digit), "not a DTMF key");
  if (choice > 127) {
    for (auto& ch : type) ch = static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
    check(dtmf_info_digit(type, body) == digit, "the media type's case changed the digit");
  }
  check(dtmf_info_digit("application/sdp", body) == 0, "a digit from another media type");
  return 0;
}
