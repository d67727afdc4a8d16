#include "request_failure.h"

#include "sipcall/report/exit_codes.h"
#include "sipcall/sip/sip_failure.h"

namespace sipcall {

std::string failure_message(const SipEvent& e, const std::string& what, const std::string& server) {
  if (!e.from_network) {
    if (e.status == 408) return what + " failed: no response from " + server;
    return what + " failed: cannot reach " + server + (e.detail.empty() ? "" : " (" + e.detail + ")");
  }
  // A response that says one thing and means another (a 200 OK keeping no binding) names it.
  if (!e.detail.empty()) return what + " failed: " + e.detail;
  return what + " failed: " + std::to_string(e.status) + " " + e.phrase;
}

ExitCode exit_code_of(const SipEvent& e) {
  return exit_code_of(error_kind_of(e));
}

ErrorKind error_kind_of(const SipEvent& e) {
  return e.verdict != ErrorKind::none ? e.verdict : sip_failure_kind(e.status, e.from_network);
}

Error registration_error(const SipEvent& e, const AgentOptions& account, const std::string& what) {
  ErrorKind kind = error_kind_of(e);
  std::string message = failure_message(e, what, account.server.to_string());
  if (kind == ErrorKind::auth_refused && e.verdict == ErrorKind::none)
    message += account.password.empty() ? " (no password given)" : " (wrong password or auth ID?)";
  return {kind, message};
}

}  // namespace sipcall
