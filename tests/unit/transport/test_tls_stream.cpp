// TlsStream and the client policy against an OpenSSL server in memory, with
// certificates made here: no network, no files but the CA bundle.
#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "transport/tls_stream.h"

using namespace sipcall;

namespace {

struct Identity {
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key{EVP_EC_gen("P-256"), EVP_PKEY_free};
  std::unique_ptr<X509, void (*)(X509*)> cert{X509_new(), X509_free};
};

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  REQUIRE(ext);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A CA when `issuer` is null, else a server certificate for `dns` it signed.
Identity make_identity(const char* cn, const Identity* issuer, const char* dns = nullptr) {
  Identity id;
  X509* c = id.cert.get();
  X509_set_version(c, 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(c), serial++);
  X509_gmtime_adj(X509_getm_notBefore(c), -60);
  X509_gmtime_adj(X509_getm_notAfter(c), 3600);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509* issuer_cert = issuer ? issuer->cert.get() : c;
  X509_set_issuer_name(c, X509_get_subject_name(issuer_cert));
  X509_set_pubkey(c, id.key.get());
  if (issuer) {
    add_extension(c, issuer_cert, NID_subject_alt_name, (std::string("DNS:") + dns).c_str());
  } else {
    add_extension(c, c, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(c, c, NID_key_usage, "critical,keyCertSign");
  }
  REQUIRE(X509_sign(c, issuer ? issuer->key.get() : id.key.get(), EVP_sha256()) > 0);
  return id;
}

// The CA as a PEM file, as --ca-file takes it.
struct CaFile {
  std::string path;
  explicit CaFile(const Identity& ca) {
    char templ[] = "/tmp/test-tls-ca-XXXXXX";
    int fd = mkstemp(templ);
    REQUIRE(fd >= 0);
    path = templ;
    FILE* f = fdopen(fd, "w");
    PEM_write_X509(f, ca.cert.get());
    fclose(f);
  }
  ~CaFile() { unlink(path.c_str()); }
};

// One TLS server connection over memory BIOs.
struct Server {
  SslContext ctx{SSL_CTX_new(TLS_server_method()), SSL_CTX_free};
  SSL* ssl = nullptr;
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  std::string received;

  explicit Server(const Identity& id, bool old_versions_only = false) {
    SSL_CTX_use_certificate(ctx.get(), id.cert.get());
    SSL_CTX_use_PrivateKey(ctx.get(), id.key.get());
    if (old_versions_only) {
      SSL_CTX_set_security_level(ctx.get(), 0);
      SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx.get(), TLS1_1_VERSION);
    }
    ssl = SSL_new(ctx.get());
    BIO_set_mem_eof_return(in, -1);
    BIO_set_mem_eof_return(out, -1);
    SSL_set_bio(ssl, in, out);
    SSL_set_accept_state(ssl);
  }
  ~Server() { SSL_free(ssl); }

  void write(const std::string& s) { SSL_write(ssl, s.data(), static_cast<int>(s.size())); }

  // Carries bytes both ways until neither side has more; false once the
  // client gave up.
  bool exchange(TlsStream& client) {
    for (int round = 0; round < 20; ++round) {
      std::string c = client.take_cipher();
      if (!c.empty()) BIO_write(in, c.data(), static_cast<int>(c.size()));
      char buf[4096];
      int n;
      while ((n = SSL_read(ssl, buf, sizeof buf)) > 0) received.append(buf, static_cast<size_t>(n));
      std::string s;
      while ((n = BIO_read(out, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
      if (c.empty() && s.empty()) return true;
      if (!client.feed(s)) return false;
    }
    return true;
  }
};

struct Pki {
  Identity ca = make_identity("test CA", nullptr);
  Identity server = make_identity("pbx.test", &ca, "pbx.test");
  CaFile ca_file{ca};
};

// `permissive` does to the context what an OpenSSL configuration that
// allows TLS 1.0 at security level 0 would (Debian's asks for TLS 1.2).
std::unique_ptr<TlsStream> client_for(const Pki& pki, const std::string& host, bool insecure = false,
                                      bool permissive = false) {
  auto ctx = client_context(insecure ? "" : pki.ca_file.path, insecure);
  REQUIRE(ctx.ok());
  if (permissive) {
    SSL_CTX_set_min_proto_version(ctx.value().get(), TLS1_VERSION);
    SSL_CTX_set_security_level(ctx.value().get(), 0);
  }
  auto t = TlsStream::start(ctx.value().get(), host, !insecure);
  REQUIRE(t.ok());
  return std::move(t.value());  // its SSL holds a reference to the context
}

}  // namespace

TEST_SUITE("tls_stream") {
  TEST_CASE("tls_stream carries a byte stream both ways, CRLF keepalives unchanged") {
    Pki pki;
    Server server(pki.server);
    auto client = client_for(pki, "pbx.test");
    CHECK(client->write("REGISTER sip:pbx.test SIP/2.0\r\n\r\n\r\n\r\n"));  // held until the handshake ends
    CHECK(server.exchange(*client));
    REQUIRE(client->established());
    CHECK(client->error().empty());
    CHECK(server.received == "REGISTER sip:pbx.test SIP/2.0\r\n\r\n\r\n\r\n");
    server.write("\r\n");
    CHECK(server.exchange(*client));
    CHECK(client->take_plain() == "\r\n");
  }

  TEST_CASE("tls_stream refuses a certificate from another CA, unless insecure") {
    Pki pki;
    Identity other_ca = make_identity("other CA", nullptr);
    Server server(make_identity("pbx.test", &other_ca, "pbx.test"));
    auto client = client_for(pki, "pbx.test");
    CHECK_FALSE(server.exchange(*client));
    CHECK_FALSE(client->established());
    CHECK(client->error() == kCertificateRefused);

    Server again(make_identity("pbx.test", &other_ca, "pbx.test"));
    auto lax = client_for(pki, "pbx.test", true);
    CHECK(again.exchange(*lax));
    CHECK(lax->established());
  }

  TEST_CASE("tls_stream checks the host name, unless insecure") {
    Pki pki;
    Server server(pki.server);
    auto client = client_for(pki, "other.test");
    CHECK_FALSE(server.exchange(*client));
    CHECK(client->error() == kCertificateRefused);

    Server again(pki.server);
    auto lax = client_for(pki, "other.test", true);
    CHECK(again.exchange(*lax));
    CHECK(lax->established());
  }

  TEST_CASE("tls_stream refuses TLS 1.0 and 1.1, whatever OpenSSL's configuration allows") {
    Pki pki;
    for (bool permissive : {false, true}) {
      CAPTURE(permissive);
      Server server(pki.server, true);
      auto client = client_for(pki, "pbx.test", false, permissive);
      CHECK_FALSE(server.exchange(*client));
      CHECK_FALSE(client->established());
      CHECK(client->error().rfind("TLS handshake failed: ", 0) == 0);
    }
  }

  TEST_CASE("tls_stream reports the server's close_notify") {
    Pki pki;
    Server server(pki.server);
    auto client = client_for(pki, "pbx.test");
    CHECK(server.exchange(*client));
    REQUIRE(client->established());
    SSL_shutdown(server.ssl);
    CHECK_FALSE(server.exchange(*client));
    CHECK(client->error() == "TLS connection closed by server");
  }

  TEST_CASE("client_context refuses an unreadable CA file") {
    auto ctx = client_context("/nonexistent/ca.pem", false);
    CHECK_FALSE(ctx.ok());
  }
}
