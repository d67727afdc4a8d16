#include "sipcall/sip/sip_failure.h"

namespace sipcall {

ErrorKind sip_failure_kind(int status, bool from_network) {
  if (!from_network) return status == 408 ? ErrorKind::no_response : ErrorKind::unreachable;
  switch (status) {
    case 401: case 403: case 407: return ErrorKind::auth_refused;
    case 486: case 600: return ErrorKind::busy;
    case 404: case 484: case 604: return ErrorKind::not_found;
    case 408: case 480: case 487: return ErrorKind::not_answered;
    default: return ErrorKind::sip_refused;
  }
}

}  // namespace sipcall
