// What the media session tests share: sessions and raw peers on
// 127.0.0.1, and waiting for what the session's threads do.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "sipcall/media/session/media_session.h"

namespace sipcall::media::testing {

// Sessions on 127.0.0.1 with ports of their own per test file, RTCP fast
// so that a test sees RTT.
inline MediaOptions loopback_options(uint16_t port_min = 30000, uint16_t port_max = 39999) {
  MediaOptions o;
  o.local_address = "127.0.0.1";
  o.rtp_port_min = port_min;
  o.rtp_port_max = port_max;
  o.rtcp_interval_ms = 300;
  return o;
}

// Polls until `done` or the deadline; true when done.
inline bool await(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

// A UDP socket on 127.0.0.1 and its port.
inline std::pair<int, uint16_t> loopback_socket() {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return {fd, ntohs(a.sin_port)};
}

// Sends raw datagrams to 127.0.0.1:port, as a hostile or confused peer would.
// From a new socket on 127.0.0.1 (a stranger), or from `fd`.
inline void send_raw(uint16_t port, const std::vector<std::vector<uint8_t>>& datagrams, int from_fd = -1) {
  const int fd = from_fd >= 0 ? from_fd : socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (const auto& d : datagrams) sendto(fd, d.data(), d.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  if (fd != from_fd) close(fd);
}

}  // namespace sipcall::media::testing
