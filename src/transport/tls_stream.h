// The client side of one TLS connection as a filter between two byte
// streams: ciphertext to and from the network, plaintext to and from the
// application. OpenSSL over memory BIOs, no I/O of its own, so the caller
// keeps its event loop and sockets (the stream bridge runs it over a raw
// libwebsockets connection).
//
// Why not libwebsockets' own client TLS for a raw connection: in 4.1
// (Debian 12) a "RAW" client with LCCSCF_USE_SSL starts the handshake
// before the socket is connected and fails with EBADF.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sipcall/error.h"

namespace sipcall {

// What a refused server certificate is reported as (tls and wss alike).
extern const char* const kCertificateRefused;

// The client TLS policy of sip-call, for wss (libwebsockets' context) and
// tls (client_context) alike.
//
// TLS 1.2 at least, whatever OpenSSL's configuration allows: options for
// SSL_CTX_set_options.
inline constexpr uint64_t kBelowTls12 = SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1;
// Trust to verify servers with: the certificates in `ca_file` only (it
// replaces the system's trust, it does not add to it), or else the system's
// CA directory. False when the file cannot be read.
bool load_trust(SSL_CTX* ctx, const std::string& ca_file);

// Makes verification check the certificate against `host`: an IP literal
// (is_ip_literal, no brackets) against the IP address SANs, a name against the DNS names (no partial
// wildcards). False if OpenSSL refuses the host.
bool expect_peer_identity(X509_VERIFY_PARAM* param, const std::string& host);

using SslContext = std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)>;
// A client context with that policy; `insecure` verifies nothing.
Result<SslContext> client_context(const std::string& ca_file, bool insecure);

class TlsStream {
 public:
  // The SSL_CTX carries trust, verification mode and protocol floor;
  // `host` is the server's name for SNI and, unless `check_host` is
  // false, for the certificate's name check (a name or an IP literal).
  static Result<std::unique_ptr<TlsStream>> start(SSL_CTX* ctx, const std::string& host, bool check_host);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // Ciphertext that arrived from the network. False when the connection
  // is unusable from now on (error() says why).
  bool feed(std::string_view cipher);
  // Plaintext to send; held until the handshake is done.
  bool write(std::string_view plain);
  // Sends close_notify (with take_cipher()).
  void close();

  // What is ready: ciphertext for the network, plaintext for the application.
  std::string take_cipher();
  std::string take_plain();

  bool established() const { return established_; }
  // Why the connection failed; names a refused certificate and how to
  // accept it (--ca-file, --insecure).
  const std::string& error() const { return error_; }

 private:
  TlsStream() = default;
  bool advance();  // handshake, then pending writes and reads
  bool fail(int ssl_result);

  SSL* ssl_ = nullptr;
  BIO* from_network_ = nullptr;  // owned by ssl_
  BIO* to_network_ = nullptr;    // owned by ssl_
  bool established_ = false;
  std::string pending_plain_;
  std::string plain_in_;
  std::string error_;
};

}  // namespace sipcall
