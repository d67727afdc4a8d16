// The process's exit codes and the one table that turns what went wrong
// (ErrorKind, error.h) into them.
#pragma once

#include <string_view>

#include "sipcall/error.h"

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

ExitCode exit_code_of(ErrorKind kind);
inline ExitCode exit_code_of(const Error& error) { return exit_code_of(error.kind()); }

// Short stable name for reports: "ok", "usage", "auth_failed", "network", ...
std::string_view exit_code_name(ExitCode code);

}  // namespace sipcall
