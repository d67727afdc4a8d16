// SIP over WebSocket (RFC 7118), ws and wss: one SIP message per WebSocket
// text message each way; Sofia's CRLF keepalive becomes a WebSocket ping
// and the pong Sofia's CRLF answer, so the keepalive checks the whole path.
#include <libwebsockets.h>
#include <openssl/ssl.h>

#include <cstring>
#include <string>

#include "sip_stream_framer.h"
#include "stream_bridge_impl.h"
#include "tls_stream.h"

namespace sipcall {

namespace {

class WebSocketLink final : public ServerLink {
 public:
  using ServerLink::ServerLink;

  bool prepare(lws_client_connect_info& info) override;
  bool from_sofia(std::string_view bytes) override;
  void sofia_closed() override {}  // the close frame goes with the last write (on_event)
  int on_event(lws* wsi, lws_callback_reasons reason, void* in, size_t len) override;

 private:
  std::string describe_connection_error(lws* wsi, const void* in, size_t len) const;

  std::string host_header_;    // lives as long as the connect call reads it
  SipStreamFramer framer_;     // Sofia's byte stream cut into messages
  bool ping_wanted_ = false;   // Sofia sent a keepalive: ping the server for it
  std::string message_;        // fragments of the WebSocket message being received
};

bool WebSocketLink::prepare(lws_client_connect_info& info) {
  const ServerUrl& server = bridge_.options.server;
  host_header_ = server.host_port();
  info.path = server.path.c_str();
  info.host = host_header_.c_str();
  info.origin = host_header_.c_str();
  info.protocol = "sip";
  info.local_protocol_name = "sip";
  // libwebsockets would follow a redirect (even ws -> wss, or to another
  // host) while the report names the URL given: refused instead, with
  // where it points (describe_connection_error).
  info.ssl_connection |= LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
  if (server.transport == Transport::wss) {
    info.ssl_connection |= LCCSCF_USE_SSL;
    // An IP literal's check is the vhost context's (load_vhost_trust): it
    // matches IP address SANs, which libwebsockets' own name check never does.
    if (is_ip_literal(server.host)) info.ssl_connection |= LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
    if (bridge_.options.insecure)
      info.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                             LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
  }
  return true;
}

bool WebSocketLink::from_sofia(std::string_view bytes) {
  framer_.feed(bytes);
  for (;;) {
    auto next = framer_.next();
    switch (next.status) {
      case SipStreamFramer::Status::need_more:
        return true;
      case SipStreamFramer::Status::keepalive:
        // Sofia's CRLF ping asks whether the server is still there: the
        // WebSocket ping asks it end to end, and its pong becomes Sofia's.
        // Before the WebSocket is up, the connect timeout watches instead.
        if (c_.server_open) {
          ping_wanted_ = true;
          lws_callback_on_writable(c_.server);
        } else {
          StreamBridge::Impl::deliver_to_sofia(c_, "\r\n");
        }
        break;
      case SipStreamFramer::Status::error:
        bridge_.set_error("internal: " + next.error);
        return false;
      case SipStreamFramer::Status::message:
        bridge_.queue_to_server(c_, std::move(next.message));
        break;
    }
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

std::string WebSocketLink::describe_connection_error(lws* wsi, const void* in, size_t len) const {
  unsigned status = lws_http_client_http_response(wsi);
  if (status >= 300 && status < 400) return redirect_refused(wsi, status);
  if (status && status != 101) return "WebSocket handshake refused: HTTP " + std::to_string(status);
  return bridge_.describe_connection_error(in, len);
}

int WebSocketLink::on_event(lws* wsi, lws_callback_reasons reason, void* in, size_t len) {
  switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
      bridge_.server_opened(c_, wsi);
      return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE: {
      message_.append(static_cast<const char*>(in), len);
      if (message_.size() > SipStreamFramer::kMaxMessage) {
        bridge_.set_error("WebSocket message from server larger than 256 KiB");
        return -1;
      }
      if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0) return 0;
      auto stream = websocket_message_to_stream(message_);
      message_.clear();
      if (stream) StreamBridge::Impl::deliver_to_sofia(c_, *stream);
      // else not SIP: ignored, as RFC 7118 leaves it to the receiver
      return 0;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
      StreamBridge::Impl::deliver_to_sofia(c_, "\r\n");
      return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
      if (ping_wanted_) {
        ping_wanted_ = false;
        unsigned char frame[LWS_PRE + 1];
        if (lws_write(wsi, frame + LWS_PRE, 0, LWS_WRITE_PING) < 0) return -1;
        if (!c_.to_server.empty() || c_.raw_closed) lws_callback_on_writable(wsi);
        return 0;
      }
      if (c_.to_server.empty() && c_.raw_closed) lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, nullptr, 0);
      return StreamBridge::Impl::write_next(c_, wsi, LWS_WRITE_TEXT);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
      const auto* code_bytes = static_cast<const unsigned char*>(in);
      unsigned code = len >= 2 ? (code_bytes[0] << 8 | code_bytes[1]) : 1005;
      bridge_.set_error("WebSocket closed by server (code " + std::to_string(code) + ")");
      return 0;
    }
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
      bridge_.set_error(describe_connection_error(wsi, in, len));
      bridge_.server_gone(c_, wsi, false);
      return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
      bridge_.server_gone(c_, wsi, true);
      return 0;
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
      // Closed before the upgrade (libwebsockets' own timeout, or the server
      // hung up on the handshake): neither of the two above is said then.
      bridge_.handshake_incomplete();
      bridge_.server_gone(c_, wsi, false);
      return 0;
    default:
      return 0;
  }
}

}  // namespace

std::unique_ptr<ServerLink> make_websocket_link(StreamBridge::Impl& bridge, Connection& connection) {
  return std::make_unique<WebSocketLink>(bridge, connection);
}

// Called once per vhost while the context is created.
void load_vhost_trust(StreamBridge::Impl& bridge, SSL_CTX* ctx) {
  if (!ctx || bridge.options.insecure) return;
  if (!load_trust(ctx, bridge.options.ca_file))
    bridge.set_error("cannot read CA certificates from " + bridge.options.ca_file);
  // An address is checked here, not per connection: libwebsockets 4.1
  // would check "[::1]:port" cut at its first colon as a host name.
  const std::string& host = bridge.options.server.host;
  if (is_ip_literal(host) && !expect_peer_identity(SSL_CTX_get0_param(ctx), host))
    bridge.set_error("OpenSSL: cannot set the address " + host + " to verify");
}

}  // namespace sipcall
