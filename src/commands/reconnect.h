// When and how often a lost registration is tried again: pure functions,
// unit-tested (tests/unit/commands/test_reconnect.cpp); the loop that applies them is
// src/commands/registration_keeper.h.
#pragma once

namespace sipcall {

// Capped exponential backoff: first_ms, twice that, four times... up to
// max_ms, each shortened by a random share of up to `jitter`, so that many
// clients cut off together do not all come back in the same second.
struct BackoffPolicy {
  int first_ms = 1000;   // delay before the first retry [ms]
  int max_ms = 30000;    // longest delay [ms]
  double jitter = 0.1;   // largest share taken off a delay, 0..1
};

// Delay before retry number `attempt` (1 = the first) [ms]. `unit` is a
// uniform random draw in [0, 1) that picks the jitter.
int backoff_delay_ms(const BackoffPolicy& policy, int attempt, double unit);

// Whether a failed REGISTER is worth retrying: the transport failed or timed
// out (`from_network` false), or the server said it is temporarily unable
// (408, 480, 5xx). A rejection of our credentials (401, 403, 407) or of the
// request itself (404, 6xx...) is final.
bool registration_failure_is_transient(int status, bool from_network);

}  // namespace sipcall
