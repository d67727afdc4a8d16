// ICE on libnice, measured (issue 12): the time from the start of the
// connectivity checks to connected between two agents on 127.0.0.1, and the
// resident memory an agent with its GLib thread adds. Built, not run by the
// test suite:   ./build/tests/bench/ice-bench [ROUNDS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "ice_agent.h"

using namespace sipcall::media::ice;
using namespace std::chrono_literals;

namespace {

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

std::unique_ptr<IceAgent> make(bool controlling) {
  IceAgentOptions o;
  o.controlling = controlling;
  o.local_addresses = {"127.0.0.1"};
  auto a = IceAgent::start(o, [](std::span<const uint8_t>) {});
  if (!a.ok()) {
    std::fprintf(stderr, "ice-bench: %s\n", a.error().message().c_str());
    std::exit(1);
  }
  return std::move(a.value());
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 20;

  const long before = rss_kib();
  auto first = make(true);
  const long after_first = rss_kib();
  auto second = make(false);
  const long after_second = rss_kib();
  std::printf("rss: %ld KiB at start, +%ld KiB for the first agent (GLib/libnice set-up + thread), "
              "+%ld KiB for a second\n",
              before, after_first - before, after_second - after_first);
  first.reset();
  second.reset();

  std::vector<double> controlling_ms, controlled_ms, start_ms;
  for (int i = 0; i < rounds; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto a = make(true);
    auto b = make(false);
    start_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 2);
    const auto ca = a->local_credentials(), cb = b->local_credentials();
    if (!a->set_remote(cb.ufrag, cb.pwd, b->local_candidates()).ok() ||
        !b->set_remote(ca.ufrag, ca.pwd, a->local_candidates()).ok()) {
      std::fprintf(stderr, "ice-bench: set_remote failed\n");
      return 1;
    }
    auto pa = a->wait_connected(5s);
    auto pb = b->wait_connected(5s);
    if (!pa.ok() || !pb.ok()) {
      std::fprintf(stderr, "ice-bench: round %d: %s\n", i, (!pa.ok() ? pa : pb).error().message().c_str());
      return 1;
    }
    controlling_ms.push_back(*a->checks_ms());
    controlled_ms.push_back(*b->checks_ms());
  }
  std::printf("start+gather per agent: median %.2f ms\n", median(start_ms));
  std::printf("checks to connected over %d rounds: controlling median %.2f ms (max %.2f), controlled median %.2f ms "
              "(max %.2f)\n",
              rounds, median(controlling_ms), *std::max_element(controlling_ms.begin(), controlling_ms.end()),
              median(controlled_ms), *std::max_element(controlled_ms.begin(), controlled_ms.end()));
  return 0;
}
