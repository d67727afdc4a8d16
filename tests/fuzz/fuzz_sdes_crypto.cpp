// SDES a=crypto values (media/srtp/sdes.h) from an SDP offer or answer.
// Whatever parses must format to a line that parses back to the same
// attribute and whose redaction shows no key; redaction is idempotent; the
// answerer's choice over all the lines never fails but with a message.
// Input: text, one a=crypto value per line ('\n'); the whole text is also
// redacted as one trace.
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "media/srtp/sdes.h"

using namespace sipcall::media;
using sipcall::fuzz::check;

namespace {

constexpr size_t kMaxLines = 32;

void inspect(std::string_view value) {
  auto a = parse_crypto_attribute(value);
  if (!a.ok()) {
    check(!a.error().message().empty(), "an error without a message");
    return;
  }
  const std::string line = format_crypto_attribute(*a);
  auto back = parse_crypto_attribute(line);
  check(back.ok(), "a formatted attribute does not parse");
  check(back->tag == a->tag && back->keys == a->keys && back->lifetime == a->lifetime &&
            back->window_size_hint == a->window_size_hint,
        "format/parse round trip changed the attribute");
  check(format_crypto_attribute(*back) == line, "formatting is not canonical");
  const std::string redacted = redact_sdes_keys(line);
  const size_t key = line.find("inline:") + 7;
  const std::string key_text = line.substr(key, (a->keys.key_and_salt().size() + 2) / 3 * 4);
  check(redacted.find(key_text) == std::string::npos, "redaction left the key");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sipcall::fuzz::FuzzInput in(data, size);
  const std::string_view text = in.text(size);

  const std::string redacted = redact_sdes_keys(text);
  check(redact_sdes_keys(redacted) == redacted, "redaction is not idempotent");

  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos <= text.size() && lines.size() < kMaxLines;) {
    const size_t nl = std::min(text.find('\n', pos), text.size());
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  for (auto line : lines) inspect(line);

  auto answer = answer_crypto_offer(lines);
  if (answer.ok()) {
    check(answer->ours.tag == answer->theirs.tag, "the answer's tag is not the offer's");
    check(answer->ours.keys.suite() == answer->theirs.keys.suite(), "the answer's suite is not the offer's");
    check(!(answer->ours.keys == answer->theirs.keys), "we answered with the peer's key");
  } else {
    check(!answer.error().message().empty(), "a refusal without a reason");
  }
  return 0;
}
