// Errors are values: every fallible operation returns Error or Result<T>, and
// only main() turns an Error into a process exit code. Nothing is thrown
// through Sofia-SIP's or libwebsockets' C callbacks.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace sipcall {

// The documented exit codes (man/sip-call.1, EXIT STATUS). Scripts depend on
// these numbers: never renumber, only append.
enum class ExitCode : int {
  ok = 0,
  failure = 1,         // internal error that fits no other class
  usage = 2,           // bad flags, bad URL, unreadable password file
  auth_failed = 3,     // 401/403/407 although credentials were sent
  network = 4,         // DNS, refused, TLS verification, WebSocket handshake, connection lost
  timeout = 5,         // no final response within --timeout
  busy = 6,            // 486, 600
  not_found = 7,       // 404, 484, 604
  no_answer = 8,       // 408, 480, 487
  sip_failure = 9,     // any other SIP failure response
  media_failure = 10,  // answered, but no RTP received within --media-timeout
  dialog_failure = 11, // the far end left a request inside the call unanswered or refused it (BYE, INFO)
};

class Error {
 public:
  Error() = default;  // success
  Error(ExitCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Error usage(std::string m) { return {ExitCode::usage, std::move(m)}; }
  static Error network(std::string m) { return {ExitCode::network, std::move(m)}; }
  static Error timeout(std::string m) { return {ExitCode::timeout, std::move(m)}; }
  static Error media(std::string m) { return {ExitCode::media_failure, std::move(m)}; }
  static Error internal(std::string m) { return {ExitCode::failure, std::move(m)}; }
  static Error dialog(std::string m) { return {ExitCode::dialog_failure, std::move(m)}; }

  bool ok() const { return code_ == ExitCode::ok; }
  explicit operator bool() const { return !ok(); }  // true when there is an error
  ExitCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  ExitCode code_ = ExitCode::ok;
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
