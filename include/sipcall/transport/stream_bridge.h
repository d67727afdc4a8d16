// The network side of the ws/wss transport (RFC 7118) and of SIP over TLS,
// on libwebsockets.
//
// Sofia-SIP connects to the bridge's private AF_UNIX address as if it were a
// TCP peer and writes SIP as a byte stream; for every such connection the
// bridge opens one connection to the server, through a server link of the
// URL's kind (src/transport/server_link.h). A WebSocket (subprotocol "sip")
// carries one SIP message per WebSocket message each way; Sofia's CRLF
// keepalive (RFC 5626) becomes a WebSocket ping, and the pong a CRLF back.
// TLS carries the byte stream unchanged, CRLF pings and pongs included
// (TlsStream over a raw TCP connection). Either way Sofia's keepalive checks
// the whole path to the server. When either side ends, the other is closed
// after its queue is flushed, so Sofia sees a transport error and fails the
// transaction at once instead of waiting for timer F.
//
// TLS (wss and tls alike): verified against the system's CA directory or
// --ca-file, with the host name checked, TLS 1.2 at least.
//
// Threading: the bridge runs its own thread (libwebsockets' service loop);
// the public methods are safe from any thread. Only src/transport includes
// libwebsockets.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <memory>
#include <string>

#include "sipcall/error.h"
#include "sipcall/config/server_url.h"

namespace sipcall {

struct StreamBridgeOptions {
  ServerUrl server;           // ws://, wss:// or tls server: host (SNI, Host header), port, path
  std::string ca_file;        // PEM bundle to trust instead of the system's; empty = system CAs
  bool insecure = false;      // skip certificate and hostname verification (wss, tls)
  int connect_timeout_s = 10; // TCP connect, then TLS and HTTP upgrade [s]
};

class StreamBridge {
 public:
  static Result<std::unique_ptr<StreamBridge>> start(const StreamBridgeOptions& options);
  ~StreamBridge();  // closes every connection and joins the thread

  StreamBridge(const StreamBridge&) = delete;
  StreamBridge& operator=(const StreamBridge&) = delete;

  // Where Sofia-SIP must connect (abstract AF_UNIX name, private to us).
  const sockaddr_un& address() const;
  socklen_t address_length() const;

  // Why the last connection failed or closed ("" when none did), e.g.
  // "WebSocket handshake refused: HTTP 404" or "TLS handshake failed; ...".
  std::string last_error() const;
  // True once any WebSocket reached the open state, or TLS its handshake's end.
  bool ever_connected() const;

  struct Impl;

 private:
  explicit StreamBridge(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sipcall
