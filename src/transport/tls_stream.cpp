#include "tls_stream.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "sipcall/config/server_url.h"

namespace sipcall {

const char* const kCertificateRefused =
    "TLS handshake failed; the server certificate is not trusted or does not match the host "
    "(use --ca-file FILE, or --insecure to skip verification)";

// The system's trust store as OpenSSL's hashed directory: only the CA a
// server's chain needs is read, on demand. Loading the whole bundle (what
// libwebsockets does by default) was 90 % of a one-shot wss register's CPU.
// SSL_CERT_DIR overrides the directory, as everywhere in OpenSSL.
bool load_trust(SSL_CTX* ctx, const std::string& ca_file) {
  if (!ca_file.empty()) return SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) == 1;
  const char* dir = std::getenv(X509_get_default_cert_dir_env());
  if (!dir || !*dir) dir = X509_get_default_cert_dir();
  SSL_CTX_load_verify_locations(ctx, nullptr, dir);
  return true;
}

Result<SslContext> client_context(const std::string& ca_file, bool insecure) {
  SslContext ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!ctx) return Error::internal("OpenSSL: cannot create a TLS context");
  SSL_CTX_set_options(ctx.get(), kBelowTls12);
  SSL_CTX_set_verify(ctx.get(), insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
  if (!insecure && !load_trust(ctx.get(), ca_file)) return Error::unusable_file("cannot read CA certificates from " + ca_file);
  return ctx;
}

bool expect_peer_identity(X509_VERIFY_PARAM* param, const std::string& host) {
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (is_ip_literal(host)) return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  return X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0) == 1;
}

Result<std::unique_ptr<TlsStream>> TlsStream::start(SSL_CTX* ctx, const std::string& host, bool check_host) {
  std::unique_ptr<TlsStream> t(new TlsStream());
  t->ssl_ = SSL_new(ctx);
  if (!t->ssl_) return Error::internal("OpenSSL: cannot create a TLS session");
  // Memory BIOs grow as needed; empty, they ask OpenSSL to retry later.
  t->from_network_ = BIO_new(BIO_s_mem());
  t->to_network_ = BIO_new(BIO_s_mem());
  if (!t->from_network_ || !t->to_network_) {
    BIO_free(t->from_network_);
    BIO_free(t->to_network_);
    return Error::internal("OpenSSL: cannot create memory BIOs");
  }
  BIO_set_mem_eof_return(t->from_network_, -1);
  BIO_set_mem_eof_return(t->to_network_, -1);
  SSL_set_bio(t->ssl_, t->from_network_, t->to_network_);
  SSL_set_connect_state(t->ssl_);
  bool ip = is_ip_literal(host);
  // RFC 6066: SNI names a host, never an address.
  if (!ip && SSL_set_tlsext_host_name(t->ssl_, host.c_str()) != 1)
    return Error::internal("OpenSSL: cannot set the server name");
  if (check_host && !expect_peer_identity(SSL_get0_param(t->ssl_), host))
    return Error::internal("OpenSSL: cannot set the host name to verify");
  if (!t->advance()) return Error::unreachable(t->error_);  // sends the ClientHello
  return t;
}

TlsStream::~TlsStream() {
  if (ssl_) SSL_free(ssl_);  // frees both BIOs
}

bool TlsStream::feed(std::string_view cipher) {
  if (!cipher.empty() && BIO_write(from_network_, cipher.data(), static_cast<int>(cipher.size())) != static_cast<int>(cipher.size())) {
    error_ = "internal: out of memory for TLS input";
    return false;
  }
  return advance();
}

bool TlsStream::write(std::string_view plain) {
  pending_plain_.append(plain);
  return advance();
}

void TlsStream::close() {
  if (established_) SSL_shutdown(ssl_);
  ERR_clear_error();
}

std::string TlsStream::take_cipher() {
  std::string out;
  char buf[16384];
  for (;;) {
    int n = BIO_read(to_network_, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string TlsStream::take_plain() { return std::exchange(plain_in_, {}); }

bool TlsStream::advance() {
  if (!error_.empty()) return false;
  if (!established_) {
    int r = SSL_do_handshake(ssl_);
    if (r != 1) {
      int e = SSL_get_error(ssl_, r);
      return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? true : fail(r);
    }
    established_ = true;
  }
  while (!pending_plain_.empty()) {
    int n = SSL_write(ssl_, pending_plain_.data(), static_cast<int>(std::min<size_t>(pending_plain_.size(), 1 << 20)));
    if (n <= 0) {
      int e = SSL_get_error(ssl_, n);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) break;
      return fail(n);
    }
    pending_plain_.erase(0, static_cast<size_t>(n));
  }
  char buf[16384];
  for (;;) {
    int n = SSL_read(ssl_, buf, sizeof buf);
    if (n > 0) {
      plain_in_.append(buf, static_cast<size_t>(n));
      continue;
    }
    int e = SSL_get_error(ssl_, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return true;
    if (e == SSL_ERROR_ZERO_RETURN) {
      error_ = "TLS connection closed by server";
      return false;
    }
    return fail(n);
  }
}

bool TlsStream::fail(int ssl_result) {
  long verify = SSL_get_verify_result(ssl_);
  if (!established_ && verify != X509_V_OK) {
    error_ = kCertificateRefused;
  } else {
    unsigned long e = ERR_peek_last_error();
    std::string why;
    if (e) {
      const char* reason = ERR_reason_error_string(e);
      why = reason ? reason : "error " + std::to_string(ERR_GET_REASON(e));
    } else {
      why = "error " + std::to_string(SSL_get_error(ssl_, ssl_result));
    }
    error_ = std::string(established_ ? "TLS connection failed: " : "TLS handshake failed: ") + why;
  }
  ERR_clear_error();
  return false;
}

}  // namespace sipcall
