#include "sipcall/transport/stream_bridge.h"

#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "stream_bridge_impl.h"

namespace sipcall {

StreamBridge::Impl* bridge_of(lws* wsi) {
  return static_cast<StreamBridge::Impl*>(lws_context_user(lws_get_context(wsi)));
}

Connection* connection_of(lws* wsi) { return static_cast<Connection*>(lws_get_opaque_user_data(wsi)); }

void kill_async(lws* wsi) {
  if (wsi) lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
}

namespace {

int sofia_callback(lws* wsi, lws_callback_reasons reason, void*, void*, size_t);
int server_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);

// The first protocol also hears the vhost's TLS set-up (server_callback).
const lws_protocols kProtocols[] = {
    {"sip", server_callback, 0, 64 * 1024, 0, nullptr, 0},
    {"sofia-stream", sofia_callback, 0, 0, 0, nullptr, 0},
    {"sip-tls", server_callback, 0, 0, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

// Sofia's side: the listening socket and each connection Sofia made to it.
int sofia_callback(lws* wsi, lws_callback_reasons reason, void*, void*, size_t) {
  auto* bridge = bridge_of(wsi);
  auto* c = connection_of(wsi);
  // While the context is destroyed every connection closes in turn; the
  // partner of a closing wsi may already be freed.
  if (bridge->stopping.load()) return 0;
  switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE: {
      if (!c) {  // the listening socket: Sofia is connecting
        bridge->accept_connection();
        return 0;
      }
      char buf[16384];
      ssize_t n = read(lws_get_socket_fd(wsi), buf, sizeof buf);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
      if (n <= 0) return -1;  // Sofia closed its end
      return c->link->from_sofia(std::string_view(buf, static_cast<size_t>(n))) ? 0 : -1;
    }
    case LWS_CALLBACK_RAW_WRITEABLE_FILE:
      if (c) StreamBridge::Impl::write_to_sofia(*c);
      return 0;
    case LWS_CALLBACK_RAW_CLOSE_FILE:
      // libwebsockets closes an adopted descriptor itself after this call.
      // Closing it here too closed it twice, and the second close could hit
      // the socket Sofia's thread had just opened under the same number.
      if (!c) return 0;  // the listener
      lws_set_opaque_user_data(wsi, nullptr);  // its WSI_DESTROY may come after the connection is gone
      bridge->sofia_closed(*c);
      return 0;
    default:
      return 0;
  }
}

// The server's side: each connection's link, WebSocket or TLS.
int server_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  auto* bridge = bridge_of(wsi);
  if (reason == LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS) {
    if (bridge) load_vhost_trust(*bridge, static_cast<SSL_CTX*>(user));
    return 0;
  }
  auto* c = connection_of(wsi);
  if (!c || bridge->stopping.load()) return 0;  // see sofia_callback
  if (reason == LWS_CALLBACK_WSI_DESTROY) {
    bridge->forget_server(*c, wsi);
    return 0;
  }
  return c->link->on_event(wsi, reason, in, len);
}

}  // namespace

void StreamBridge::Impl::set_error(std::string e) {
  std::lock_guard lock(mutex);
  last_error = std::move(e);
}

void StreamBridge::Impl::set_error_if_none(std::string e) {
  std::lock_guard lock(mutex);
  if (last_error.empty()) last_error = std::move(e);
}

void StreamBridge::Impl::accept_connection() {
  int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  // Only this process may use the bridge: the abstract name is guessable.
  ucred cred{};
  socklen_t cred_len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) != 0 || cred.pid != getpid()) {
    close(fd);
    return;
  }
  connections.emplace_back();
  Connection& c = connections.back();
  c.link = tls() ? make_tls_link(*this, c) : make_websocket_link(*this, c);
  lws_sock_file_fd_type desc;
  desc.filefd = fd;
  c.raw = lws_adopt_descriptor_vhost(vhost, LWS_ADOPT_RAW_FILE_DESC, desc, "sofia-stream", nullptr);
  if (!c.raw) {
    close(fd);
    connections.pop_back();
    return;
  }
  lws_set_opaque_user_data(c.raw, &c);
  connect_server(c);
}

// Sofia hung up: the server's connection is closed once what Sofia wrote
// before is sent, or at once if it never opened.
void StreamBridge::Impl::sofia_closed(Connection& c) {
  c.raw = nullptr;
  c.raw_closed = true;
  c.link->sofia_closed();
  if (c.server && c.server_open) lws_callback_on_writable(c.server);  // flush, then close
  else if (c.server) kill_async(c.server);
  drop_if_done(&c);
}

