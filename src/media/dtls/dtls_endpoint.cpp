#include "dtls_endpoint.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "dtls_openssl.h"

namespace sipcall::media::dtls {

namespace {

using Clock = std::chrono::steady_clock;

// Larger than any datagram UDP carries: the rest is not a datagram we read.
constexpr size_t max_datagram = 65535;
constexpr unsigned max_retransmit_us = 60'000'000;  // RFC 6347 section 4.2.4.1
constexpr std::string_view exporter_label = "EXTRACTOR-dtls_srtp";  // RFC 5764 section 4.2
// OpenSSL's names for our profile preference (dtls_srtp_keys.h).
constexpr const char* srtp_profiles =
    "SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32";
// Forward-secret key exchange only; AEAD first.
constexpr const char* cipher_list = "ECDHE+AESGCM:ECDHE+CHACHA20:ECDHE+AES:!aNULL:!eNULL";

// RFC 6347 section 4.1 and 4.2.2: record header 13 bytes, handshake header
// 12; a ClientHello is handshake type 1 in a handshake record of epoch 0.
bool looks_like_client_hello(std::span<const uint8_t> d) {
  return d.size() >= 13 + 12 && d[0] == 22 && d[3] == 0 && d[4] == 0 && d[13] == 1;
}

const std::string fingerprint_mismatch = "DTLS: the peer's certificate does not match a=fingerprint";

}  // namespace

struct DtlsEndpoint::Impl {
  DtlsEndpointConfig config;
  SendDatagram send;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  BIO* bio = nullptr;  // owned by ssl

  // The datagram OpenSSL reads next, and what it wrote, one entry a datagram.
  std::span<const uint8_t> incoming;
  std::vector<std::vector<uint8_t>> outgoing;

  DtlsState state = DtlsState::handshaking;
  std::string failure;
  bool certificate_mismatch = false;
  bool peer_closed = false;
  bool heard_client_hello = false;
  std::string peer_alert;  // the last alert the peer sent, for the failure line
  std::optional<Clock::time_point> started;
  std::optional<std::chrono::microseconds> duration;
  std::optional<DtlsSrtpKeys> keys;

  ~Impl() {
    SSL_free(ssl);
    SSL_CTX_free(ctx);
  }

  void flush() {
    auto datagrams = std::move(outgoing);
    outgoing.clear();
    for (const auto& d : datagrams) send(d);
  }

  void fail(std::string reason) {
    if (state == DtlsState::failed) return;
    state = DtlsState::failed;
    failure = std::move(reason);
  }

  // Why the last OpenSSL call failed, as one line.
  std::string failure_reason(const char* during) {
    if (certificate_mismatch) return fingerprint_mismatch;
    if (!peer_alert.empty()) return "DTLS: the peer ended the handshake with alert '" + peer_alert + "'";
    const unsigned long err = ERR_peek_last_error();
    const char* reason = err ? ERR_reason_error_string(err) : nullptr;
    return std::string("DTLS: ") + during + " failed: " + (reason ? reason : "unknown OpenSSL error");
  }

  void step_handshake() {
    ERR_clear_error();
    const int rc = SSL_do_handshake(ssl);
    if (rc == 1) return finish_handshake();
    const int err = SSL_get_error(ssl, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
    if (err == SSL_ERROR_ZERO_RETURN) return fail("DTLS: the peer closed the connection during the handshake");
    fail(failure_reason("handshake"));
  }

  void finish_handshake() {
    duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started.value_or(Clock::now()));
    const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl);
    const auto profile = selected ? profile_from_id(static_cast<uint16_t>(selected->id)) : std::nullopt;
    if (!profile) {
      SSL_shutdown(ssl);  // tells the peer; OpenSSL has no call to send another alert
      return fail("DTLS: the peer agreed no SRTP profile (use_srtp) that we offered");
    }

