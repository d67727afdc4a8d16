#include "sipcall/transport/ws_bridge.h"

#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <random>
#include <thread>

#include "sip_stream_framer.h"
#include "tls_stream.h"

namespace sipcall {

namespace {

// One Sofia connection and the WebSocket or TLS connection that carries it.
struct Link {
  lws* raw = nullptr;     // our end of Sofia's AF_UNIX stream
  lws* server = nullptr;  // the client connection to the server (libwebsockets writes it: pwsi)
  // The server connection as long as it exists and points back at this
  // link (its opaque user data); only then may the link clear that pointer
  // when it goes. Set when the connection is created, cleared when it is
  // given up (server_gone) or destroyed (WSI_DESTROY).
  lws* server_wsi = nullptr;
  bool server_connected = false;  // TCP is up (TLS: the handshake may still run)
  bool server_open = false;       // WebSocket open, or TLS handshake done
  bool raw_closed = false;  // Sofia hung up: close the server's connection once to_server is flushed
  bool server_closed = false;
  bool ping_wanted = false;  // Sofia sent a keepalive: ping the server for it (WebSocket)
  SipStreamFramer from_sofia;          // WebSocket
  std::unique_ptr<TlsStream> tls;      // TLS: Sofia's bytes in, ciphertext out
  // Waiting for the server: whole SIP messages (WebSocket), or ciphertext (TLS).
  std::deque<std::string> to_server;
  std::string to_sofia;    // bytes waiting for Sofia's socket
  std::string ws_message;  // fragments of the WebSocket message being received
};

}  // namespace

struct WsBridge::Impl {
  WsBridgeOptions options;
  sockaddr_un address{};
  socklen_t address_length = 0;
  int listen_fd = -1;

  lws_context* context = nullptr;
  lws_vhost* vhost = nullptr;
  SslContext tls_ctx{nullptr, SSL_CTX_free};  // tls only; wss uses the vhost's
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::list<Link> links;  // owned by the service thread

  mutable std::mutex mutex;
  std::string last_error;  // guarded by mutex
  std::atomic<bool> ever_connected{false};

  void set_error(std::string e) {
    std::lock_guard lock(mutex);
    last_error = std::move(e);
  }
  void set_error_if_none(std::string e) {
    std::lock_guard lock(mutex);
    if (last_error.empty()) last_error = std::move(e);
  }

  bool tls() const { return options.server.transport == Transport::tls; }
  // "WebSocket" or "TLS", for messages.
  const char* kind() const { return tls() ? "TLS" : "WebSocket"; }

  void accept_connection();
  void connect_server(Link& link);
  void drop_link_if_done(Link* link);
  void server_opened(Link& link, lws* wsi);
  void server_gone(Link& link, lws* wsi, bool closed);
  void forget_server(Link& link, lws* wsi);
  void pump_tls(Link& link);
  static int write_next(Link& link, lws* wsi, lws_write_protocol kind);
  static void write_to_sofia(Link& link);
};

namespace {

WsBridge::Impl* impl_of(lws* wsi) {
  return static_cast<WsBridge::Impl*>(lws_context_user(lws_get_context(wsi)));
}

int raw_callback(lws* wsi, lws_callback_reasons reason, void*, void*, size_t);
int ws_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);
int tls_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len);

