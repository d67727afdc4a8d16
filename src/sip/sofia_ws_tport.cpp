#include "sofia_ws_tport.h"

#include <cstring>
#include <mutex>

#include <sofia-sip/su.h>
#include <sofia-sip/tport.h>

#include "sofia_tport_abi.h"

extern "C" {
extern SofiaTportVtable const tport_tcp_client_vtable;
tport_t* tport_base_connect(tport_primary_t* pri, su_addrinfo_t* ai, su_addrinfo_t* real_ai,
                            tp_name_t const* tpn);
int tport_tcp_init_client(tport_primary_t* pri, tp_name_t tpn[1], su_addrinfo_t* ai, tagi_t const* tags,
                          char const** return_culprit);
int tport_tcp_init_secondary(tport_t* self, int socket, int accepted, char const** return_reason);
}

namespace sipcall::sofia_ws {
namespace {

SofiaTportVtable g_vtable;      // ws/wss: looked up as "tcp", then renamed
SofiaTportVtable g_tls_vtable;  // tls: nta knows the name, so it stays "tls"
const char* g_proto = "ws";
sockaddr_un g_bridge{};
socklen_t g_bridge_len = 0;
tport_t* g_last_primary = nullptr;

// A tport_primary_t begins with its tport_t (Sofia's own casts rely on it).
void remember(tport_primary_t* pri) { g_last_primary = reinterpret_cast<tport_t*>(pri); }

SofiaTportVtable g_tcp_hooked;

int init_tcp_primary(tport_primary_t* pri, tp_name_t tpn[1], su_addrinfo_t* ai, tagi_t const* tags,
                     char const** culprit) {
  int result = tport_tcp_client_vtable.vtp_init_primary(pri, tpn, ai, tags, culprit);
  if (result == 0) remember(pri);
  return result;
}

// nta only binds transports it knows by name, so our type is looked up as
// "tcp" (with kPublicType); once chosen, the primary is renamed before Sofia
// stores its name, which is what Via, Contact and routing use from then on.
int init_primary(tport_primary_t* pri, tp_name_t tpn[1], su_addrinfo_t* ai, tagi_t const* tags,
                 char const** culprit) {
  g_vtable.vtp_name = g_proto;
  int result = tport_tcp_init_client(pri, tpn, ai, tags, culprit);
  if (result == 0) remember(pri);
  return result;
}

// Sofia's TCP code sets TCP_NODELAY, which an AF_UNIX socket refuses; the flag
// it needs (tp_has_connection) is set before that call, so the refusal is the
// only failure to forgive.
int init_secondary(tport_t* self, int socket, int accepted, char const** reason) {
  if (tport_tcp_init_secondary(self, socket, accepted, reason) == 0) return 0;
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(socket, reinterpret_cast<sockaddr*>(&ss), &len) == 0 && ss.ss_family == AF_UNIX &&
      std::strcmp(*reason, "TCP_NODELAY") == 0)
    return 0;
  return -1;
}

// Every connection goes to the bridge; `ai` (the server's address) stays the
// connection's name so Sofia reuses it for requests to the same server.
tport_t* connect_via_bridge(tport_primary_t* pri, su_addrinfo_t* ai, tp_name_t const* tpn) {
  su_addrinfo_t bridge_ai = *ai;
  bridge_ai.ai_family = AF_UNIX;
  bridge_ai.ai_protocol = 0;
  bridge_ai.ai_addr = reinterpret_cast<sockaddr*>(&g_bridge);
  bridge_ai.ai_addrlen = g_bridge_len;
  return tport_base_connect(pri, &bridge_ai, ai, tpn);
}

// Sofia's tcp client type, but every connection goes to the bridge.
bool register_bridged(SofiaTportVtable& vtable, const char* name,
                      int (*init)(tport_primary_t*, tp_name_t[1], su_addrinfo_t*, tagi_t const*, char const**)) {
  vtable = tport_tcp_client_vtable;
  vtable.vtp_name = name;
  vtable.vtp_public = kPublicType;
  vtable.vtp_init_primary = init;
  vtable.vtp_init_secondary = init_secondary;
  vtable.vtp_connect = connect_via_bridge;
  return tport_register_type(&vtable) == 0;
}

}  // namespace

bool register_transport(const char* proto, const sockaddr_un& bridge, socklen_t bridge_len) {
  g_bridge = bridge;
  g_bridge_len = bridge_len;
  if (std::strcmp(proto, "tls") == 0) {
    static const bool tls_ok = register_bridged(g_tls_vtable, "tls", init_tcp_primary);
    return tls_ok;
  }
  static std::once_flag once;
  static bool ok = false;
  g_proto = proto;
  std::call_once(once, [] { ok = register_bridged(g_vtable, "tcp", init_primary); });
  // A second agent in the same process looks the type up by "tcp" again.
  g_vtable.vtp_name = "tcp";
  return ok;
}

bool hook_stream_types() {
  static const bool ok = [] {
    // Registered types are looked up before Sofia's own, so this one
    // takes the place of Sofia's for transport=tcp with TPTAG_SERVER(0).
    g_tcp_hooked = tport_tcp_client_vtable;
    g_tcp_hooked.vtp_init_primary = init_tcp_primary;
    return tport_register_type(&g_tcp_hooked) == 0;
  }();
  return ok;
}

tport_t* last_primary() { return g_last_primary; }

}  // namespace sipcall::sofia_ws
