// What a final failure response to one of our requests means.
#pragma once

#include "sipcall/error.h"

namespace sipcall {

// `from_network` is false when Sofia-SIP made the response up itself: its
// 408 means our wait ran out, its 503 that the transport failed.
ErrorKind sip_failure_kind(int status, bool from_network);

}  // namespace sipcall
