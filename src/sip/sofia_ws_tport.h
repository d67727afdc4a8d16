// A "ws"/"wss" transport type for Debian's Sofia-SIP 1.12.11, which has none.
//
// The transport reuses Sofia's own TCP stream code (message parsing, queueing,
// Via/Contact generation) over an AF_UNIX stream socket whose other end is a
// WsBridge that speaks RFC 7118 to the real server. Sofia therefore writes
// `Via: SIP/2.0/WS(S)` and `;transport=ws(s)` itself, routes in-dialog
// requests back over the same WebSocket, and never sees libwebsockets.
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

// Registers the transport type once per process. `proto` is "ws" or "wss";
// every connection Sofia opens through it goes to the AF_UNIX address given.
// Returns false when Sofia's type table is full.
bool register_transport(const char* proto, const sockaddr_un& bridge, socklen_t bridge_len);

// nua gives no way to its transports, so the agent cannot see which
// connection its registration uses. Sofia's tcp and tls client types are
// registered once more, unchanged but for a hook that remembers each new
// primary transport; from one of them the agent looks up the connection to
// the server (tport_by_name) and asks to hear of its loss (tport_pend).
// Once per process; false when Sofia's type table is full.
bool hook_stream_types();

// The primary transport that a tcp, tls, ws or wss type created last in this
// process (during nua_create), or nullptr. It lives as long as its nua.
tport_t* last_primary();

}  // namespace sipcall::sofia_ws
