#include "registration_keeper.h"

#include "request_failure.h"
#include "sipcall/duration_text.h"
#include "sipcall/report/exit_codes.h"

namespace sipcall {

namespace {

// A REGISTER in flight ends by Sofia's transaction timeout (64 x T1 = 32 s)
// at the latest; should nua never report, the keeper tries again itself.
constexpr auto kAttemptLimit = std::chrono::seconds(40);

}  // namespace

RegistrationKeeper::RegistrationKeeper(Signalling& agent, Reporter& reporter, const AgentOptions& account,
                                       int expires_s, BackoffPolicy policy, int account_id)
    : agent_(agent), reporter_(reporter), account_(account), expires_s_(expires_s), policy_(policy),
      account_id_(account_id) {}

bool RegistrationKeeper::on_event(const SipEvent& e) {
  if (e.account != account_id_) return false;
  switch (e.type) {
    case SipEventType::registered:
      if (state_ == State::registered) {
        ++refreshes_;
        if (reporter_.verbose()) reporter_.line("registration of " + account_.user + " refreshed (expires " + std::to_string(e.expires_s) + " s)");
        reporter_.event(JsonObject().add("event", "refreshed").add("user", account_.user).add("status", e.status).add("expires", e.expires_s));
      } else {
        ++reconnects_;
        long down_ms = ms_since(lost_at_);
        reporter_.line("registered " + account_.user + " again after " + seconds_text_tenths(down_ms) + " (expires " +
                       std::to_string(e.expires_s) + " s)");
        reporter_.event(JsonObject().add("event", "registered").add("user", account_.user).add("status", e.status).add("expires", e.expires_s)
                            .add("reconnected", true).add("attempts", attempt_).add("down_ms", down_ms));
        state_ = State::registered;
        attempt_ = 0;
      }
      return true;

    case SipEventType::connection_lost:
      // Only the loss of a working registration is news; during an attempt
      // the failed REGISTER says it.
      if (state_ != State::registered) return true;
      reporter_.line("connection of " + account_.user + " to " + account_.server.to_string() + " lost (" + e.detail +
                     "); registering again");
      reporter_.event(JsonObject().add("event", "connection_lost").add("user", account_.user).add("reason", e.detail));
      lost("connection lost (" + e.detail + ")", ErrorKind::unreachable);
      // nua would re-REGISTER by itself, but only at its next one-second
      // tick: ours goes out now, over a new connection.
      start_attempt();
      return true;

    case SipEventType::registration_failed: {
      bool refresh = state_ == State::registered;
      Error why = registration_error(e, account_, refresh ? "refreshing the registration" : "register " + account_.user);
      if (refresh) {
        reporter_.line("registration of " + account_.user + " lost: " + why.message());
        reporter_.event(JsonObject().add("event", "registration_lost").add("user", account_.user).add("status", e.status).add("reason", e.phrase)
                            .add("error", why.message()));
      }
      if (!registration_failure_is_transient(e.status, e.from_network)) {
        failure_ = why;
        state_ = State::failed;
        return true;
      }
      if (refresh) lost(why.message(), why.kind());
      last_error_ = why.message();
      last_kind_ = why.kind();
      // After "registration lost: ..." the reason is on the line above.
      schedule_retry(why.message(), !refresh);
      return true;
    }

    default:
      return false;
  }
}

void RegistrationKeeper::lost(const std::string& why, ErrorKind kind) {
  lost_at_ = Clock::now();
  attempt_ = 0;
  last_error_ = why;
  last_kind_ = kind;
}

void RegistrationKeeper::schedule_retry(const std::string& why, bool say_why) {
  ++attempt_;
  int delay = backoff_delay_ms(policy_, attempt_, std::uniform_real_distribution<double>(0.0, 1.0)(random_));
  due_ = Clock::now() + std::chrono::milliseconds(delay);
  state_ = State::waiting;
  reporter_.line(account_.user + ": reconnecting in " + seconds_text_tenths(delay) + " (attempt " + std::to_string(attempt_) + ")" +
                 (say_why ? ": " + why : ""));
  reporter_.event(JsonObject().add("event", "reconnecting").add("user", account_.user).add("attempt", attempt_).add("in_ms", delay)
                      .add("error", why));
}

void RegistrationKeeper::start_attempt() {
  state_ = State::attempting;
  due_ = Clock::now() + kAttemptLimit;
  agent_.register_binding(expires_s_, account_id_);
}

void RegistrationKeeper::poll() {
  if (state_ == State::registered || state_ == State::failed || Clock::now() < due_) return;
  start_attempt();
}

Clock::time_point RegistrationKeeper::deadline(Clock::time_point wanted) const {
  bool idle = state_ == State::registered || state_ == State::failed;
  return idle ? wanted : std::min(wanted, due_);
}

Error RegistrationKeeper::outcome() const {
  if (failure_) return failure_;
  if (state_ == State::registered) return {};
  return {last_kind_, "stopped while reconnecting; " + last_error_};
}

}  // namespace sipcall