// The first protocol also hears the vhost's TLS set-up, which both client
// kinds share (ws_callback).
const lws_protocols kProtocols[] = {
    {"sip", ws_callback, 0, 64 * 1024, 0, nullptr, 0},
    {"sofia-stream", raw_callback, 0, 0, 0, nullptr, 0},
    {"sip-tls", tls_callback, 0, 0, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

void kill_async(lws* wsi) {
  if (wsi) lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
}

int raw_callback(lws* wsi, lws_callback_reasons reason, void*, void*, size_t) {
  auto* impl = impl_of(wsi);
  auto* link = static_cast<Link*>(lws_get_opaque_user_data(wsi));
  // While the context is destroyed every connection closes in turn; the
  // partner of a closing wsi may already be freed.
  if (impl->stopping.load()) return 0;
  switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE: {
      if (!link) {  // the listening socket: Sofia is connecting
        impl->accept_connection();
        return 0;
      }
      char buf[16384];
      ssize_t n = read(lws_get_socket_fd(wsi), buf, sizeof buf);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
      if (n <= 0) return -1;  // Sofia closed its end
      if (impl->tls()) {
        // SIP over TLS is the same byte stream as over TCP: Sofia's CRLF
        // keepalives go to the server as they are, and its CRLF answers
        // come back the same way (RFC 5626 4.4.1).
        if (!link->tls || !link->tls->write(std::string_view(buf, static_cast<size_t>(n)))) {
          if (link->tls) impl->set_error(link->tls->error());
          return -1;
        }
        impl->pump_tls(*link);
        return 0;
      }
      link->from_sofia.feed(std::string_view(buf, static_cast<size_t>(n)));
      for (;;) {
        auto next = link->from_sofia.next();
        if (next.status == SipStreamFramer::Status::need_more) break;
        if (next.status == SipStreamFramer::Status::keepalive) {
          // Sofia's CRLF ping asks whether the server is still there: the
          // WebSocket ping asks it end to end, and its pong becomes Sofia's.
          // Before the WebSocket is up, the connect timeout watches instead.
          if (link->server_open) {
            link->ping_wanted = true;
            lws_callback_on_writable(link->server);
          } else {
            link->to_sofia += "\r\n";
            lws_callback_on_writable(wsi);
          }
          continue;
        }
        if (next.status == SipStreamFramer::Status::error) {
          impl->set_error("internal: " + next.error);
          return -1;
        }
        link->to_server.push_back(std::move(next.message));
      }
      if (link->server_open && !link->to_server.empty()) lws_callback_on_writable(link->server);
      return 0;
    }
    case LWS_CALLBACK_RAW_WRITEABLE_FILE:
      if (link) WsBridge::Impl::write_to_sofia(*link);
      return 0;
    case LWS_CALLBACK_RAW_CLOSE_FILE:
      // libwebsockets closes an adopted descriptor itself after this call.
      // Closing it here too closed it twice, and the second close could hit
      // the socket Sofia's thread had just opened under the same number.
      if (!link) return 0;  // the listener
      lws_set_opaque_user_data(wsi, nullptr);  // its WSI_DESTROY may come after the link is gone
      link->raw = nullptr;
      link->raw_closed = true;
      if (link->tls && link->server_open) {
        link->tls->close();
        impl->pump_tls(*link);
      }
      if (link->server && link->server_open) lws_callback_on_writable(link->server);  // flush, then close
      else if (link->server) kill_async(link->server);
      impl->drop_link_if_done(link);
      return 0;
    default:
      return 0;
  }
}

// "redirected (HTTP 301) to wss://pbx.example.com/ws; sip-call does not
// follow redirects: use that URL with --server".
std::string redirect_refused(lws* wsi, unsigned status) {
  char location[512] = "";
  if (lws_hdr_copy(wsi, location, sizeof location, WSI_TOKEN_HTTP_LOCATION) <= 0) location[0] = 0;
  for (char& c : location)  // the server's text goes to a terminal
    if (c && (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)) c = '?';
  std::string where = location[0] ? std::string(" to ") + location : std::string(" (no Location)");
  return "WebSocket handshake redirected (HTTP " + std::to_string(status) + ")" + where +
         "; sip-call does not follow redirects: use that URL with --server";
}

std::string describe_connection_error(const WsBridge::Impl& impl, lws* wsi, const void* in, size_t len) {
  std::string why = in ? std::string(static_cast<const char*>(in), strnlen(static_cast<const char*>(in), len ? len : 256))
                       : std::string("connection failed");
  unsigned status = wsi && !impl.tls() ? lws_http_client_http_response(wsi) : 0;
  if (status >= 300 && status < 400) return redirect_refused(wsi, status);
  if (status && status != 101) return "WebSocket handshake refused: HTTP " + std::to_string(status);
  // libwebsockets reports OpenSSL's queue, which says little ("SSL err 1");
  // the usual cause is a certificate the trust store does not accept.
  if (why.find("certificate") != std::string::npos || why.find("verify") != std::string::npos ||
      why.find("SSL") != std::string::npos || why.find("tls") != std::string::npos)
    return kCertificateRefused;
  return std::string(impl.kind()) + " connection failed: " + why;
}

int ws_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, size_t len) {
  if (reason == LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS) {
    // Called once per vhost while the context is created.
    auto* impl = impl_of(wsi);
    if (!user || !impl || impl->options.insecure) return 0;
    auto* ctx = static_cast<SSL_CTX*>(user);
    if (!load_trust(ctx, impl->options.ca_file))
      impl->set_error("cannot read CA certificates from " + impl->options.ca_file);
    // An address is checked here, on the context every connection of this
    // vhost inherits (see connect_server: libwebsockets 4.1 would check
    // "[::1]:port" cut at its first colon as a host name).
    const std::string& host = impl->options.server.host;
    if (is_ip_literal(host) && !expect_peer_identity(SSL_CTX_get0_param(ctx), host))
      impl->set_error("OpenSSL: cannot set the address " + host + " to verify");
    return 0;
  }
  auto* link = static_cast<Link*>(lws_get_opaque_user_data(wsi));
  if (!link) return 0;
  auto* impl = impl_of(wsi);
  if (impl->stopping.load()) return 0;  // see raw_callback
  switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
      impl->server_opened(*link, wsi);
      return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE: {
      link->ws_message.append(static_cast<const char*>(in), len);
      if (link->ws_message.size() > SipStreamFramer::kMaxMessage) {
        impl->set_error("WebSocket message from server larger than 256 KiB");
        return -1;
      }
      if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0) return 0;
      auto stream = websocket_message_to_stream(link->ws_message);
      link->ws_message.clear();
      if (!stream) return 0;  // not SIP: ignored, as RFC 7118 leaves it to the receiver
      link->to_sofia += *stream;
      if (link->raw) WsBridge::Impl::write_to_sofia(*link);
      return 0;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
      link->to_sofia += "\r\n";
      if (link->raw) WsBridge::Impl::write_to_sofia(*link);
      return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE: {
      if (link->ping_wanted) {
        link->ping_wanted = false;
        unsigned char frame[LWS_PRE + 1];
        if (lws_write(wsi, frame + LWS_PRE, 0, LWS_WRITE_PING) < 0) return -1;
        if (!link->to_server.empty() || link->raw_closed) lws_callback_on_writable(wsi);
        return 0;
      }
      if (link->to_server.empty() && link->raw_closed) lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, nullptr, 0);
      return WsBridge::Impl::write_next(*link, wsi, LWS_WRITE_TEXT);
    }
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
      unsigned code = len >= 2 ? (static_cast<const unsigned char*>(in)[0] << 8 | static_cast<const unsigned char*>(in)[1]) : 1005;
      impl->set_error("WebSocket closed by server (code " + std::to_string(code) + ")");
      return 0;
    }
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
      impl->set_error(describe_connection_error(*impl, wsi, in, len));
      impl->server_gone(*link, wsi, false);
      return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
      impl->server_gone(*link, wsi, true);
      return 0;
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
      // Closed before the upgrade (libwebsockets' own timeout, or the server
      // hung up on the handshake): neither of the two above is said then.
      impl->set_error_if_none("WebSocket handshake with " + impl->options.server.host_port() + " did not complete");
      impl->server_gone(*link, wsi, false);
      return 0;
    case LWS_CALLBACK_WSI_DESTROY:
      impl->forget_server(*link, wsi);
      return 0;
    default:
      return 0;
  }
}

