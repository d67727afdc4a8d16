// The JSON writer (json_writer.h) on arbitrary bytes: every string in a
// report may come from the network or an accounts file. Whatever the input,
// json_escape must produce one JSON string literal whose contents are
// well-formed UTF-8 with no raw control character, and leave well-formed
// UTF-8 input (without characters it must escape) unchanged.
#include <string>

#include "fuzz_support.h"
#include "sipcall/report/json_writer.h"

using namespace sipcall;
using sipcall::fuzz::check;

namespace {

// A strict UTF-8 check written independently of the writer's: decode each
// sequence to a code point and reject overlongs, surrogates and > U+10FFFF.
bool is_strict_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    unsigned cp = n == 1 ? b : b & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    static const unsigned min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_length[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

bool needs_escape(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == '"' || c == '\\') return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput in(data, size);
  const std::string_view text = in.text(size);
  const std::string quoted = json_escape(text);
  check(quoted.size() >= 2 && quoted.front() == '"' && quoted.back() == '"', "not a quoted string");
  const std::string_view inner = std::string_view(quoted).substr(1, quoted.size() - 2);
  check(is_strict_utf8(inner), "output is not well-formed UTF-8");
  for (size_t i = 0; i < inner.size(); ++i) {
    const auto c = static_cast<unsigned char>(inner[i]);
    check(c >= 0x20, "raw control character in the output");
    if (c == '\\') {
      ++i;  // the escaped character
      check(i < inner.size(), "dangling backslash");
    } else {
      check(c != '"', "unescaped quote in the output");
    }
  }
  if (is_strict_utf8(text) && !needs_escape(text)) check(inner == text, "well-formed input was changed");
  return 0;
}
