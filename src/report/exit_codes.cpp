#include "sipcall/report/exit_codes.h"

namespace sipcall {

ExitCode exit_code_for_sip_failure(int status, bool from_network) {
  if (!from_network) {
    if (status == 408) return ExitCode::timeout;
    return ExitCode::network;
  }
  switch (status) {
    case 401: case 403: case 407: return ExitCode::auth_failed;
    case 486: case 600: return ExitCode::busy;
    case 404: case 484: case 604: return ExitCode::not_found;
    case 408: case 480: case 487: return ExitCode::no_answer;
    default: return ExitCode::sip_failure;
  }
}

std::string_view exit_code_name(ExitCode code) {
  switch (code) {
    case ExitCode::ok: return "ok";
    case ExitCode::failure: return "failure";
    case ExitCode::usage: return "usage";
    case ExitCode::auth_failed: return "auth_failed";
    case ExitCode::network: return "network";
    case ExitCode::timeout: return "timeout";
    case ExitCode::busy: return "busy";
    case ExitCode::not_found: return "not_found";
    case ExitCode::no_answer: return "no_answer";
    case ExitCode::sip_failure: return "sip_failure";
    case ExitCode::media_failure: return "media_failure";
    case ExitCode::dialog_failure: return "dialog_failure";
  }
  return "failure";
}

}  // namespace sipcall
