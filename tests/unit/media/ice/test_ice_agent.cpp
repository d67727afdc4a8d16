// Two real libnice agents in this process, talking over 127.0.0.1.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ice_agent.h"

using namespace sipcall;
using namespace sipcall::media::ice;
using namespace std::chrono_literals;

namespace {

// Datagrams a receive callback got, on the ICE thread; awaited here.
struct Inbox {
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<std::string> datagrams;

  IceAgent::ReceiveCallback callback() {
    return [this](std::span<const uint8_t> d) {
      std::lock_guard lock(mutex);
      datagrams.emplace_back(reinterpret_cast<const char*>(d.data()), d.size());
      arrived.notify_all();
    };
  }
  bool wait_for(const std::string& what, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return arrived.wait_for(lock, timeout, [&] {
      for (auto& d : datagrams)
        if (d == what) return true;
      return false;
    });
  }
};

IceAgentOptions loopback(bool controlling) {
  IceAgentOptions o;
  o.controlling = controlling;
  o.local_addresses = {"127.0.0.1"};
  return o;
}

std::unique_ptr<IceAgent> start(const IceAgentOptions& o, Inbox* inbox = nullptr) {
  auto a = IceAgent::start(o, inbox ? inbox->callback() : IceAgent::ReceiveCallback{});
  REQUIRE_MESSAGE(a.ok(), a.error().message());
  return std::move(a.value());
}

Error send_text(IceAgent& agent, const std::string& text) {
  return agent.send({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

// Each side gets the other's credentials and candidates, as the SDP would carry them.
void introduce(IceAgent& a, IceAgent& b) {
  REQUIRE(a.set_remote(b.local_credentials().ufrag, b.local_credentials().pwd, b.local_candidates()).ok());
  REQUIRE(b.set_remote(a.local_credentials().ufrag, a.local_credentials().pwd, a.local_candidates()).ok());
}

std::string other_password(const std::string& pwd) {
  std::string p = pwd;
  p[0] = p[0] == 'A' ? 'B' : 'A';
  return p;
}

}  // namespace

TEST_CASE("ice agent: gathers one host candidate on the address handed in, in the port range") {
  auto o = loopback(true);
  o.port_min = 42100;
  o.port_max = 42199;
  auto a = start(o);
  REQUIRE(a->local_candidates().size() == 1);
  const Candidate& c = a->local_candidates()[0];
  CHECK(c.type == CandidateType::host);
  CHECK(c.address == "127.0.0.1");
  CHECK(c.port >= 42100);
  CHECK(c.port <= 42199);
  CHECK(c.component == 1);
  CHECK(check_ufrag(a->local_credentials().ufrag).ok());
  CHECK(check_pwd(a->local_credentials().pwd).ok());
  CHECK(a->state() == IceState::waiting);
  // Our own line parses back as the same candidate.
  auto back = parse_candidate(format_candidate(c));
  REQUIRE(back.ok());
  REQUIRE(back->candidate);
  CHECK(*back->candidate == c);
  CHECK(!send_text(*a, "too early").ok());
}

TEST_CASE("ice agent: two agents on loopback connect, report a host pair and carry datagrams both ways") {
  Inbox inbox_a, inbox_b;
  auto a = start(loopback(true), &inbox_a);
  auto b = start(loopback(false), &inbox_b);
  introduce(*a, *b);

  auto pa = a->wait_connected(5s);
  REQUIRE_MESSAGE(pa.ok(), pa.error().message());
  auto pb = b->wait_connected(5s);
  REQUIRE_MESSAGE(pb.ok(), pb.error().message());
  CHECK(pa->local.type == CandidateType::host);
  CHECK(pa->remote.type == CandidateType::host);
  CHECK(pa->local.address == "127.0.0.1");
  CHECK(pa->local.port == a->local_candidates()[0].port);
  CHECK(pa->remote.port == b->local_candidates()[0].port);
  CHECK(pb->local.port == b->local_candidates()[0].port);
  CHECK(pb->remote.port == a->local_candidates()[0].port);
  CHECK(pa->local.to_string() == "host 127.0.0.1:" + std::to_string(pa->local.port));
  REQUIRE(a->checks_ms());
  CHECK(*a->checks_ms() < 5000);

  CHECK(send_text(*a, "from a").ok());
  CHECK(inbox_b.wait_for("from a", 2s));
  CHECK(send_text(*b, "from b").ok());
  CHECK(inbox_a.wait_for("from b", 2s));

  a->stop();
  CHECK(a->state() == IceState::stopped);
  CHECK(!send_text(*a, "after stop").ok());
}

TEST_CASE("ice agent: IPv6 loopback works too") {
  auto o = loopback(true);
  o.local_addresses = {"::1"};
  auto oc = o;
  oc.controlling = false;
  Inbox inbox_b;
  auto a = start(o);
  auto b = start(oc, &inbox_b);
  introduce(*a, *b);
  auto pa = a->wait_connected(5s);
  REQUIRE_MESSAGE(pa.ok(), pa.error().message());
  CHECK(pa->local.to_string().rfind("host [::1]:", 0) == 0);
  CHECK(send_text(*a, "v6").ok());
  CHECK(inbox_b.wait_for("v6", 2s));
}

TEST_CASE("ice agent: a candidate on a closed port fails within the deadline") {
  auto a = start(loopback(true));
  Candidate closed{"1", 1, 2130706431, "127.0.0.1", 9, CandidateType::host, std::nullopt, 0};
  REQUIRE(a->set_remote("EsAw", "bvW3nRgeJ0X5p4sU1Q/LeH+j", {closed}).ok());
  const auto t0 = std::chrono::steady_clock::now();
  auto p = a->wait_connected(1500ms);
  const auto took = std::chrono::steady_clock::now() - t0;
  REQUIRE(!p.ok());
  CHECK(p.error().kind() == ErrorKind::no_media);
  MESSAGE(p.error().message());
  CHECK(took < 2s);
  CHECK(a->state() == IceState::failed);
  CHECK(!a->selected_pair());
  CHECK(!send_text(*a, "no pair").ok());
}

TEST_CASE("ice agent: wrong passwords on both sides fail within the deadline") {
  auto a = start(loopback(true));
  auto b = start(loopback(false));
  const auto ca = a->local_credentials(), cb = b->local_credentials();
  REQUIRE(a->set_remote(cb.ufrag, other_password(cb.pwd), b->local_candidates()).ok());
  REQUIRE(b->set_remote(ca.ufrag, other_password(ca.pwd), a->local_candidates()).ok());
  const auto t0 = std::chrono::steady_clock::now();
  auto pa = a->wait_connected(1500ms);
  auto pb = b->wait_connected(100ms);  // b's deadline ran alongside a's
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  CHECK(!pa.ok());
  CHECK(!pb.ok());
  CHECK(a->state() == IceState::failed);
  CHECK(b->state() == IceState::failed);
}

TEST_CASE("ice agent: the side holding a wrong password never connects") {
  auto a = start(loopback(true));
  auto b = start(loopback(false));
  const auto ca = a->local_credentials(), cb = b->local_credentials();
  REQUIRE(a->set_remote(cb.ufrag, cb.pwd, b->local_candidates()).ok());
  REQUIRE(b->set_remote(ca.ufrag, other_password(ca.pwd), a->local_candidates()).ok());
  auto pb = b->wait_connected(1500ms);
  CHECK(!pb.ok());
  CHECK(b->state() == IceState::failed);
}

TEST_CASE("ice agent: bad options are refused with a clear error") {
  auto o = loopback(true);
  o.local_addresses = {"localhost"};
  auto r = IceAgent::start(o, {});
  REQUIRE(!r.ok());
  CHECK(r.error().kind() == ErrorKind::bad_input);
  CHECK(r.error().message().find("localhost") != std::string::npos);

  o = loopback(true);
  o.stun_server = IceServer{"198.51.100.1", 3478, "", ""};
  r = IceAgent::start(o, {});
  REQUIRE(!r.ok());
  CHECK(r.error().message().find("not supported yet") != std::string::npos);

  o = loopback(true);
  o.port_min = 5000;
  o.port_max = 4000;
  CHECK(!IceAgent::start(o, {}).ok());
}

TEST_CASE("ice agent: set_remote is refused twice and with bad credentials") {
  auto a = start(loopback(true));
  Candidate c{"1", 1, 2130706431, "127.0.0.1", 9, CandidateType::host, std::nullopt, 0};
  CHECK(!a->set_remote("abc", "bvW3nRgeJ0X5p4sU1Q/LeH+j", {c}).ok());
  CHECK(!a->set_remote("EsAw", "short", {c}).ok());
  CHECK(!a->set_remote("EsAw", "bvW3nRgeJ0X5p4sU1Q/LeH+j", {}).ok());
  CHECK(a->set_remote("EsAw", "bvW3nRgeJ0X5p4sU1Q/LeH+j", {c}).ok());
  CHECK(!a->set_remote("EsAw", "bvW3nRgeJ0X5p4sU1Q/LeH+j", {c}).ok());
}

TEST_CASE("ice agent: stop() while another thread sends and the far end echoes") {
  Inbox inbox_a;
  auto a = start(loopback(true), &inbox_a);
  // b echoes from its receive callback, on its ICE thread.
  std::atomic<IceAgent*> b_raw{nullptr};
  auto started = IceAgent::start(loopback(false), [&b_raw](std::span<const uint8_t> d) {
    if (IceAgent* echo = b_raw.load()) (void)echo->send(d);
  });
  REQUIRE(started.ok());
  auto b = std::move(started.value());
  b_raw = b.get();
  introduce(*a, *b);
  REQUIRE(a->wait_connected(5s).ok());
  REQUIRE(b->wait_connected(5s).ok());

  std::atomic<bool> go{true};
  std::atomic<int> sent{0};
  std::thread sender([&] {
    while (go) {
      if (send_text(*a, "ping").ok()) ++sent;
      std::this_thread::yield();
    }
  });
  CHECK(inbox_a.wait_for("ping", 2s));  // echoed back by b
  b->stop();                             // while echoes are in flight
  a->stop();                             // while the sender is sending
  go = false;
  sender.join();
  CHECK(sent > 0);
  CHECK(!send_text(*a, "ping").ok());
}

TEST_CASE("ice agent: a port range with no free port is a network error") {
  auto o = loopback(true);
  o.port_min = o.port_max = 42201;
  auto first = start(o);
  auto second = IceAgent::start(o, {});
  REQUIRE(!second.ok());
  CHECK(second.error().kind() == ErrorKind::no_local_address);
  CHECK(second.error().message().find("42201-42201") != std::string::npos);
}

TEST_CASE("ice agent: both sides controlling settle the role conflict and connect") {
  auto a = start(loopback(true));
  auto b = start(loopback(true));
  introduce(*a, *b);
  auto pa = a->wait_connected(5s);
  CHECK_MESSAGE(pa.ok(), pa.error().message());
  auto pb = b->wait_connected(5s);
  CHECK_MESSAGE(pb.ok(), pb.error().message());
}
