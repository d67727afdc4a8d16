#include "dtmf_info.h"

#include <cctype>

namespace sipcall {
namespace {

bool same_text_any_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool is_digit(std::string_view text, size_t pos) {
  return pos < text.size() && text[pos] >= '0' && text[pos] <= '9';
}

// The digit at the start of `value` (after blanks): one key, or an event
// number 10-15. A longer number is no digit at all.
char digit_at_start(std::string_view value) {
  size_t first = value.find_first_not_of(" \t");
  if (first == std::string_view::npos) return 0;
  if (is_digit(value, first) && is_digit(value, first + 1)) {
    if (is_digit(value, first + 2) || value[first] != '1') return 0;
    static constexpr char kEvents[] = "*#ABCD";  // events 10..15
    int event = value[first + 1] - '0';
    return event <= 5 ? kEvents[event] : 0;
  }
  char c = static_cast<char>(std::toupper(static_cast<unsigned char>(value[first])));
  if ((c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D')) return c;
  return 0;
}

}  // namespace

char dtmf_info_digit(std::string_view content_type, std::string_view body) {
  if (same_text_any_case(content_type, "application/dtmf")) return digit_at_start(body);
  if (!same_text_any_case(content_type, "application/dtmf-relay")) return 0;
  size_t pos = body.find("Signal=");
  if (pos == std::string_view::npos) pos = body.find("signal=");
  if (pos == std::string_view::npos) return 0;
  return digit_at_start(body.substr(pos + 7));
}

}  // namespace sipcall
