#include "sofia_stream_tport.h"

#include <cstddef>
#include <cstring>
#include <mutex>

#include <sofia-sip/su.h>
#include <sofia-sip/su_tag_class.h>
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

namespace sipcall::sofia_stream {

tag_typedef_t kContextTag = {{"sipcall", "stream_context", ptr_tag_class, 0}};

namespace {

SofiaTportVtable g_vtable;      // ws/wss: looked up as "tcp", then renamed
SofiaTportVtable g_tls_vtable;  // tls: nta knows the name, so it stays "tls"
SofiaTportVtable g_tcp_hooked;  // Sofia's tcp client, remembering its primary

// What a bridged primary keeps of its agent's StreamContext: Sofia allocates
// a primary of vtp_pri_size bytes, so ours are larger by this, placed after
// Sofia's own struct (whose size its tcp vtable gives).
struct BridgeAddress {
  sockaddr_un address;
  socklen_t length;
};

size_t bridge_offset() {
  constexpr size_t align = alignof(std::max_align_t);
  return (tport_tcp_client_vtable.vtp_pri_size + align - 1) / align * align;
}

BridgeAddress& bridge_of(tport_primary_t* pri) {
  return *reinterpret_cast<BridgeAddress*>(reinterpret_cast<char*>(pri) + bridge_offset());
}

StreamContext* context_in(tagi_t const* tags) {
  tagi_t const* t = tl_find(tags, kContextTag);
  return t ? reinterpret_cast<StreamContext*>(t->t_value) : nullptr;
}

// A tport_primary_t begins with its tport_t (Sofia's own casts rely on it).
void remember(StreamContext* context, tport_primary_t* pri) {
  if (context) context->primary = reinterpret_cast<tport_t*>(pri);
}

int init_tcp_primary(tport_primary_t* pri, tp_name_t tpn[1], su_addrinfo_t* ai, tagi_t const* tags,
                     char const** culprit) {
  int result = tport_tcp_client_vtable.vtp_init_primary(pri, tpn, ai, tags, culprit);
  if (result == 0) remember(context_in(tags), pri);
  return result;
}

// A bridged type bound without a bridge to go to would connect nowhere.
StreamContext* bridged_context(tport_primary_t* pri, tagi_t const* tags, char const** culprit) {
  StreamContext* context = context_in(tags);
  if (!context || !context->proto || context->bridge_length == 0) {
    *culprit = "no bridge address (sofia_stream::kContextTag)";
    return nullptr;
  }
  bridge_of(pri) = {context->bridge, context->bridge_length};
  return context;
}

int init_tls_primary(tport_primary_t* pri, tp_name_t tpn[1], su_addrinfo_t* ai, tagi_t const* tags,
                     char const** culprit) {
  if (!bridged_context(pri, tags, culprit)) return -1;
  return init_tcp_primary(pri, tpn, ai, tags, culprit);
}

// nta only binds transports it knows by name, so our type is looked up as
// "tcp" (with kPublicType); once chosen, it is renamed before Sofia stores
// the primary's name (tport_setname, right after this), which is what Via,
// Contact and routing use from then on.
int init_ws_primary(tport_primary_t* pri, tp_name_t tpn[1], su_addrinfo_t* ai, tagi_t const* tags,
                    char const** culprit) {
  StreamContext* context = bridged_context(pri, tags, culprit);
  if (!context) return -1;
  g_vtable.vtp_name = context->proto;
  int result = tport_tcp_init_client(pri, tpn, ai, tags, culprit);
  if (result == 0) remember(context, pri);
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

// Every connection goes to this primary's bridge; `ai` (the server's
// address) stays the connection's name so Sofia reuses it for requests to
// the same server.
tport_t* connect_via_bridge(tport_primary_t* pri, su_addrinfo_t* ai, tp_name_t const* tpn) {
  BridgeAddress& bridge = bridge_of(pri);
  su_addrinfo_t bridge_ai = *ai;
  bridge_ai.ai_family = AF_UNIX;
  bridge_ai.ai_protocol = 0;
  bridge_ai.ai_addr = reinterpret_cast<sockaddr*>(&bridge.address);
  bridge_ai.ai_addrlen = bridge.length;
  return tport_base_connect(pri, &bridge_ai, ai, tpn);
}

// Sofia's tcp client type, but every connection goes to the bridge.
bool register_bridged(SofiaTportVtable& vtable, const char* name,
                      int (*init)(tport_primary_t*, tp_name_t[1], su_addrinfo_t*, tagi_t const*, char const**)) {
  vtable = tport_tcp_client_vtable;
  vtable.vtp_name = name;
  vtable.vtp_public = kPublicType;
  vtable.vtp_pri_size = bridge_offset() + sizeof(BridgeAddress);
  vtable.vtp_init_primary = init;
  vtable.vtp_init_secondary = init_secondary;
  vtable.vtp_connect = connect_via_bridge;
  return tport_register_type(&vtable) == 0;
}

}  // namespace

bool register_stream_types() {
  static const bool ok = [] {
    if (!register_bridged(g_vtable, "tcp", init_ws_primary)) return false;
    if (!register_bridged(g_tls_vtable, "tls", init_tls_primary)) return false;
    // Registered types are looked up before Sofia's own, so this one
    // takes the place of Sofia's for transport=tcp with TPTAG_SERVER(0).
    g_tcp_hooked = tport_tcp_client_vtable;
    g_tcp_hooked.vtp_init_primary = init_tcp_primary;
    return tport_register_type(&g_tcp_hooked) == 0;
  }();
  // The last nua_create renamed the ws/wss type; the next looks it up by
  // "tcp" again.
  g_vtable.vtp_name = "tcp";
  return ok;
}

}  // namespace sipcall::sofia_stream
