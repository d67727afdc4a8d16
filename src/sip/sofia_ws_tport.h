// "ws"/"wss" transport types for Debian's Sofia-SIP 1.12.11, which has none,
// and a "tls" type that replaces Sofia's own TLS code.
//
// The types reuse Sofia's own TCP stream code (message parsing, queueing,
// Via/Contact generation, CRLF keepalive) over an AF_UNIX stream socket whose
// other end is a WsBridge that speaks RFC 7118, or TLS, to the real server.
// Sofia therefore writes `Via: SIP/2.0/WS(S)` / `SIP/2.0/TLS` and the
// transport parameter itself, routes in-dialog requests back over the same
// connection, and never sees libwebsockets. Sofia's TLS type has no
// keepalive and takes its TLS policy from OpenSSL's defaults; the bridge's
// TLS is ours (the same as wss), and Sofia's TCP keepalive runs over it.
//
// Included only by sip_agent.cpp (the only Sofia-SIP user).
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <sofia-sip/tport.h>
#include <sofia-sip/tport_tag.h>

namespace sipcall::sofia_ws {

// The value for TPTAG_PUBLIC() that makes nua/nta bind our transport when it
// is asked for transport=tcp (nta only knows udp/tcp/sctp/tls names).
constexpr tport_via kPublicType = tport_type_socks;

// Registers the transport type once per process. `proto` is "ws", "wss"
// (bound as transport=tcp with TPTAG_PUBLIC(kPublicType)) or "tls" (bound
// as sips: transport=tls, with the same tag); every connection Sofia opens
// through it goes to the AF_UNIX address given. Returns false when Sofia's
// type table is full.
bool register_transport(const char* proto, const sockaddr_un& bridge, socklen_t bridge_len);

// nua gives no way to its transports, so the agent cannot see which
// connection its registration uses. Sofia's tcp client type is registered
// once more, unchanged but for a hook that remembers each new primary
// transport (as the bridged types do); from one of them the agent looks up
// the connection to the server (tport_by_name) and asks to hear of its loss
// (tport_pend). Once per process; false when Sofia's type table is full.
bool hook_stream_types();

// The primary transport that a tcp, tls, ws or wss type created last in this
// process (during nua_create), or nullptr. It lives as long as its nua.
tport_t* last_primary();

}  // namespace sipcall::sofia_ws
