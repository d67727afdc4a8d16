// SIP over TLS: the byte stream unchanged, Sofia's CRLF keepalives and
// their answers included (RFC 5626 4.4.1), through a TlsStream over a raw
// TCP connection (tls_stream.h says why not libwebsockets' own TLS). Trust
// and the TLS 1.2 floor are the bridge's client context (StreamBridge::start).
#include <libwebsockets.h>

#include <memory>
#include <string>

#include "stream_bridge_impl.h"
#include "tls_stream.h"

namespace sipcall {

namespace {

class TlsLink final : public ServerLink {
 public:
  using ServerLink::ServerLink;

  bool prepare(lws_client_connect_info& info) override;
  bool from_sofia(std::string_view bytes) override;
  void sofia_closed() override;
  int on_event(lws* wsi, lws_callback_reasons reason, void* in, size_t len) override;

 private:
  void pump();

  std::unique_ptr<TlsStream> tls_;  // Sofia's bytes in, ciphertext out, and back
};

bool TlsLink::prepare(lws_client_connect_info& info) {
  const ServerUrl& server = bridge_.options.server;
  // Plain TCP: the TLS on it is tls_'s (SNI and name check included).
  info.method = "RAW";
  info.host = server.host.c_str();
  info.local_protocol_name = "sip-tls";
  auto session = TlsStream::start(bridge_.tls_ctx.get(), server.host, !bridge_.options.insecure);
  if (!session.ok()) {
    bridge_.set_error(session.error().message());
    return false;
  }
  tls_ = std::move(session.value());
  return true;
}

bool TlsLink::from_sofia(std::string_view bytes) {
  // No session when prepare() failed: the hang-up on Sofia is under way.
  if (!tls_ || !tls_->write(bytes)) {
    if (tls_) bridge_.set_error(tls_->error());
    return false;
  }
  pump();
  return true;
}

void TlsLink::sofia_closed() {
  if (!c_.server_open) return;
  tls_->close();
  pump();
}

// Moves what the TLS session has ready: ciphertext to the server, plaintext
// to Sofia; a finished handshake opens the connection.
void TlsLink::pump() {
  std::string cipher = tls_->take_cipher();
  if (!cipher.empty()) bridge_.queue_to_server(c_, std::move(cipher));
  std::string plain = tls_->take_plain();
  if (!plain.empty()) StreamBridge::Impl::deliver_to_sofia(c_, plain);
  if (!c_.server_open && c_.server && tls_->established()) {
    lws_set_timeout(c_.server, NO_PENDING_TIMEOUT, 0);  // the handshake's (on_event)
    bridge_.server_opened(c_, c_.server);
  }
}

int TlsLink::on_event(lws* wsi, lws_callback_reasons reason, void* in, size_t len) {
  switch (reason) {
    case LWS_CALLBACK_RAW_ADOPT:  // what 4.1 says when a RAW client connected
    case LWS_CALLBACK_RAW_CONNECTED:
      if (c_.server_connected) return 0;
      c_.server = wsi;
      c_.server_connected = true;
      // A handshake that never ends is the transaction's timeout to report
      // (as for a silent TCP server); this one, a second later, only makes
      // sure the connection does not stay forever.
      lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK,
                      (bridge_.options.connect_timeout_s > 0 ? bridge_.options.connect_timeout_s : 10) + 1);
      pump();
      return 0;
    case LWS_CALLBACK_RAW_RX:
      if (!tls_->feed(std::string_view(static_cast<const char*>(in), len))) {
        bridge_.set_error(tls_->error());
        pump();  // what arrived before the failure still counts
        return -1;
      }
      pump();
      return 0;
    case LWS_CALLBACK_RAW_WRITEABLE:
      return StreamBridge::Impl::write_next(c_, wsi, LWS_WRITE_RAW);
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
      bridge_.set_error(bridge_.describe_connection_error(in, len));
      bridge_.server_gone(c_, wsi, false);
      return 0;
    case LWS_CALLBACK_RAW_CLOSE:
      if (c_.server_connected && !c_.server_open)
        bridge_.handshake_incomplete();
      bridge_.server_gone(c_, wsi, true);
      return 0;
    default:
      return 0;
  }
}

}  // namespace

std::unique_ptr<ServerLink> make_tls_link(StreamBridge::Impl& bridge, Connection& connection) {
  return std::make_unique<TlsLink>(bridge, connection);
}

}  // namespace sipcall
