// How SIP outcomes map onto the documented exit codes (see error.h).
#pragma once

#include <string_view>

#include "sipcall/error.h"

namespace sipcall {

// For a final failure response. `from_network` is false when Sofia-SIP made
// the response up itself (its 408 means our wait ran out, its 503 means the
// transport failed).
ExitCode exit_code_for_sip_failure(int status, bool from_network);

// Short stable name for reports: "ok", "usage", "auth_failed", "network", ...
std::string_view exit_code_name(ExitCode code);

}  // namespace sipcall
