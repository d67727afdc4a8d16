// Keeps a registration up for `register --keep` and `answer`.
//
// nua refreshes the binding before it expires. The keeper takes over where
// nua gives up: when the registration's connection drops it registers again
// at once, and after a failed REGISTER it tries again with capped
// exponential backoff (src/commands/reconnect.h) while the failure is transient;
// it stops only at a final answer (wrong password, unknown user). Every change is reported as it
// happens: a human line on stderr and, with --json, an event line
// (connection_lost, registration_lost, reconnecting, registered, refreshed).
//
//   registered --connection_lost--> attempting (at once)
//   registered --failed refresh---> waiting
//   attempting --transient failure-> waiting --backoff elapsed--> attempting
//   attempting/waiting --2xx-------> registered
//   any --final failure------------> failed
//
// Internal to src/commands; runs on the signalling thread.
#pragma once

#include <random>
#include <string>

#include "command_clock.h"
#include "sipcall/error.h"
#include "reconnect.h"
#include "sipcall/report/reporter.h"
#include "sipcall/sip/sip_agent.h"

namespace sipcall {

class RegistrationKeeper {
 public:
  // Starts in the registered state: the first REGISTER (register_and_wait)
  // succeeded. `account` and `reporter` must outlive the keeper.
  // `account_id` is the agent's account (SipAgent::add_account) it keeps;
  // `account` then carries that account's user and password.
  RegistrationKeeper(Signalling& agent, Reporter& reporter, const AgentOptions& account, int expires_s,
                     BackoffPolicy policy = {}, int account_id = 0);

  // Give it every event the command does not handle itself; events about
  // other things are ignored. Returns true when the event was about the
  // registration.
  bool on_event(const SipEvent& e);
  // Sends the REGISTER that is due, if any. Call after every wait.
  void poll();
  // `wanted`, or earlier when the keeper has something to do before then.
  Clock::time_point deadline(Clock::time_point wanted) const;

  bool registered() const { return state_ == State::registered; }
  // Set once the registration cannot be kept: exit code and one-line message.
  const Error& failure() const { return failure_; }
  // How the registration ends when the command stops now: the final
  // failure, "stopped while reconnecting" with the last failure's exit code
  // when not registered at the moment, or success.
  Error outcome() const;
  int refreshes() const { return refreshes_; }
  int reconnects() const { return reconnects_; }

 private:
  enum class State { registered, attempting, waiting, failed };
  void lost(const std::string& why, ErrorKind kind);
  void schedule_retry(const std::string& why, bool say_why);
  void start_attempt();

  Signalling& agent_;
  Reporter& reporter_;
  const AgentOptions& account_;
  int expires_s_;
  BackoffPolicy policy_;
  int account_id_;
  std::mt19937 random_{std::random_device{}()};

  State state_ = State::registered;
  Clock::time_point lost_at_;
  Clock::time_point due_;      // waiting: next REGISTER; attempting: give up on nua's answer
  int attempt_ = 0;            // retries since the loss
  std::string last_error_;     // why the last REGISTER failed, or the connection was lost
  ErrorKind last_kind_ = ErrorKind::unreachable;
  Error failure_;
  int refreshes_ = 0;
  int reconnects_ = 0;
};

}  // namespace sipcall
