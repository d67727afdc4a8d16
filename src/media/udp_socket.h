// The OS seam of the media engine: numeric addresses and UDP sockets.
// Internal to src/media; MediaSession's header shows none of it.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sipcall/error.h"

namespace sipcall::media {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  // Numeric IPv4 or IPv6 literal (brackets allowed), no DNS.
  static Result<SocketAddress> parse(const std::string& host, uint16_t port);
  int family() const { return storage.ss_family; }
  uint16_t port() const;
  std::string to_string() const;
  // The same address as an IPv4-mapped IPv6 one (for a dual-stack socket).
  SocketAddress mapped_to_v6() const;
};

class UdpSocket {
 public:
  UdpSocket() = default;
  ~UdpSocket();
  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;

  // Binds to address:port; Error::network naming both on failure.
  static Result<UdpSocket> bind(const SocketAddress& local);

  bool valid() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  int family() const { return family_; }
  uint16_t local_port() const;

  // Best effort: UDP send errors (ICMP unreachable, no route) are counted
  // by the caller, not fatal. Maps IPv4 targets on an IPv6 socket.
  bool send_to(std::span<const uint8_t> data, const SocketAddress& to) const;
  // Non-blocking receive of one datagram; false when none is waiting.
  bool receive(std::vector<uint8_t>& buffer, SocketAddress& from) const;

  void close();

 private:
  int fd_ = -1;
  int family_ = 0;
};

}  // namespace sipcall::media