    // RFC 5764 section 4.2: client key, server key, client salt, server salt.
    const size_t key_len = master_key_length(*profile), salt_len = master_salt_length(*profile);
    std::array<uint8_t, 2 * (32 + 14)> material{};
    const size_t total = 2 * (key_len + salt_len);
    ERR_clear_error();
    if (SSL_export_keying_material(ssl, material.data(), total, exporter_label.data(), exporter_label.size(), nullptr,
                                   0, 0) != 1) {
      OPENSSL_cleanse(material.data(), material.size());
      return fail(failure_reason("exporting the SRTP keys"));
    }
    const std::span<const uint8_t> m(material.data(), total);
    MasterKeySalt client(m.subspan(0, key_len), m.subspan(2 * key_len, salt_len));
    MasterKeySalt server(m.subspan(key_len, key_len), m.subspan(2 * key_len + salt_len, salt_len));
    OPENSSL_cleanse(material.data(), material.size());

    const bool we_are_client = config.role == DtlsRole::client;
    keys = DtlsSrtpKeys{*profile, we_are_client ? std::move(client) : std::move(server),
                        we_are_client ? std::move(server) : std::move(client)};
    state = DtlsState::connected;
  }

  // After the handshake only alerts and the peer's retransmissions (it lost
  // our last flight) arrive: SSL_read answers those. DTLS-SRTP carries no
  // application data; whatever comes is dropped.
  void read_connected() {
    std::array<uint8_t, 2048> sink;
    for (;;) {
      ERR_clear_error();
      const int n = SSL_read(ssl, sink.data(), sink.size());
      if (n > 0) continue;
      const int err = SSL_get_error(ssl, n);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
      if (err == SSL_ERROR_ZERO_RETURN) {
        state = DtlsState::closed;
        peer_closed = true;
        return;
      }
      if (!peer_alert.empty()) return fail("DTLS: the peer ended the connection with alert '" + peer_alert + "'");
      return fail(failure_reason("reading"));
    }
  }
};

