#include "sipcall/config/agent_config.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cstdlib>
#include <cstring>
#include <sstream>

namespace sipcall {

namespace {

Result<std::string> resolve(const std::string& host, Transport transport) {
  if (is_ip_literal(host)) return host;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = transport == Transport::udp ? SOCK_DGRAM : SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || !res) return Error::unreachable("cannot resolve server host '" + host + "': " + gai_strerror(rc));
  // Prefer IPv4: most PBXs listen there first.
  addrinfo* pick = res;
  for (addrinfo* a = res; a; a = a->ai_next)
    if (a->ai_family == AF_INET) {
      pick = a;
      break;
    }
  char buf[INET6_ADDRSTRLEN] = {0};
  const void* addr = pick->ai_family == AF_INET
                         ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(pick->ai_addr)->sin_addr)
                         : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(pick->ai_addr)->sin6_addr);
  inet_ntop(pick->ai_family, addr, buf, sizeof buf);
  freeaddrinfo(res);
  return std::string(buf);
}

// The source address the kernel would pick towards `server`: UDP "connect"
// sends nothing, it only routes.
std::string local_address_towards(const std::string& server, uint16_t port) {
  bool v6 = server.find(':') != std::string::npos;
  sockaddr_storage ss{};
  socklen_t len;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    inet_pton(AF_INET6, server.c_str(), &a->sin6_addr);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    inet_pton(AF_INET, server.c_str(), &a->sin_addr);
    len = sizeof *a;
  }
  int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) {
    sockaddr_storage local{};
    socklen_t local_len = sizeof local;
    char buf[INET6_ADDRSTRLEN] = {0};
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
      const void* addr = local.ss_family == AF_INET6
                             ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr)
                             : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&local)->sin_addr);
      if (inet_ntop(local.ss_family, addr, buf, sizeof buf)) out = buf;
    }
  }
  close(fd);
  return out;
}

}  // namespace

bool valid_user_part(const std::string& u) {
  if (u.empty()) return false;
  for (unsigned char c : u)
    if (!(std::isalnum(c) || std::strchr("-_.!~*'()&=+$,;?/%#", c))) return false;
  return true;
}

Result<AgentOptions> make_agent_options(const GlobalOptions& g) {
  AgentOptions o;
  if (g.server.empty()) return Error::bad_input("--server is required (e.g. wss://pbx.example.com/ws)");
  auto url = parse_server_url(g.server);
  if (!url.ok()) return url.error();
  o.server = url.value();

  if (g.user.empty()) return Error::bad_input("--user is required (the extension, e.g. 101)");
  std::string user = g.user;
  std::string domain = g.domain;
  if (user.rfind("sip:", 0) == 0) user = user.substr(4);
  if (auto at = user.find('@'); at != std::string::npos) {
    if (domain.empty()) domain = user.substr(at + 1);
    user = user.substr(0, at);
  }
  if (!valid_user_part(user)) return Error::bad_input("invalid --user '" + g.user + "'");
  if (domain.empty()) domain = o.server.host;
  o.user = user;
  o.domain = domain;
  o.auth_user = g.auth_user;
  o.display_name = g.display_name;
  if (o.display_name.find_first_of("\"\r\n") != std::string::npos)
    return Error::bad_input("--display-name must not contain quotes or line breaks");
  o.password = g.password;
  o.ca_file = g.ca_file;
  if (!o.ca_file.empty() && access(o.ca_file.c_str(), R_OK) != 0)
    return Error::unusable_file("cannot read --ca-file '" + o.ca_file + "': " + std::strerror(errno));
  o.insecure = g.insecure;
  o.accept_from_any = g.accept_from_any;
  o.connect_timeout_s = std::max(1, static_cast<int>(g.timeout_s + 0.999));
  o.transaction_timeout_ms = static_cast<int>(g.timeout_s * 1000 + 0.5);
  // A WebSocket server must answer pings (RFC 6455); a TCP or TLS server
  // answers RFC 5626's CRLF ping only if it implements it (Sofia-SIP based
  // ones not by default), and a missing answer would drop a working connection.
  bool websocket = o.server.transport == Transport::ws || o.server.transport == Transport::wss;
  double keepalive_s = g.keepalive_s >= 0 ? g.keepalive_s : websocket ? 30 : 0;
  o.keepalive_ms = static_cast<int>(keepalive_s * 1000 + 0.5);
  o.user_agent = g.user_agent;

  auto address = resolve(o.server.host, o.server.transport);
  if (!address.ok()) return address.error();
  o.server_address = address.value();
  o.local_address = local_address_towards(o.server_address, o.server.port);
  return o;
}

}  // namespace sipcall
