// Errors are values: every fallible operation returns Error or Result<T>.
// An Error says what went wrong in the words of the domain that saw it (a
// sound device, a file, the server); which exit code that becomes is the
// report's decision (src/report/exit_codes.cpp, one table). Nothing is thrown
// through Sofia-SIP's or libwebsockets' C callbacks.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace sipcall {

enum class ErrorKind {
  none,
  internal,         // a resource we could not get, or a state that should not happen
  bad_input,        // the flags, the server URL, the accounts list: what the user typed
  unusable_file,    // a file the user named cannot be read or written as asked
  auth_refused,     // our credentials were refused, or a challenge we will not answer
  unreachable,      // DNS, refused connection, TLS verification, WebSocket handshake, connection lost
  no_local_address, // no local address, socket or port to be had for the media
  no_response,      // no final answer within --timeout
  busy,             // the far end is busy (486, 600)
  not_found,        // no such extension (404, 484, 604)
  not_answered,     // rang out or was cancelled (408, 480, 487)
  sip_refused,      // any other refusal, or an answer we cannot accept
  unusable_sdp,     // an SDP offer or answer we cannot use: malformed, no audio, no codec in common
  no_media,         // the call carried no audio, or not the audio it should
  audio_io,         // a sound device, or the recording being written, cannot be used
  codec,            // a codec cannot be set up or cannot code a packet
  malformed_media,  // an RTP/RTCP packet (outside data) that does not parse
  dialog_failed,    // the far end left a request inside the call unanswered or refused it
};

class Error {
 public:
  Error() = default;  // success
  Error(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

  static Error internal(std::string m) { return {ErrorKind::internal, std::move(m)}; }
  static Error bad_input(std::string m) { return {ErrorKind::bad_input, std::move(m)}; }
  static Error unusable_file(std::string m) { return {ErrorKind::unusable_file, std::move(m)}; }
  static Error unreachable(std::string m) { return {ErrorKind::unreachable, std::move(m)}; }
  static Error no_local_address(std::string m) { return {ErrorKind::no_local_address, std::move(m)}; }
  static Error no_response(std::string m) { return {ErrorKind::no_response, std::move(m)}; }
  static Error unusable_sdp(std::string m) { return {ErrorKind::unusable_sdp, std::move(m)}; }
  static Error no_media(std::string m) { return {ErrorKind::no_media, std::move(m)}; }
  static Error audio_io(std::string m) { return {ErrorKind::audio_io, std::move(m)}; }
  static Error codec(std::string m) { return {ErrorKind::codec, std::move(m)}; }
  static Error malformed_media(std::string m) { return {ErrorKind::malformed_media, std::move(m)}; }
  static Error dialog_failed(std::string m) { return {ErrorKind::dialog_failed, std::move(m)}; }

  bool ok() const { return kind_ == ErrorKind::none; }
  explicit operator bool() const { return !ok(); }  // true when there is an error
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }

 private:
  ErrorKind kind_ = ErrorKind::none;
  std::string message_;
};

// A value or the Error that prevented it.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<Error>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace sipcall
