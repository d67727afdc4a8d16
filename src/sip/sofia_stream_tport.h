// Sofia-SIP transport types for the stream transports that go through the
// StreamBridge: "ws"/"wss" for Debian's Sofia-SIP 1.12.11, which has none,
// and a "tls" type that replaces Sofia's own TLS code.
//
// The types reuse Sofia's own TCP stream code (message parsing, queueing,
// Via/Contact generation, CRLF keepalive) over an AF_UNIX stream socket whose
// other end is a StreamBridge that speaks RFC 7118, or TLS, to the real
// server. Sofia therefore writes `Via: SIP/2.0/WS(S)` / `SIP/2.0/TLS` and the
// transport parameter itself, routes in-dialog requests back over the same
// connection, and never sees libwebsockets. Sofia's TLS type has no
// keepalive and takes its TLS policy from OpenSSL's defaults; the bridge's
// TLS is ours (the same as wss), and Sofia's TCP keepalive runs over it.
//
// Every agent says where its connections go with its own StreamContext,
// handed to nua_create as a tag; each primary transport keeps a copy of the
// bridge address, so agents in one process do not share any of it. One
// limit stays process-wide: the ws/wss type is renamed while nua_create
// binds it (see register_stream_types), so two agents must not run
// nua_create at the same time (SipAgent::create is not called concurrently).
//
// Included only by the src/sip files that create Sofia's stack.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <sofia-sip/su_tag.h>
#include <sofia-sip/tport.h>
#include <sofia-sip/tport_tag.h>

namespace sipcall::sofia_stream {

// The value for TPTAG_PUBLIC() that makes nua/nta bind our transport when it
// is asked for transport=tcp (nta only knows udp/tcp/sctp/tls names).
constexpr tport_via kPublicType = tport_type_socks;

// One agent's stream transports. Give it to nua_create with
// SOFIA_STREAM_CONTEXT(&context); it must outlive that call (nua_create
// fills `primary` in).
struct StreamContext {
  // "WS", "WSS" or "tls" to go through the bridge at `bridge`; nullptr for
  // plain tcp (Sofia's own connections, only `primary` is wanted).
  const char* proto = nullptr;
  sockaddr_un bridge{};
  socklen_t bridge_length = 0;
  // nua gives no way to its transports, so the agent cannot see which
  // connection its registration uses: the primary transport its tcp, tls,
  // ws or wss type created, set during nua_create. From it the agent looks
  // up the connection to the server (tport_by_name) and asks to hear of its
  // loss (tport_pend). Lives as long as the nua.
  tport_t* primary = nullptr;
};

extern tag_typedef_t kContextTag;
// The tag and its value, as Sofia's own TPTAG_...() macros give them.
#define SOFIA_STREAM_CONTEXT(context) ::sipcall::sofia_stream::kContextTag, tag_ptr_v(context)

// Registers the bridged ws/wss and tls types and Sofia's tcp client type once
// more, unchanged but for a hook that fills StreamContext::primary. Once per
// process (later calls only prepare the ws/wss type's name for the next
// nua_create); false when Sofia's type table is full. Call it before every
// nua_create of a stream transport.
bool register_stream_types();

}  // namespace sipcall::sofia_stream
