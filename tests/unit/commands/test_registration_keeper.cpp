// RegistrationKeeper against a scripted Signalling: when it REGISTERs
// again after a loss (backoff schedule), and which failures are final.
#include <doctest/doctest.h>

#include "sipcall/report/exit_codes.h"

#include "commands/event_queue.h"
#include "commands/fake_signalling.h"
#include "commands/registration_keeper.h"

#include <thread>

using namespace sipcall;
using namespace sipcall::testing;
using namespace std::chrono_literals;

namespace {

SipEvent registration_event(SipEventType type, int status, bool from_network = true) {
  SipEvent e;
  e.type = type;
  e.status = status;
  e.from_network = from_network;
  e.phrase = status == 200 ? "OK" : "Failure";
  e.expires_s = 60;
  e.detail = from_network ? "" : "connection refused";
  return e;
}

struct KeeperFixture {
  KeeperFixture() {
    account.user = "101";
    account.password = "secret";
  }
  // ms until the keeper's next REGISTER is due.
  long due_in_ms() const {
    auto far = Clock::now() + 1h;
    return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(keeper.deadline(far) - Clock::now()).count());
  }
  size_t registers() const { return sip.sent_of("register").size(); }

  QuietReporter quiet;
  EventQueue queue{quiet.reporter, false};
  FakeSignalling sip{queue};
  AgentOptions account;
  // No jitter: the schedule is exact (backoff_delay_ms is tested on its own).
  RegistrationKeeper keeper{sip, quiet.reporter, account, 60, BackoffPolicy{100, 400, 0.0}, 0};
};

}  // namespace

TEST_CASE("registration keeper: after a lost connection it REGISTERs at once, then backs off doubling up to the cap") {
  KeeperFixture f;
  CHECK(f.keeper.on_event(registration_event(SipEventType::connection_lost, 0)));
  CHECK_FALSE(f.keeper.registered());
  REQUIRE(f.registers() == 1);  // at once, not after a delay
  CHECK(f.sip.sent.back().status == 60);

  for (long expected : {100L, 200L, 400L, 400L}) {
    f.keeper.on_event(registration_event(SipEventType::registration_failed, 503, false));
    long due = f.due_in_ms();
    CHECK(due <= expected);
    CHECK(due > expected - 50);
    size_t before = f.registers();
    f.keeper.poll();
    CHECK(f.registers() == before);  // not before the delay
    std::this_thread::sleep_until(f.keeper.deadline(Clock::now() + 1h));
    f.keeper.poll();
    CHECK(f.registers() == before + 1);
  }
  f.keeper.on_event(registration_event(SipEventType::registered, 200));
  CHECK(f.keeper.registered());
  CHECK(f.keeper.reconnects() == 1);
  CHECK_FALSE(f.keeper.outcome());
}

TEST_CASE("registration keeper: a refused refresh (403) ends the keep, no retry") {
  KeeperFixture f;
  f.keeper.on_event(registration_event(SipEventType::registered, 200));
  CHECK(f.keeper.refreshes() == 1);
  f.keeper.on_event(registration_event(SipEventType::registration_failed, 403));
  CHECK_FALSE(f.keeper.registered());
  CHECK(exit_code_of(f.keeper.failure()) == ExitCode::auth_failed);
  CHECK(exit_code_of(f.keeper.outcome()) == ExitCode::auth_failed);
  f.keeper.poll();
  CHECK(f.registers() == 0);
}

TEST_CASE("registration keeper: 401 to a retry after credentials is final: no further REGISTER") {
  KeeperFixture f;
  f.keeper.on_event(registration_event(SipEventType::connection_lost, 0));
  REQUIRE(f.registers() == 1);
  f.keeper.on_event(registration_event(SipEventType::registration_failed, 401));
  CHECK(exit_code_of(f.keeper.failure()) == ExitCode::auth_failed);
  CHECK(f.keeper.failure().message().find("wrong password") != std::string::npos);
  CHECK(f.keeper.deadline(Clock::now() + 1h) > Clock::now() + 30min);  // nothing scheduled
  std::this_thread::sleep_for(150ms);  // past the first backoff delay
  f.keeper.poll();
  CHECK(f.registers() == 1);
}

TEST_CASE("registration keeper: a transient refresh failure is retried after the first delay") {
  KeeperFixture f;
  f.keeper.on_event(registration_event(SipEventType::registration_failed, 408, false));
  CHECK_FALSE(f.keeper.registered());
  CHECK_FALSE(f.keeper.failure());
  CHECK(f.due_in_ms() <= 100);
  CHECK(exit_code_of(f.keeper.outcome()) == ExitCode::timeout);
}

TEST_CASE("registration keeper: events of another account are not its business") {
  KeeperFixture f;
  SipEvent e = registration_event(SipEventType::connection_lost, 0);
  e.account = 2;
  CHECK_FALSE(f.keeper.on_event(e));
  CHECK(f.keeper.registered());
  CHECK(f.registers() == 0);
}