namespace {

// A BIO that keeps datagram boundaries: each write is one datagram out, each
// read takes the one datagram being fed. BIO_s_mem would run datagrams
// together, and BIO_s_dgram_pair (which would not) is OpenSSL 3.2, newer
// than Debian 12's 3.0.
int bio_write(BIO* bio, const char* data, int length) {
  auto* impl = static_cast<DtlsEndpoint::Impl*>(BIO_get_data(bio));
  if (length < 0) return -1;
  impl->outgoing.emplace_back(data, data + length);
  return length;
}

int bio_read(BIO* bio, char* data, int length) {
  auto* impl = static_cast<DtlsEndpoint::Impl*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (impl->incoming.empty()) {
    BIO_set_retry_read(bio);
    return -1;
  }
  // Datagram semantics: what does not fit the reader's buffer is lost.
  const size_t n = std::min(impl->incoming.size(), static_cast<size_t>(std::max(length, 0)));
  std::copy_n(impl->incoming.data(), n, reinterpret_cast<uint8_t*>(data));
  impl->incoming = {};
  return static_cast<int>(n);
}

long bio_ctrl(BIO* bio, int cmd, long, void*) {
  auto* impl = static_cast<DtlsEndpoint::Impl*>(BIO_get_data(bio));
  switch (cmd) {
    case BIO_CTRL_FLUSH: return 1;
    case BIO_CTRL_PENDING: return static_cast<long>(impl->incoming.size());
    case BIO_CTRL_WPENDING: return 0;
    case BIO_CTRL_DGRAM_QUERY_MTU:
    case BIO_CTRL_DGRAM_GET_FALLBACK_MTU: return static_cast<long>(impl->config.mtu);
    default: return 0;
  }
}

BIO_METHOD* datagram_bio_method() {
  struct Method {
    BIO_METHOD* method;
    Method() : method(BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sip-call DTLS datagrams")) {
      if (!method) return;
      BIO_meth_set_write(method, bio_write);
      BIO_meth_set_read(method, bio_read);
      BIO_meth_set_ctrl(method, bio_ctrl);
    }
    ~Method() { BIO_meth_free(method); }
  };
  static const Method m;
  return m.method;
}

DtlsEndpoint::Impl* impl_of(SSL* ssl) { return static_cast<DtlsEndpoint::Impl*>(SSL_get_app_data(ssl)); }

// Replaces OpenSSL's chain verification: the peer's certificate is
// self-signed by design, and what vouches for it is the a=fingerprint that
// came over signalling.
int verify_certificate(X509_STORE_CTX* store, void*) {
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* impl = ssl ? impl_of(ssl) : nullptr;
  X509* certificate = X509_STORE_CTX_get0_cert(store);
  if (!impl || !certificate) return 0;
  for (const auto& expected : impl->config.peer_fingerprints) {
    const auto actual = certificate_fingerprint(certificate, expected.hash);
    if (actual && actual->digest.size() == expected.digest.size() &&
        CRYPTO_memcmp(actual->digest.data(), expected.digest.data(), expected.digest.size()) == 0)
      return 1;
  }
  impl->certificate_mismatch = true;
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

void info_callback(const SSL* ssl, int where, int value) {
  if ((where & SSL_CB_READ_ALERT) != SSL_CB_READ_ALERT) return;
  auto* impl = impl_of(const_cast<SSL*>(ssl));
  if (impl) impl->peer_alert = SSL_alert_desc_string_long(value);
}

unsigned int retransmit_timer(SSL* ssl, unsigned int previous_us) {
  if (previous_us == 0) {
    const auto* impl = impl_of(ssl);
    const auto initial = std::chrono::duration_cast<std::chrono::microseconds>(impl->config.initial_retransmit).count();
    return static_cast<unsigned>(std::clamp<long long>(initial, 1000, max_retransmit_us));
  }
  return std::min(previous_us * 2, max_retransmit_us);
}

Error setup_failed(const char* step) { return Error::internal(std::string("DTLS: cannot set up OpenSSL (") + step + ")"); }

}  // namespace

Result<std::unique_ptr<DtlsEndpoint>> DtlsEndpoint::create(DtlsEndpointConfig config, SendDatagram send) {
  if (config.peer_fingerprints.empty()) return Error::unusable_sdp("DTLS: the peer's SDP has no usable a=fingerprint");
  if (!send) return setup_failed("no send callback");
  if (!config.certificate) {
    auto ours = DtlsCertificate::for_process();
    if (!ours.ok()) return ours.error();
    config.certificate = ours.value();
  }
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  impl->send = std::move(send);

  SSL_CTX* ctx = impl->ctx = SSL_CTX_new(DTLS_method());
  if (!ctx) return setup_failed("SSL_CTX_new");
  const auto& keys = impl->config.certificate->keys();
  if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1)
    return setup_failed("DTLS 1.2");
  if (SSL_CTX_use_certificate(ctx, keys.certificate) != 1 || SSL_CTX_use_PrivateKey(ctx, keys.key) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1)
    return setup_failed("certificate");
  if (SSL_CTX_set_cipher_list(ctx, cipher_list) != 1) return setup_failed("ciphers");
  if (SSL_CTX_set_tlsext_use_srtp(ctx, srtp_profiles) != 0) return setup_failed("use_srtp");  // 0 is success
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET | SSL_OP_NO_QUERY_MTU);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  // Both ends demand a certificate; the fingerprint check decides.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, verify_certificate, nullptr);
  SSL_CTX_set_info_callback(ctx, info_callback);

  SSL* ssl = impl->ssl = SSL_new(ctx);
  BIO_METHOD* method = datagram_bio_method();
  if (!ssl || !method) return setup_failed("SSL_new");
  SSL_set_app_data(ssl, impl.get());
  impl->bio = BIO_new(method);
  if (!impl->bio) return setup_failed("BIO_new");
  BIO_set_data(impl->bio, impl.get());
  BIO_set_init(impl->bio, 1);
  SSL_set_bio(ssl, impl->bio, impl->bio);
  if (SSL_set_mtu(ssl, static_cast<long>(impl->config.mtu)) <= 0) return setup_failed("MTU");  // below DTLS's minimum
  DTLS_set_timer_cb(ssl, retransmit_timer);
  if (impl->config.role == DtlsRole::client)
    SSL_set_connect_state(ssl);
  else
    SSL_set_accept_state(ssl);
  return std::unique_ptr<DtlsEndpoint>(new DtlsEndpoint(std::move(impl)));
}

