#include "request_failure.h"

#include "sipcall/report/exit_codes.h"

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
  return e.verdict != ExitCode::ok ? e.verdict : exit_code_for_sip_failure(e.status, e.from_network);
}

Error registration_error(const SipEvent& e, const AgentOptions& account, const std::string& what) {
  ExitCode code = exit_code_of(e);
  std::string message = failure_message(e, what, account.server.to_string());
  if (code == ExitCode::auth_failed && e.verdict == ExitCode::ok)
    message += account.password.empty() ? " (no password given)" : " (wrong password or auth ID?)";
  return {code, message};
}

}  // namespace sipcall
