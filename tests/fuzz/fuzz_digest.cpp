// Challenge parsing (digest.h) on arbitrary header values. A challenge we
// answer must give an Authorization whose quoted strings, parsed again,
// are the challenge's own: escaping and unescaping agree, and nothing a
// server sends can end our header early or add one (no CR/LF).
#include "fuzz_support.h"
#include "sip/digest.h"

using namespace sipcall;
using sipcall::fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto challenge = digest::parse_challenge(text);
  if (!challenge.ok()) {
    check(challenge.error().kind() == ErrorKind::sip_refused, "a bad challenge is not a sip_failure");
    return 0;
  }
  auto choice = digest::choose({challenge.value()});
  if (!choice.ok()) {
    check(choice.error().kind() == ErrorKind::auth_refused || choice.error().kind() == ErrorKind::sip_refused,
          "a refused challenge has another exit code");
    return 0;
  }
  std::string header = digest::authorization(choice.value(), "user\"1", "pw", {"REGISTER", "sip:pbx.test", "b"}, "cn", 1);
  check(header.find_first_of("\r\n") == std::string::npos, "a line break in our Authorization");
  auto again = digest::parse_challenge(header);
  check(again.ok(), "our Authorization does not parse");
  check(again->realm == challenge->realm && again->nonce == challenge->nonce && again->opaque == challenge->opaque,
        "our Authorization echoes realm, nonce or opaque changed");
  return 0;
}
