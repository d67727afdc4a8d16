// How one Sofia connection reaches the server: the part of the stream
// bridge that differs between a WebSocket (websocket_link.cpp, RFC 7118)
// and TLS (tls_link.cpp). The bridge (stream_bridge.cpp) owns the event
// loop, Sofia's side of every connection, the queues and the close paths;
// a link turns Sofia's byte stream into what goes to the server and hands
// what comes back to the bridge's Connection.
//
// Everything here runs on the bridge's thread.
#pragma once

#include <libwebsockets.h>
#include <openssl/ssl.h>

#include <memory>
#include <string_view>

#include "sipcall/transport/stream_bridge.h"

namespace sipcall {

struct Connection;

class ServerLink {
 public:
  ServerLink(StreamBridge::Impl& bridge, Connection& connection) : bridge_(bridge), c_(connection) {}
  virtual ~ServerLink() = default;
  ServerLink(const ServerLink&) = delete;
  ServerLink& operator=(const ServerLink&) = delete;

  // Fills in what the server connection needs beyond address and port
  // (protocol, path, TLS flags). False when the connection cannot even be
  // tried; the bridge's last error says why.
  virtual bool prepare(lws_client_connect_info& info) = 0;
  // Bytes Sofia wrote. False: hang up on Sofia (the last error says why).
  virtual bool from_sofia(std::string_view bytes) = 0;
  // Sofia hung up: whatever the link owes the server before the bridge
  // flushes the queue and closes (TLS: close_notify).
  virtual void sofia_closed() = 0;
  // A libwebsockets event of the server connection (server_callback). The
  // connection, and this link with it, may be gone when it returns.
  virtual int on_event(lws* wsi, lws_callback_reasons reason, void* in, size_t len) = 0;

 protected:
  StreamBridge::Impl& bridge_;
  Connection& c_;
};

// The links, for a connection of `bridge` (ws/wss, tls).
std::unique_ptr<ServerLink> make_websocket_link(StreamBridge::Impl& bridge, Connection& connection);
std::unique_ptr<ServerLink> make_tls_link(StreamBridge::Impl& bridge, Connection& connection);

// Trust for wss on the vhost's TLS context, which every wss connection
// inherits (websocket_link.cpp).
void load_vhost_trust(StreamBridge::Impl& bridge, SSL_CTX* ctx);

}  // namespace sipcall
