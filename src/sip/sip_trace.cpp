#include "sipcall/sip/sip_trace.h"

#include <cctype>
#include <charconv>

#include "sipcall/media/srtp/sdes_keying.h"

namespace sipcall {

namespace {
constexpr std::string_view kSeparator = "   ------------------------------------------------------------------------\n";

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

bool is_delimiter(char c) { return std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == ';'; }

// Length of "name =" when s starts with the name of a parameter that
// carries a secret, else 0. Only blanks may surround '=': the line end is
// no part of the parameter (the regex this replaces let its \s* run over
// the CRLF and put "<redacted>" at the start of the next line).
size_t secret_name_length(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  for (std::string_view name : {"response", "cnonce", "password", "pwd"}) {
    if (!starts_with_ci(s, name)) continue;
    size_t n = name.size();
    while (n < s.size() && blank(s[n])) ++n;
    if (n == s.size() || s[n] != '=') continue;
    ++n;
    while (n < s.size() && blank(s[n])) ++n;
    return n;
  }
  return 0;
}

// Replaces the value (a quoted string, else a token up to the next
// delimiter) of every secret parameter in one header line with
// "<redacted>". A single linear pass: the std::regex that did this before
// recursed once per character and overflowed the stack on a 100 KB value.
std::string redact_secret_params(std::string_view line) {
  const size_t last_quote = line.rfind('"');
  std::string out;
  size_t i = 0;
  while (i < line.size()) {
    const size_t name = i == 0 || is_delimiter(line[i - 1]) ? secret_name_length(line.substr(i)) : 0;
    if (name == 0) {
      out += line[i++];
      continue;
    }
    out.append(line.substr(i, name)).append("\"<redacted>\"");
    size_t end = i + name;
    if (end < line.size() && line[end] == '"' && end < last_quote) {  // a closing quote follows
      end = line.find('"', end + 1) + 1;
    } else {
      while (end < line.size() && !is_delimiter(line[end])) ++end;
    }
    i = end;
  }
  return out;
}
// Digest credentials keep their parameters but lose their secrets; any
// other scheme's credentials (Basic's base64 of user:password, a bearer
// token) are a secret as a whole.
std::string redact_credentials(std::string_view line) {
  size_t value = line.find(':') + 1;
  while (value < line.size() && (line[value] == ' ' || line[value] == '\t')) ++value;
  if (starts_with_ci(line.substr(value), "digest") &&
      (value + 6 == line.size() || std::isspace(static_cast<unsigned char>(line[value + 6]))))
    return redact_secret_params(line);
  size_t scheme_end = value;
  while (scheme_end < line.size() && !std::isspace(static_cast<unsigned char>(line[scheme_end]))) ++scheme_end;
  // No scheme, no credentials: nothing to hide (and "<redacted>" taken for a
  // scheme on a second pass would grow another one).
  if (scheme_end == value) return std::string(line);
  std::string_view eol = line.substr(line.find_last_not_of("\r\n") + 1);  // never npos: the line has "name:"
  return std::string(line.substr(0, scheme_end)) + " <redacted>" + std::string(eol);
}
}  // namespace

std::string_view start_line(std::string_view message) {
  auto eol = message.find_first_of("\r\n");
  return message.substr(0, eol);
}

int response_status(std::string_view message) {
  auto line = start_line(message);
  if (line.rfind("SIP/2.0 ", 0) != 0 || line.size() < 11) return 0;
  // Status-Code is three digits (RFC 3261 25.1); from_chars alone would
  // also take "-2" or the "2" of "2xx".
  int status = 0;
  auto [p, ec] = std::from_chars(line.data() + 8, line.data() + 11, status);
  return ec == std::errc() && p == line.data() + 11 && status >= 100 ? status : 0;
}

std::string flow_label(std::string_view message) {
  auto line = start_line(message);
  if (response_status(message)) return std::string(line.substr(8));
  return std::string(line);
}

std::string header_value(std::string_view message, std::string_view name, std::string_view compact) {
  size_t pos = 0;
  while (pos < message.size()) {
    auto eol = message.find('\n', pos);
    auto line = message.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    if (line.empty() || line == "\r") break;
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      auto field = line.substr(0, colon);
      while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) field.remove_suffix(1);
      bool match = (field.size() == name.size() && starts_with_ci(field, name)) ||
                   (!compact.empty() && field.size() == compact.size() && starts_with_ci(field, compact));
      if (match) {
        auto v = line.substr(colon + 1);
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
        while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.remove_suffix(1);
        return std::string(v);
      }
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return {};
}

std::string cseq(std::string_view message) { return header_value(message, "cseq"); }

std::string redact_sip_message(std::string_view message) {
  std::string out;
  size_t pos = 0;
  while (pos < message.size()) {
    auto eol = message.find('\n', pos);
    auto line = message.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos + 1);
    pos = eol == std::string_view::npos ? message.size() : eol + 1;
    if (starts_with_ci(line, "authorization:") || starts_with_ci(line, "proxy-authorization:"))
      out += redact_credentials(line);
    else
      out += line;
  }
  // SDES keys (a=crypto ... inline:KEY) in an SDP body.
  return media::redact_sdes_keys(out);
}

bool SofiaTraceParser::feed(std::string_view text, SipTrace& out) {
  pending_.append(text);
  for (;;) {
    // A dump starts with "recv|send N bytes from|to proto/[addr]:port at hh:mm:ss.us:\n"
    // followed by a separator line; the message ends at the next separator.
    auto start = pending_.find(" bytes ");
    if (start == std::string::npos) {
      if (pending_.size() > 1 << 20) pending_.clear();
      return false;
    }
    auto line_begin = pending_.rfind('\n', start);
    line_begin = line_begin == std::string::npos ? 0 : line_begin + 1;
    auto first_sep = pending_.find(kSeparator, start);
    if (first_sep == std::string::npos) return false;
    auto body_begin = first_sep + kSeparator.size();
    auto second_sep = pending_.find(kSeparator, body_begin);
    if (second_sep == std::string::npos) return false;

    std::string stamp = pending_.substr(line_begin, first_sep - line_begin);
    std::string raw = pending_.substr(body_begin, second_sep - body_begin);
    pending_.erase(0, second_sep + kSeparator.size());

    SipTrace trace;
    trace.outgoing = stamp.rfind("send", 0) == 0 || stamp.rfind("sent", 0) == 0;
    auto peer_begin = stamp.find(trace.outgoing ? " to " : " from ");
    auto peer_end = stamp.rfind(" at ");
    if (peer_begin != std::string::npos && peer_end != std::string::npos && peer_end > peer_begin) {
      peer_begin += trace.outgoing ? 4 : 6;
      trace.peer = stamp.substr(peer_begin, peer_end - peer_begin);
    }
    // Every line is indented by three spaces; restore CRLF line ends.
    size_t pos = 0;
    while (pos < raw.size()) {
      auto eol = raw.find('\n', pos);
      std::string line = raw.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
      pos = eol == std::string::npos ? raw.size() : eol + 1;
      if (line.rfind("   ", 0) == 0) line.erase(0, 3);
      trace.text += line + "\r\n";
    }
    if (trace.text.empty()) continue;
    out = std::move(trace);
    return true;
  }
}

}  // namespace sipcall