void StreamBridge::Impl::deliver_to_sofia(Connection& c, std::string_view bytes) {
  c.to_sofia += bytes;
  if (c.raw) write_to_sofia(c);
}

void StreamBridge::Impl::write_to_sofia(Connection& c) {
  while (!c.to_sofia.empty() && c.raw) {
    ssize_t n = write(lws_get_socket_fd(c.raw), c.to_sofia.data(), c.to_sofia.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      lws_callback_on_writable(c.raw);
      return;
    }
    if (n <= 0) {
      c.to_sofia.clear();
      return;
    }
    c.to_sofia.erase(0, static_cast<size_t>(n));
  }
}

void StreamBridge::Impl::connect_server(Connection& c) {
  lws_client_connect_info info{};
  info.context = context;
  info.vhost = vhost;
  info.address = options.server.host.c_str();
  info.port = options.server.port;
  info.opaque_user_data = &c;
  if (!c.link->prepare(info)) {
    c.server_closed = true;
    kill_async(c.raw);
    return;
  }
  info.pwsi = &c.server;
  lws* created = lws_client_connect_via_info(&info);
  // Callbacks during the call may already have given it up (server_gone).
  if (created && lws_get_opaque_user_data(created) == &c) c.server_wsi = created;
  if (!created) {
    // The error callback has usually said why already.
    set_error_if_none(std::string(kind()) + " connection to " + options.server.to_string() + " failed");
    c.server = nullptr;
    c.server_closed = true;
    kill_async(c.raw);
  }
}

// Writes go out once the server's connection takes bytes: the TCP
// connection for TLS (the handshake is among them), the open WebSocket.
void StreamBridge::Impl::queue_to_server(Connection& c, std::string data) {
  c.to_server.push_back(std::move(data));
  if (c.server && c.server_connected) lws_callback_on_writable(c.server);
}

void StreamBridge::Impl::server_opened(Connection& c, lws* wsi) {
  c.server_connected = true;
  c.server_open = true;
  ever_connected = true;
  set_error({});  // earlier failures are over; the next one is this connection's
  if (!c.to_server.empty() || c.raw_closed) lws_callback_on_writable(wsi);
}

// The server's connection failed (closed = false) or ended.
void StreamBridge::Impl::server_gone(Connection& c, lws* wsi, bool closed) {
  if (closed && !c.raw_closed) set_error_if_none(std::string(kind()) + " connection closed by server");
  c.server = nullptr;
  c.server_open = false;
  c.server_closed = true;
  lws_set_opaque_user_data(wsi, nullptr);
  if (c.server_wsi == wsi) c.server_wsi = nullptr;
  if (c.raw) {
    // Let Sofia read what already arrived, then see the hang-up.
    write_to_sofia(c);
    kill_async(c.raw);
  }
  drop_if_done(&c);
}

// The last word on a server connection: libwebsockets frees it after this.
// Every path that ends one should have called server_gone() already (and
// unhooked the connection); one it did not announce must not leave c.server
// pointing at freed memory, which the next kill_async() would write to.
void StreamBridge::Impl::forget_server(Connection& c, lws* wsi) {
  if (c.server_wsi == wsi) c.server_wsi = nullptr;
  if (c.server == wsi) {
    set_error_if_none(std::string(kind()) + " connection to " + options.server.host_port() + " ended");
    server_gone(c, wsi, false);  // drops the connection when Sofia's side is gone too
  } else {
    drop_if_done(&c);
  }
}

// Sends the first of to_server as one WebSocket message or TLS write; once
// Sofia hung up and all is sent, closes (returns -1).
int StreamBridge::Impl::write_next(Connection& c, lws* wsi, lws_write_protocol kind) {
  if (c.to_server.empty()) return c.raw_closed ? -1 : 0;
  std::string& data = c.to_server.front();
  std::string frame(LWS_PRE, '\0');
  frame += data;
  int n = lws_write(wsi, reinterpret_cast<unsigned char*>(frame.data()) + LWS_PRE, data.size(), kind);
  if (n < static_cast<int>(data.size())) return -1;
  c.to_server.pop_front();
  if (!c.to_server.empty() || c.raw_closed) lws_callback_on_writable(wsi);
  return 0;
}

