#include "udp_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace sipcall::media {

Result<SocketAddress> SocketAddress::parse(const std::string& host_in, uint16_t port) {
  std::string host = host_in;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0 || !res)
    return Error::unreachable("invalid media address '" + host_in + "': " + gai_strerror(rc));
  SocketAddress a;
  std::memcpy(&a.storage, res->ai_addr, res->ai_addrlen);
  a.length = res->ai_addrlen;
  freeaddrinfo(res);
  return a;
}

uint16_t SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  return 0;
}

std::string SocketAddress::to_string() const {
  char host[INET6_ADDRSTRLEN] = "?";
  if (family() == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr, host, sizeof host);
  else if (family() == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr, host, sizeof host);
  const std::string h = family() == AF_INET6 ? "[" + std::string(host) + "]" : std::string(host);
  return h + ":" + std::to_string(port());
}

SocketAddress SocketAddress::mapped_to_v6() const {
  if (family() != AF_INET) return *this;
  const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage);
  SocketAddress out;
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  v6->sin6_family = AF_INET6;
  v6->sin6_port = v4->sin_port;
  v6->sin6_addr.s6_addr[10] = 0xff;
  v6->sin6_addr.s6_addr[11] = 0xff;
  std::memcpy(&v6->sin6_addr.s6_addr[12], &v4->sin_addr, 4);
  out.length = sizeof(sockaddr_in6);
  return out;
}

bool SocketAddress::same_host(const SocketAddress& other) const {
  const SocketAddress a = mapped_to_v6(), b = other.mapped_to_v6();
  if (a.family() != AF_INET6 || b.family() != AF_INET6) return false;
  return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(&a.storage)->sin6_addr,
                     &reinterpret_cast<const sockaddr_in6*>(&b.storage)->sin6_addr, sizeof(in6_addr)) == 0;
}

namespace {
bool is_v4_mapped(const SocketAddress& a) {
  return a.family() == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&reinterpret_cast<const sockaddr_in6*>(&a.storage)->sin6_addr);
}
bool is_unspecified_v6(const SocketAddress& a) {
  return a.family() == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&a.storage)->sin6_addr);
}
}  // namespace

UdpSocket::~UdpSocket() { close(); }

UdpSocket::UdpSocket(UdpSocket&& other) noexcept : fd_(other.fd_), family_(other.family_), local_(other.local_) {
  other.fd_ = -1;
}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    family_ = other.family_;
    local_ = other.local_;
    other.fd_ = -1;
  }
  return *this;
}

void UdpSocket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<UdpSocket> UdpSocket::bind(const SocketAddress& local) {
  UdpSocket s;
  s.family_ = local.family();
  s.local_ = local;
  s.fd_ = ::socket(local.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s.fd_ < 0) return Error::no_local_address(std::string("media socket: ") + std::strerror(errno));
  if (local.family() == AF_INET6) {
    int off = 0;  // dual stack: "::" also serves IPv4 peers
    setsockopt(s.fd_, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  }
  if (::bind(s.fd_, reinterpret_cast<const sockaddr*>(&local.storage), local.length) != 0)
    return Error::no_local_address("cannot bind media socket " + local.to_string() + ": " + std::strerror(errno));
  return s;
}

uint16_t UdpSocket::local_port() const {
  SocketAddress a;
  a.length = sizeof a.storage;
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&a.storage), &a.length) != 0) return 0;
  return a.port();
}

bool UdpSocket::reaches(const SocketAddress& to) const {
  if (family_ == AF_INET) return to.family() == AF_INET;
  if (family_ != AF_INET6) return false;
  if (is_unspecified_v6(local_)) return true;  // "::", dual stack
  // Bound to one IPv6 address: the kernel sends from it, so only peers of
  // its own kind (IPv4-mapped or real IPv6) can be reached.
  return is_v4_mapped(local_) == (to.family() == AF_INET || is_v4_mapped(to));
}

int UdpSocket::send_to(std::span<const uint8_t> data, const SocketAddress& to_in) const {
  const SocketAddress to = family_ == AF_INET6 ? to_in.mapped_to_v6() : to_in;
  if (to.family() != family_) return EAFNOSUPPORT;
  const ssize_t n =
      ::sendto(fd_, data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&to.storage), to.length);
  if (n < 0) return errno;
  return n == static_cast<ssize_t>(data.size()) ? 0 : EMSGSIZE;
}

bool UdpSocket::receive(std::vector<uint8_t>& buffer, SocketAddress& from) const {
  // Received into a per-thread scratch area and copied at its real length:
  // growing `buffer` to 64 KiB for every packet zero-filled it each time
  // (18 % of a PCMU call's instructions).
  thread_local std::array<uint8_t, 65536> scratch;
  from.length = sizeof from.storage;
  const ssize_t n =
      ::recvfrom(fd_, scratch.data(), scratch.size(), 0, reinterpret_cast<sockaddr*>(&from.storage), &from.length);
  if (n < 0) {
    buffer.clear();
    return false;
  }
  buffer.assign(scratch.begin(), scratch.begin() + n);
  return true;
}

}  // namespace sipcall::media