// A raw TCP client connection that carries the TLS of link->tls
// (tls_stream.h says why not libwebsockets' own). Trust and the TLS 1.2
// floor are set up as for wss (WsBridge::start).
int tls_callback(lws* wsi, lws_callback_reasons reason, void*, void* in, size_t len) {
  auto* link = static_cast<Link*>(lws_get_opaque_user_data(wsi));
  if (!link) return 0;
  auto* impl = impl_of(wsi);
  if (impl->stopping.load()) return 0;  // see raw_callback
  switch (reason) {
    case LWS_CALLBACK_RAW_ADOPT:  // what 4.1 says when a RAW client connected
    case LWS_CALLBACK_RAW_CONNECTED:
      if (link->server_connected) return 0;
      link->server = wsi;
      link->server_connected = true;
      // A handshake that never ends is the transaction's timeout to report
      // (as for a silent TCP server); this one, a second later, only makes
      // sure the connection does not stay forever.
      lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, (impl->options.connect_timeout_s > 0 ? impl->options.connect_timeout_s : 10) + 1);
      impl->pump_tls(*link);
      return 0;
    case LWS_CALLBACK_RAW_RX:
      if (!link->tls->feed(std::string_view(static_cast<const char*>(in), len))) {
        impl->set_error(link->tls->error());
        impl->pump_tls(*link);  // what arrived before the failure still counts
        return -1;
      }
      impl->pump_tls(*link);
      return 0;
    case LWS_CALLBACK_RAW_WRITEABLE:
      return WsBridge::Impl::write_next(*link, wsi, LWS_WRITE_RAW);
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
      impl->set_error(describe_connection_error(*impl, wsi, in, len));
      impl->server_gone(*link, wsi, false);
      return 0;
    case LWS_CALLBACK_RAW_CLOSE:
      if (link->server_connected && !link->server_open)
        impl->set_error_if_none("TLS handshake with " + impl->options.server.host_port() + " did not complete");
      impl->server_gone(*link, wsi, true);
      return 0;
    case LWS_CALLBACK_WSI_DESTROY:
      impl->forget_server(*link, wsi);
      return 0;
    default:
      return 0;
  }
}

}  // namespace

