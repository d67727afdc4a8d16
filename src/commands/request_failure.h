// What a failed SIP request means for a command: its exit code and its one
// line for the user. Internal to src/commands.
#pragma once

#include <string>

#include "sipcall/report/exit_codes.h"
#include "sipcall/error.h"
#include "sipcall/sip/sip_agent.h"

namespace sipcall {

// "register 101 failed: 401 Unauthorized", or the transport's diagnosis when
// Sofia made the response up.
std::string failure_message(const SipEvent& e, const std::string& what, const std::string& server);

// What went wrong with a failed request: the agent's own verdict, else
// what its status means; and the exit code that becomes.
ErrorKind error_kind_of(const SipEvent& e);
ExitCode exit_code_of(const SipEvent& e);

// The Error for a failed REGISTER: its kind by status, and "<what> failed:
// ..." with a hint when the credentials were refused.
Error registration_error(const SipEvent& e, const AgentOptions& account, const std::string& what);

}  // namespace sipcall
