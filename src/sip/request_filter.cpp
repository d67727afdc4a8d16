#include "request_filter.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_protos.h>

#include "sipcall/config/server_url.h"
#include "sofia_tport_abi.h"

extern "C" {
extern SofiaTportVtable const tport_udp_vtable;
void tport_base_deliver(tport_t* self, msg_t* msg, su_time_t now);
}

namespace sipcall::request_filter {
namespace {

SofiaTportVtable g_udp_filtered;
const Filter* g_active = nullptr;

// An IPv4-mapped IPv6 address as the IPv4 address it maps, else as it is.
sockaddr_storage unmapped(const sockaddr* a) {
  sockaddr_storage out{};
  if (a->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(a);
    if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
      auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
      v4->sin_family = AF_INET;
      v4->sin_port = v6->sin6_port;
      std::memcpy(&v4->sin_addr, &v6->sin6_addr.s6_addr[12], 4);
      return out;
    }
    std::memcpy(&out, a, sizeof(sockaddr_in6));
  } else if (a->sa_family == AF_INET) {
    std::memcpy(&out, a, sizeof(sockaddr_in));
  }
  return out;
}

// "192.0.2.7:5060", "[2001:db8::7]:5060".
std::string endpoint_text(const sockaddr* a) {
  sockaddr_storage s = unmapped(a);
  char host[INET6_ADDRSTRLEN] = "?";
  if (s.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&s);
    inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
    return host_port(host, ntohs(v4->sin_port));
  }
  if (s.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&s);
    inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
    return host_port(host, ntohs(v6->sin6_port));
  }
  return host;
}

bool admitted(msg_t* msg) {
  if (!g_active) return true;
  sip_t const* sip = sip_object(msg);
  if (!sip || !sip->sip_request) return true;  // responses: see the header
  su_addrinfo_t const* ai = msg_addrinfo(msg);
  if (ai && ai->ai_addr && same_endpoint(ai->ai_addr, g_active->server)) return true;
  if (g_active->ignored) {
    const char* method = sip->sip_request->rq_method_name ? sip->sip_request->rq_method_name : "request";
    g_active->ignored(std::string(method) + " from " + (ai && ai->ai_addr ? endpoint_text(ai->ai_addr) : "?"));
  }
  return false;
}

void filtered_deliver(tport_t* self, msg_t* msg, su_time_t now) {
  if (!admitted(msg)) {
    msg_destroy(msg);
    return;
  }
  if (tport_udp_vtable.vtp_deliver)
    tport_udp_vtable.vtp_deliver(self, msg, now);
  else
    tport_base_deliver(self, msg, now);
}

}  // namespace

bool hook_udp() {
  static const bool ok = [] {
    // Registered types are looked up before Sofia's own: this one takes
    // the place of Sofia's udp type.
    g_udp_filtered = tport_udp_vtable;
    g_udp_filtered.vtp_deliver = filtered_deliver;
    return tport_register_type(&g_udp_filtered) == 0;
  }();
  return ok;
}

bool activate(const Filter* filter) {
  if (g_active && g_active != filter) return false;
  g_active = filter;
  return true;
}

void deactivate(const Filter* filter) {
  if (g_active == filter) g_active = nullptr;
}

bool endpoint(const std::string& numeric_host, int port, sockaddr_storage& out) {
  out = {};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (inet_pton(AF_INET, numeric_host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    return true;
  }
  if (inet_pton(AF_INET6, numeric_host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    return true;
  }
  return false;
}

bool same_endpoint(const sockaddr* a, const sockaddr_storage& b) {
  sockaddr_storage x = unmapped(a);
  sockaddr_storage y = unmapped(reinterpret_cast<const sockaddr*>(&b));
  if (x.ss_family != y.ss_family) return false;
  if (x.ss_family == AF_INET) {
    const auto* p = reinterpret_cast<const sockaddr_in*>(&x);
    const auto* q = reinterpret_cast<const sockaddr_in*>(&y);
    return p->sin_port == q->sin_port && p->sin_addr.s_addr == q->sin_addr.s_addr;
  }
  if (x.ss_family == AF_INET6) {
    const auto* p = reinterpret_cast<const sockaddr_in6*>(&x);
    const auto* q = reinterpret_cast<const sockaddr_in6*>(&y);
    return p->sin6_port == q->sin6_port && std::memcmp(&p->sin6_addr, &q->sin6_addr, sizeof p->sin6_addr) == 0;
  }
  return false;
}

}  // namespace sipcall::request_filter
