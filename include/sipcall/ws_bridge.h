// The WebSocket side of the ws/wss transport (RFC 7118), on libwebsockets.
//
// Sofia-SIP connects to the bridge's private AF_UNIX address as if it were a
// TCP peer and writes SIP as a byte stream; for every such connection the
// bridge opens one WebSocket to the server (subprotocol "sip") and carries
// one SIP message per WebSocket message each way. When either side ends, the
// other is closed after its queue is flushed, so Sofia sees a transport error
// and fails the transaction at once instead of waiting for timer F.
// Sofia's CRLF keepalive (RFC 5626) becomes a WebSocket ping, and the pong a
// CRLF back, so Sofia's keepalive checks the whole path to the server.
//
// Threading: the bridge runs its own thread (libwebsockets' service loop);
// the public methods are safe from any thread. This is the only module that
// includes libwebsockets.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <memory>
#include <string>

#include "sipcall/error.h"
#include "sipcall/server_url.h"

namespace sipcall {

struct WsBridgeOptions {
  ServerUrl server;           // ws:// or wss:// URL: host (SNI, Host header), port, path
  std::string ca_file;        // PEM bundle to trust instead of the system's; empty = system CAs
  bool insecure = false;      // skip certificate and hostname verification (wss)
  int connect_timeout_s = 10; // TCP + TLS + HTTP upgrade [s]
};

class WsBridge {
 public:
  static Result<std::unique_ptr<WsBridge>> start(const WsBridgeOptions& options);
  ~WsBridge();  // closes every connection and joins the thread

  WsBridge(const WsBridge&) = delete;
  WsBridge& operator=(const WsBridge&) = delete;

  // Where Sofia-SIP must connect (abstract AF_UNIX name, private to us).
  const sockaddr_un& address() const;
  socklen_t address_length() const;

  // Why the last WebSocket failed or closed ("" when none did), e.g.
  // "WebSocket handshake refused: HTTP 404" or "TLS: certificate verify failed".
  std::string last_error() const;
  // True once any WebSocket reached the open state.
  bool ever_connected() const;

  struct Impl;

 private:
  explicit WsBridge(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sipcall
