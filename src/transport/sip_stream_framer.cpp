#include "sip_stream_framer.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sipcall {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<long> content_length(std::string_view headers) {
  size_t pos = 0;
  while (pos < headers.size()) {
    size_t eol = headers.find('\n', pos);
    std::string_view line = headers.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? headers.size() : eol + 1;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto name = trim(line.substr(0, colon));
    if (!iequals(name, "content-length") && !iequals(name, "l")) continue;
    auto value = trim(line.substr(colon + 1));
    long n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || n < 0) return -1;
    return n;
  }
  return std::nullopt;
}

SipStreamFramer::Next SipStreamFramer::next() {
  // RFC 5626 keepalives: CRLFCRLF ping, CRLF pong. They carry no message.
  size_t skip = 0;
  while (skip < buffer_.size() && (buffer_[skip] == '\r' || buffer_[skip] == '\n')) ++skip;
  if (skip > 0) {
    buffer_.erase(0, skip);
    return {Status::keepalive, {}, {}};
  }
  if (buffer_.empty()) return {Status::need_more, {}, {}};

  auto end_of_headers = buffer_.find("\r\n\r\n");
  if (end_of_headers == std::string::npos) {
    if (buffer_.size() > kMaxMessage) return {Status::error, {}, "SIP header block larger than 256 KiB"};
    return {Status::need_more, {}, {}};
  }
  size_t header_size = end_of_headers + 4;
  auto length = content_length(std::string_view(buffer_).substr(0, header_size));
  // A stream message without Content-Length cannot be delimited (RFC 3261 18.3).
  if (!length) return {Status::error, {}, "SIP message on a stream without Content-Length"};
  if (*length < 0) return {Status::error, {}, "malformed Content-Length"};
  if (header_size + static_cast<size_t>(*length) > kMaxMessage)
    return {Status::error, {}, "SIP message larger than 256 KiB"};
  size_t total = header_size + static_cast<size_t>(*length);
  if (buffer_.size() < total) return {Status::need_more, {}, {}};
  Next out{Status::message, buffer_.substr(0, total), {}};
  buffer_.erase(0, total);
  return out;
}

std::optional<std::string> websocket_message_to_stream(std::string_view message) {
  // CR/LF before the start line is keepalive noise (RFC 5626), which a
  // stream parser skips: drop it here too, so that both see the same header
  // block. A message of nothing else carries no SIP.
  message.remove_prefix(std::min(message.find_first_not_of("\r\n"), message.size()));
  auto end_of_headers = message.find("\r\n\r\n");
  if (end_of_headers == std::string_view::npos) return std::nullopt;
  size_t header_size = end_of_headers + 4;
  auto headers = message.substr(0, header_size);
  auto body = message.substr(header_size);
  auto length = content_length(headers);
  if (length && *length >= 0) {
    // Trust the frame, not the header: a WebSocket message is exactly one SIP
    // message, so extra bytes are dropped and a short body is rejected.
    if (static_cast<size_t>(*length) > body.size()) return std::nullopt;
    return std::string(message.substr(0, header_size + static_cast<size_t>(*length)));
  }
  if (length && *length < 0) return std::nullopt;
  std::string out(message.substr(0, end_of_headers + 2));
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out.append(body);
  return out;
}

}  // namespace sipcall
