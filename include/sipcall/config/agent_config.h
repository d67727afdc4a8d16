// Turns the global options into what a SipAgent needs: the parsed server URL,
// its numeric address, the SIP domain and the AOR parts.
#pragma once

#include "sipcall/error.h"
#include "sipcall/config/options.h"
#include "sipcall/config/agent_options.h"

namespace sipcall {

// True when `user` may stand as the user part of a SIP URI as sip-call
// writes it (no '@', no blanks).
bool valid_user_part(const std::string& user);

// Usage errors for bad flags; a network error when the host does not resolve.
Result<AgentOptions> make_agent_options(const GlobalOptions& global);

}  // namespace sipcall