void WsBridge::Impl::server_opened(Link& link, lws* wsi) {
  if (link.tls) lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
  link.server_open = true;
  ever_connected = true;
  set_error({});  // earlier failures are over; the next one is this connection's
  if (!link.to_server.empty() || link.raw_closed) lws_callback_on_writable(wsi);
}

// Moves what the TLS session has ready: ciphertext to the server, plaintext
// to Sofia; a finished handshake opens the link.
void WsBridge::Impl::pump_tls(Link& link) {
  std::string cipher = link.tls->take_cipher();
  if (!cipher.empty()) {
    link.to_server.push_back(std::move(cipher));
    if (link.server && link.server_connected) lws_callback_on_writable(link.server);
  }
  std::string plain = link.tls->take_plain();
  if (!plain.empty()) {
    link.to_sofia += plain;
    if (link.raw) write_to_sofia(link);
  }
  if (!link.server_open && link.server && link.tls->established()) server_opened(link, link.server);
}

// The server's connection failed (closed = false) or ended.
void WsBridge::Impl::server_gone(Link& link, lws* wsi, bool closed) {
  if (closed && !link.raw_closed) set_error_if_none(std::string(kind()) + " connection closed by server");
  link.server = nullptr;
  link.server_open = false;
  link.server_closed = true;
  lws_set_opaque_user_data(wsi, nullptr);
  if (link.server_wsi == wsi) link.server_wsi = nullptr;
  if (link.raw) {
    // Let Sofia read what already arrived, then see the hang-up.
    write_to_sofia(link);
    kill_async(link.raw);
  }
  drop_link_if_done(&link);
}

// The last word on a server connection: libwebsockets frees it after this.
// Every path that ends one should have called server_gone() already (and
// unhooked the link); one it did not announce must not leave link.server
// pointing at freed memory, which the next kill_async() would write to.
void WsBridge::Impl::forget_server(Link& link, lws* wsi) {
  if (link.server_wsi == wsi) link.server_wsi = nullptr;
  if (link.server == wsi) {
    set_error_if_none(std::string(kind()) + " connection to " + options.server.host_port() + " ended");
    server_gone(link, wsi, false);  // drops the link when Sofia's side is gone too
  } else {
    drop_link_if_done(&link);
  }
}

// Sends the first of to_server as one WebSocket message or TLS write; once
// Sofia hung up and all is sent, closes (returns -1).
int WsBridge::Impl::write_next(Link& link, lws* wsi, lws_write_protocol kind) {
  if (link.to_server.empty()) return link.raw_closed ? -1 : 0;
  std::string& data = link.to_server.front();
  std::string frame(LWS_PRE, '\0');
  frame += data;
  int n = lws_write(wsi, reinterpret_cast<unsigned char*>(frame.data()) + LWS_PRE, data.size(), kind);
  if (n < static_cast<int>(data.size())) return -1;
  link.to_server.pop_front();
  if (!link.to_server.empty() || link.raw_closed) lws_callback_on_writable(wsi);
  return 0;
}

void WsBridge::Impl::write_to_sofia(Link& link) {
  while (!link.to_sofia.empty() && link.raw) {
    ssize_t n = write(lws_get_socket_fd(link.raw), link.to_sofia.data(), link.to_sofia.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      lws_callback_on_writable(link.raw);
      return;
    }
    if (n <= 0) {
      link.to_sofia.clear();
      return;
    }
    link.to_sofia.erase(0, static_cast<size_t>(n));
  }
}

