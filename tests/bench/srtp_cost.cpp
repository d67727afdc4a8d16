// What SRTP costs a call: protect + unprotect of one 20 ms PCMU packet
// (12-byte header, 160 bytes of payload) for every suite, side by side on
// our SRTP (media/srtp/srtp_session.h, OpenSSL's ciphers) and on Debian's
// libsrtp2 (tests/support/libsrtp_reference.h, NSS's ciphers), and what
// that is per call-second (50 packets each way). Run by hand, not a test:
//   build/tests/bench/srtp-cost [PACKETS]
// Prints the median of 7 rounds of PACKETS packets (default 50000) per
// suite and implementation, the time to make a session, and the resident
// memory before and after each implementation's first session.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "libsrtp_reference.h"
#include "media/srtp/srtp_session.h"

using namespace sipcall::media;
using Clock = std::chrono::steady_clock;

namespace {

struct Round {
  double protect_ns = 0;
  double unprotect_ns = 0;
};

// Either implementation: SrtpSession returns Result and UnprotectResult,
// LibsrtpReference optionals.
bool done(const sipcall::Result<size_t>& n) { return n.ok(); }
bool done(const std::optional<size_t>& n) { return n.has_value(); }
bool done(const UnprotectResult& r) { return r.ok(); }

template <typename Session>
Round measure(Session& sender, Session& receiver, uint32_t& seq, size_t packets) {
  std::vector<uint8_t> buffer(12 + 160 + SrtpSession::kMaxOverhead);
  Clock::duration in_protect{}, in_unprotect{};
  for (size_t i = 0; i < packets; ++i, ++seq) {
    std::fill(buffer.begin(), buffer.end(), static_cast<uint8_t>(seq));
    buffer[0] = 0x80;
    buffer[1] = 0;
    buffer[2] = static_cast<uint8_t>(seq >> 8);
    buffer[3] = static_cast<uint8_t>(seq);
    for (int b = 8; b < 12; ++b) buffer[b] = static_cast<uint8_t>(0x10 + b);  // one SSRC, as in a call
    const auto t0 = Clock::now();
    auto n = sender.protect_rtp(buffer, 172);
    const auto t1 = Clock::now();
    if (!done(n)) {
      std::fprintf(stderr, "protect failed\n");
      std::exit(1);
    }
    const auto r = receiver.unprotect_rtp(std::span<uint8_t>(buffer.data(), *n));
    const auto t2 = Clock::now();
    if (!done(r)) {
      std::fprintf(stderr, "unprotect failed\n");
      std::exit(1);
    }
    in_protect += t1 - t0;
    in_unprotect += t2 - t1;
  }
  using ns = std::chrono::duration<double, std::nano>;
  return {ns(in_protect).count() / packets, ns(in_unprotect).count() / packets};
}

long rss_kb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("VmRSS:")) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}


template <typename Session, typename Create>
void run(const char* name, Create create, size_t packets) {
  const long rss_before = rss_kb();
  for (SrtpSuite suite : srtp_suites_by_preference()) {
    auto a_keys = SrtpKeys::generate(suite);
    auto b_keys = SrtpKeys::generate(suite);
    const auto t0 = Clock::now();
    auto a = create(*a_keys, *b_keys);
    const auto t1 = Clock::now();
    auto b = create(*b_keys, *a_keys);
    if (!a || !b) std::exit(1);
    uint32_t seq = 1;
    std::vector<Round> rounds;
    for (int i = 0; i < 7; ++i) rounds.push_back(measure(*a, *b, seq, packets));
    const auto median = [&](double Round::*field) {
      std::vector<double> v;
      for (const auto& r : rounds) v.push_back(r.*field);
      std::nth_element(v.begin(), v.begin() + 3, v.end());
      return v[3];
    };
    const double p = median(&Round::protect_ns), u = median(&Round::unprotect_ns);
    // A call-second: 50 packets sent (protect) and 50 received (unprotect).
    std::printf("%-9s %-24.*s %12.0f %12.0f %12.0f %14.1f %14.1f\n", name,
                static_cast<int>(srtp_suite_info(suite).sdp_name.size()), srtp_suite_info(suite).sdp_name.data(), p, u,
                p + u, 50 * (p + u) / 1000, std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::printf("%-9s RSS %ld kB before its first session, %ld kB after its last\n", name, rss_before, rss_kb());
}

}  // namespace

int main(int argc, char** argv) {
  const size_t packets = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 50000;
  if (packets == 0) return 2;
  std::printf("%-9s %-24s %12s %12s %12s %14s %14s\n", "srtp", "suite", "protect ns", "unprotect ns", "both ns",
              "us/call-s", "session us");
  // Ours first, so that its memory figure has no NSS in it.
  run<SrtpSession>("sip-call", [](const SrtpKeys& a, const SrtpKeys& b) {
    auto s = SrtpSession::create(a, b);
    return s.ok() ? std::make_unique<SrtpSession>(std::move(*s)) : nullptr;
  }, packets);
  run<sipcall::testing::LibsrtpReference>("libsrtp2", [](const SrtpKeys& a, const SrtpKeys& b) {
    return sipcall::testing::LibsrtpReference::create(a, b);
  }, packets);
  return 0;
}
