// Turns the global options into what a SipAgent needs: the parsed server URL,
// its numeric address, the SIP domain and the AOR parts.
#pragma once

#include "sipcall/error.h"
#include "sipcall/options.h"
#include "sipcall/sip_agent.h"

namespace sipcall {

// True when `user` may stand as the user part of a SIP URI as sip-call
// writes it (no '@', no blanks).
bool valid_user_part(const std::string& user);

// Usage errors for bad flags; a network error when the host does not resolve.
Result<AgentOptions> make_agent_options(const GlobalOptions& global);

// Reads the password from, in order: --password-file, SIP_CALL_PASSWORD, or a
// prompt when stdin is a terminal. `from_flag` (given with --password) wins
// but is visible to other users, which the caller warns about.
Result<std::string> load_password(const std::string& from_flag, const std::string& password_file,
                                  bool prompt_allowed);

// Overwrites the value of --password in the process's own argv so that `ps`
// shows "********" instead. Returns true if anything was scrubbed.
bool scrub_password_from_argv(int argc, char** argv);

}  // namespace sipcall