DtlsEndpoint::DtlsEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DtlsEndpoint::~DtlsEndpoint() = default;

void DtlsEndpoint::start() {
  if (impl_->started || impl_->state != DtlsState::handshaking) return;
  impl_->started = Clock::now();
  if (impl_->config.role == DtlsRole::client) impl_->step_handshake();
  impl_->flush();
}

void DtlsEndpoint::feed(std::span<const uint8_t> datagram) {
  auto& s = *impl_;
  if (datagram.empty() || datagram.size() > max_datagram) return;
  if (s.state != DtlsState::handshaking && s.state != DtlsState::connected) return;
  // OpenSSL fails a waiting server on anything but a ClientHello; what
  // comes before the peer's first one is a stray (RFC 6347 section 4.1.2.7:
  // invalid records may be discarded), not a reason to give up.
  if (s.config.role == DtlsRole::server && !s.heard_client_hello) {
    if (!looks_like_client_hello(datagram)) return;
    s.heard_client_hello = true;
  }
  if (!s.started) s.started = Clock::now();
  s.incoming = datagram;
  if (s.state == DtlsState::handshaking) {
    s.step_handshake();
    // What came in the same datagram behind the peer's Finished (an alert).
    if (s.state == DtlsState::connected) s.read_connected();
  } else {
    s.read_connected();
  }
  s.incoming = {};
  s.flush();
}

std::optional<std::chrono::milliseconds> DtlsEndpoint::timeout() const {
  if (impl_->state != DtlsState::handshaking && impl_->state != DtlsState::connected) return std::nullopt;
  timeval left{};
  if (DTLSv1_get_timeout(impl_->ssl, &left) != 1) return std::nullopt;
  // Rounded up: waking before the timer expired would find nothing to do.
  const auto us = std::chrono::seconds(left.tv_sec) + std::chrono::microseconds(left.tv_usec);
  return std::chrono::ceil<std::chrono::milliseconds>(us);
}

void DtlsEndpoint::handle_timeout() {
  auto& s = *impl_;
  if (s.state != DtlsState::handshaking && s.state != DtlsState::connected) return;
  ERR_clear_error();
  if (DTLSv1_handle_timeout(s.ssl) < 0 && s.state == DtlsState::handshaking)
    s.fail("DTLS: the peer did not answer our handshake (gave up after repeated retransmissions)");
  s.flush();
}

void DtlsEndpoint::close() {
  auto& s = *impl_;
  if (s.state == DtlsState::connected) {
    ERR_clear_error();
    SSL_shutdown(s.ssl);
    s.state = DtlsState::closed;
  } else if (s.state == DtlsState::handshaking) {
    s.fail("DTLS: closed before the handshake completed");
  }
  s.flush();
}

DtlsState DtlsEndpoint::state() const { return impl_->state; }
DtlsRole DtlsEndpoint::role() const { return impl_->config.role; }
const std::string& DtlsEndpoint::failure() const { return impl_->failure; }
bool DtlsEndpoint::peer_closed() const { return impl_->peer_closed; }
std::optional<std::chrono::microseconds> DtlsEndpoint::handshake_duration() const { return impl_->duration; }
const DtlsSrtpKeys* DtlsEndpoint::keys() const { return impl_->keys ? &*impl_->keys : nullptr; }

std::string_view state_name(DtlsState state) {
  switch (state) {
    case DtlsState::handshaking: return "handshaking";
    case DtlsState::connected: return "connected";
    case DtlsState::closed: return "closed";
    case DtlsState::failed: return "failed";
  }
  return "failed";
}

}  // namespace sipcall::media::dtls
