#include "sipcall/report/exit_codes.h"

namespace sipcall {

// The one place where what went wrong becomes an exit code. Several kinds
// share a code because scripts ask coarser questions than the code that
// found the fault: "did the audio work?" covers a dead device as well as a
// silent far end.
ExitCode exit_code_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::none: return ExitCode::ok;
    case ErrorKind::internal: return ExitCode::failure;
    case ErrorKind::bad_input:
    case ErrorKind::unusable_file: return ExitCode::usage;
    case ErrorKind::auth_refused: return ExitCode::auth_failed;
    case ErrorKind::unreachable:
    case ErrorKind::no_local_address: return ExitCode::network;
    case ErrorKind::no_response: return ExitCode::timeout;
    case ErrorKind::busy: return ExitCode::busy;
    case ErrorKind::not_found: return ExitCode::not_found;
    case ErrorKind::not_answered: return ExitCode::no_answer;
    case ErrorKind::sip_refused: return ExitCode::sip_failure;
    case ErrorKind::unusable_sdp:
    case ErrorKind::no_media:
    case ErrorKind::audio_io:
    case ErrorKind::codec:
    case ErrorKind::malformed_media: return ExitCode::media_failure;
    case ErrorKind::dialog_failed: return ExitCode::dialog_failure;
  }
  return ExitCode::failure;
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
