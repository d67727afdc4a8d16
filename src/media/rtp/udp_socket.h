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
  // Compared as IPv6 (IPv4 as mapped), so that a dual-stack socket's
  // ::ffff:127.0.0.1 is the SDP's 127.0.0.1.
  bool same_host(const SocketAddress& other) const;
  bool same_endpoint(const SocketAddress& other) const { return same_host(other) && port() == other.port(); }
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

  // Best effort: 0 when the kernel took the whole datagram, else the errno
  // (no route, wrong address family), for the caller to count; never
  // fatal. Maps IPv4 targets on an IPv6 socket.
  int send_to(std::span<const uint8_t> data, const SocketAddress& to) const;
  // Whether this socket can send to `to` at all: an IPv4 socket reaches
  // only IPv4, an IPv6 one bound to a specific IPv6 address only IPv6, an
  // IPv6 one bound to "::" both (dual stack).
  bool reaches(const SocketAddress& to) const;
  // Non-blocking receive of one datagram; false when none is waiting.
  bool receive(std::vector<uint8_t>& buffer, SocketAddress& from) const;

  void close();

 private:
  int fd_ = -1;
  int family_ = 0;
  SocketAddress local_;  // as bound
};

}  // namespace sipcall::media
