// What DTLS-SRTP costs before the first packet (issue 12's call set-up
// benchmarks): CPU time to make our certificate, and the wall and CPU time
// of a whole handshake between two endpoints in memory (no network, no
// loss: the floor under what a call's timings.dtls_ms can be).
//
//   build/tests/unit/media/dtls/dtls-bench [ROUNDS]   (default 200)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <vector>

#include "media/dtls/dtls_endpoint.h"

using namespace sipcall::media::dtls;

namespace {

double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double wall_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Stats {
  std::vector<double> v;
  void add(double x) { v.push_back(x); }
  double pct(double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5))];
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 200;

  Stats cert_cpu;
  std::vector<std::shared_ptr<const DtlsCertificate>> certs;
  for (int i = 0; i < rounds; ++i) {
    const double c0 = cpu_ms();
    auto c = DtlsCertificate::generate();
    cert_cpu.add(cpu_ms() - c0);
    if (!c.ok()) return std::fprintf(stderr, "%s\n", c.error().message().c_str()), 1;
    if (certs.size() < 2) certs.push_back(c.value());
  }

  Stats wall, cpu, client_reported;
  for (int i = 0; i < rounds; ++i) {
    std::deque<std::vector<uint8_t>> to_server, to_client;
    auto make = [&](DtlsRole role, int ours, std::deque<std::vector<uint8_t>>& out) {
      DtlsEndpointConfig config;
      config.role = role;
      config.certificate = certs[ours];
      config.peer_fingerprints = {certs[1 - ours]->fingerprint()};
      return DtlsEndpoint::create(std::move(config),
                                  [&out](std::span<const uint8_t> d) { out.emplace_back(d.begin(), d.end()); });
    };
    const double w0 = wall_ms(), c0 = cpu_ms();
    auto client = make(DtlsRole::client, 0, to_server);
    auto server = make(DtlsRole::server, 1, to_client);
    if (!client.ok() || !server.ok()) return std::fprintf(stderr, "cannot create endpoints\n"), 1;
    (*client)->start();
    while (!to_server.empty() || !to_client.empty()) {
      for (; !to_server.empty(); to_server.pop_front()) (*server)->feed(to_server.front());
      for (; !to_client.empty(); to_client.pop_front()) (*client)->feed(to_client.front());
    }
    wall.add(wall_ms() - w0);
    cpu.add(cpu_ms() - c0);
    if ((*client)->state() != DtlsState::connected || (*server)->state() != DtlsState::connected)
      return std::fprintf(stderr, "handshake failed: %s\n", (*client)->failure().c_str()), 1;
    client_reported.add((*client)->handshake_duration()->count() / 1e3);
  }

  std::printf("certificate (ECDSA P-256, self-signed) CPU: median %.3f ms, p90 %.3f ms (%d rounds)\n",
              cert_cpu.pct(0.5), cert_cpu.pct(0.9), rounds);
  std::printf("handshake in memory, both ends, incl. endpoint set-up: wall median %.3f ms, p90 %.3f ms; "
              "CPU median %.3f ms\n",
              wall.pct(0.5), wall.pct(0.9), cpu.pct(0.5));
  std::printf("handshake_duration() reported by the client: median %.3f ms, p90 %.3f ms\n", client_reported.pct(0.5),
              client_reported.pct(0.9));
  return 0;
}
