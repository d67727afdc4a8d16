// The stream bridge's state and the services its server links use
// (server_link.h). Private to src/transport; everything here runs on the
// bridge's thread unless it says otherwise.
#pragma once

#include <libwebsockets.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <atomic>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "server_link.h"
#include "sipcall/transport/stream_bridge.h"
#include "tls_stream.h"

namespace sipcall {

// One Sofia connection and the server connection that carries it.
struct Connection {
  lws* raw = nullptr;     // our end of Sofia's AF_UNIX stream
  lws* server = nullptr;  // the client connection to the server (libwebsockets writes it: pwsi)
  // The server connection as long as it exists and points back at this
  // connection (its opaque user data); only then may the connection clear
  // that pointer when it goes. Set when the server connection is created,
  // cleared when it is given up (server_gone) or destroyed (WSI_DESTROY).
  lws* server_wsi = nullptr;
  bool server_connected = false;  // TCP is up (TLS: the handshake may still run)
  bool server_open = false;       // WebSocket open, or TLS handshake done
  bool raw_closed = false;  // Sofia hung up: close the server's connection once to_server is flushed
  bool server_closed = false;
  // Waiting for the server: whole SIP messages (WebSocket), or ciphertext (TLS).
  std::deque<std::string> to_server;
  std::string to_sofia;  // bytes waiting for Sofia's socket
  std::unique_ptr<ServerLink> link;
};

struct StreamBridge::Impl {
  StreamBridgeOptions options;
  sockaddr_un address{};
  socklen_t address_length = 0;
  int listen_fd = -1;

  lws_context* context = nullptr;
  lws_vhost* vhost = nullptr;
  SslContext tls_ctx{nullptr, SSL_CTX_free};  // tls only; wss uses the vhost's
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::list<Connection> connections;  // owned by the service thread

  mutable std::mutex mutex;  // any thread
  std::string last_error;    // guarded by mutex
  std::atomic<bool> ever_connected{false};

  void set_error(std::string e);
  void set_error_if_none(std::string e);

  bool tls() const { return options.server.transport == Transport::tls; }
  // "WebSocket" or "TLS", for messages.
  const char* kind() const { return tls() ? "TLS" : "WebSocket"; }

  // Sofia's side.
  void accept_connection();
  void sofia_closed(Connection& c);
  static void deliver_to_sofia(Connection& c, std::string_view bytes);
  static void write_to_sofia(Connection& c);

  // The server's side, for the links.
  void connect_server(Connection& c);
  void queue_to_server(Connection& c, std::string data);
  void server_opened(Connection& c, lws* wsi);
  void server_gone(Connection& c, lws* wsi, bool closed);
  void forget_server(Connection& c, lws* wsi);
  // Sends the first of to_server with lws_write(kind); -1 closes.
  static int write_next(Connection& c, lws* wsi, lws_write_protocol kind);
  // What a connection error callback's text means for the user.
  std::string describe_connection_error(const void* in, size_t len) const;
  // The server's connection closed before its handshake (TLS, or the
  // WebSocket upgrade) was done; says so unless a cause is known.
  void handshake_incomplete();

  void drop_if_done(Connection* c);
};

StreamBridge::Impl* bridge_of(lws* wsi);
Connection* connection_of(lws* wsi);
void kill_async(lws* wsi);

}  // namespace sipcall
