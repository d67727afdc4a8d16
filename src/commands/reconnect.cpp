#include "reconnect.h"

#include <algorithm>
#include <cmath>

namespace sipcall {

int backoff_delay_ms(const BackoffPolicy& policy, int attempt, double unit) {
  // Doubling stops at the cap; beyond 2^20 it would only overflow.
  int doublings = std::clamp(attempt - 1, 0, 20);
  double delay = std::min(static_cast<double>(policy.first_ms) * std::pow(2.0, doublings),
                          static_cast<double>(policy.max_ms));
  double jitter = std::clamp(policy.jitter, 0.0, 1.0) * std::clamp(unit, 0.0, 1.0);
  return static_cast<int>(std::lround(delay * (1.0 - jitter)));
}

bool registration_failure_is_transient(int status, bool from_network) {
  if (!from_network) return true;
  return status == 408 || status == 480 || (status >= 500 && status < 600);
}

}  // namespace sipcall