void WsBridge::Impl::accept_connection() {
  int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  // Only this process may use the bridge: the abstract name is guessable.
  ucred cred{};
  socklen_t cred_len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) != 0 || cred.pid != getpid()) {
    close(fd);
    return;
  }
  links.emplace_back();
  Link& link = links.back();
  lws_sock_file_fd_type desc;
  desc.filefd = fd;
  link.raw = lws_adopt_descriptor_vhost(vhost, LWS_ADOPT_RAW_FILE_DESC, desc, "sofia-stream", nullptr);
  if (!link.raw) {
    close(fd);
    links.pop_back();
    return;
  }
  lws_set_opaque_user_data(link.raw, &link);
  connect_server(link);
}

void WsBridge::Impl::connect_server(Link& link) {
  lws_client_connect_info info{};
  info.context = context;
  info.vhost = vhost;
  info.address = options.server.host.c_str();
  info.port = options.server.port;
  std::string host_header = options.server.host_port();
  if (tls()) {
    // Plain TCP: the TLS on it is link.tls's (SNI and name check included).
    info.method = "RAW";
    info.host = options.server.host.c_str();
    info.local_protocol_name = "sip-tls";
  } else {
    info.path = options.server.path.c_str();
    info.host = host_header.c_str();
    info.origin = host_header.c_str();
    info.protocol = "sip";
    info.local_protocol_name = "sip";
    // libwebsockets would follow a redirect (even ws -> wss, or to another
    // host) while the report names the URL given: refused instead, with
    // where it points (describe_connection_error).
    info.ssl_connection |= LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
  }
  info.opaque_user_data = &link;
  if (tls()) {
    auto session = TlsStream::start(tls_ctx.get(), options.server.host, !options.insecure);
    if (!session.ok()) {
      set_error(session.error().message());
      link.server_closed = true;
      kill_async(link.raw);
      return;
    }
    link.tls = std::move(session.value());
  } else if (options.server.transport == Transport::wss) {
    info.ssl_connection |= LCCSCF_USE_SSL;
    // An IP literal's check is the vhost context's (ws_callback): it matches
    // IP address SANs, which libwebsockets' own name check never does.
    if (is_ip_literal(options.server.host)) info.ssl_connection |= LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
    if (options.insecure)
      info.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                             LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
  }
  info.pwsi = &link.server;
  lws* created = lws_client_connect_via_info(&info);
  // Callbacks during the call may already have given it up (server_gone).
  if (created && lws_get_opaque_user_data(created) == &link) link.server_wsi = created;
  if (!created) {
    // The error callback has usually said why already.
    set_error_if_none(std::string(kind()) + " connection to " + options.server.to_string() + " failed");
    link.server = nullptr;
    link.server_closed = true;
    kill_async(link.raw);
  }
}

void WsBridge::Impl::drop_link_if_done(Link* link) {
  if (link->raw || link->server) return;
  // A server connection libwebsockets has not destroyed yet (it may have
  // cleared link->server through pwsi) must not call back into freed memory.
  if (link->server_wsi) lws_set_opaque_user_data(link->server_wsi, nullptr);
  links.remove_if([link](const Link& l) { return &l == link; });
}

Result<std::unique_ptr<WsBridge>> WsBridge::start(const WsBridgeOptions& options) {
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
  std::string name = "sip-call-ws-" + std::to_string(getpid()) + "-" + std::to_string(rd());
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
  return std::unique_ptr<WsBridge>(new WsBridge(std::move(impl)));
}

WsBridge::WsBridge(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WsBridge::~WsBridge() {
  impl_->stopping = true;
  lws_cancel_service(impl_->context);
  if (impl_->thread.joinable()) impl_->thread.join();
  lws_context_destroy(impl_->context);  // closes the adopted sockets, listener included
}

const sockaddr_un& WsBridge::address() const { return impl_->address; }
socklen_t WsBridge::address_length() const { return impl_->address_length; }
bool WsBridge::ever_connected() const { return impl_->ever_connected.load(); }
std::string WsBridge::last_error() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->last_error;
}

}  // namespace sipcall