std::string StreamBridge::Impl::describe_connection_error(const void* in, size_t len) const {
  std::string why = in ? std::string(static_cast<const char*>(in), strnlen(static_cast<const char*>(in), len ? len : 256))
                       : std::string("connection failed");
  // libwebsockets reports OpenSSL's queue, which says little ("SSL err 1");
  // the usual cause is a certificate the trust store does not accept.
  if (why.find("certificate") != std::string::npos || why.find("verify") != std::string::npos ||
      why.find("SSL") != std::string::npos || why.find("tls") != std::string::npos)
    return kCertificateRefused;
  return std::string(kind()) + " connection failed: " + why;
}

void StreamBridge::Impl::handshake_incomplete() {
  set_error_if_none(std::string(kind()) + " handshake with " + options.server.host_port() + " did not complete");
}

void StreamBridge::Impl::drop_if_done(Connection* c) {
  if (c->raw || c->server) return;
  // A server connection libwebsockets has not destroyed yet (it may have
  // cleared c->server through pwsi) must not call back into freed memory.
  if (c->server_wsi) lws_set_opaque_user_data(c->server_wsi, nullptr);
  connections.remove_if([c](const Connection& other) { return &other == c; });
}

Result<std::unique_ptr<StreamBridge>> StreamBridge::start(const StreamBridgeOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;

  if (options.server.transport == Transport::tls) {
    auto ctx = client_context(options.ca_file, options.insecure);
    if (!ctx.ok()) return ctx.error();
    impl->tls_ctx = std::move(ctx.value());
  }

  impl->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (impl->listen_fd < 0) return Error::internal(std::string("socket(AF_UNIX): ") + strerror(errno));
  // An abstract name leaves nothing on disk to clean up after a crash.
  std::random_device rd;
  std::string name = "sip-call-bridge-" + std::to_string(getpid()) + "-" + std::to_string(rd());
  impl->address.sun_family = AF_UNIX;
  std::memcpy(impl->address.sun_path + 1, name.data(), name.size());
  impl->address_length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (bind(impl->listen_fd, reinterpret_cast<sockaddr*>(&impl->address), impl->address_length) != 0 ||
      listen(impl->listen_fd, 4) != 0) {
    close(impl->listen_fd);
    return Error::internal(std::string("bridge socket: ") + strerror(errno));
  }

  lws_set_log_level(0, nullptr);  // errors reach the user through last_error()
  lws_context_creation_info info{};
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = kProtocols;
  info.user = impl.get();
  info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
  // The TCP connect gets --timeout; what follows (the WebSocket handshake)
  // a second more, so that a server that accepts and then says nothing is
  // the SIP transaction's timeout to report (exit 5), not a race between
  // the two timers that ended either way.
  const unsigned timeout_s = static_cast<unsigned>(options.connect_timeout_s > 0 ? options.connect_timeout_s : 10);
  info.connect_timeout_secs = timeout_s;
  info.timeout_secs = timeout_s + 1;
  info.ssl_client_options_set = kBelowTls12;
  impl->context = lws_create_context(&info);
  if (!impl->context) {
    close(impl->listen_fd);
    return Error::internal("libwebsockets: cannot create context");
  }
  impl->vhost = lws_get_vhost_by_name(impl->context, "default");
  if (!impl->vhost) {
    lws_context_destroy(impl->context);
    close(impl->listen_fd);
    return Error::internal("libwebsockets: no default vhost");
  }
  lws_sock_file_fd_type desc;
  desc.filefd = impl->listen_fd;
  if (!lws_adopt_descriptor_vhost(impl->vhost, LWS_ADOPT_RAW_FILE_DESC, desc, "sofia-stream", nullptr)) {
    lws_context_destroy(impl->context);
    close(impl->listen_fd);
    return Error::internal("libwebsockets: cannot watch the bridge socket");
  }

  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    while (!raw->stopping.load()) lws_service(raw->context, 0);
  });
  return std::unique_ptr<StreamBridge>(new StreamBridge(std::move(impl)));
}

StreamBridge::StreamBridge(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StreamBridge::~StreamBridge() {
  impl_->stopping = true;
  lws_cancel_service(impl_->context);
  if (impl_->thread.joinable()) impl_->thread.join();
  lws_context_destroy(impl_->context);  // closes the adopted sockets, listener included
}

const sockaddr_un& StreamBridge::address() const { return impl_->address; }
socklen_t StreamBridge::address_length() const { return impl_->address_length; }
bool StreamBridge::ever_connected() const { return impl_->ever_connected.load(); }
std::string StreamBridge::last_error() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->last_error;
}

}  // namespace sipcall
