#include <doctest/doctest.h>

#include <string>

#include "media/dtls/dtls_certificate.h"
#include "media/dtls/dtls_sdp.h"

using namespace sipcall::media::dtls;

namespace {

std::string hex_pairs(size_t n, const char* pair = "AB") {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += (i ? ":" : "") + std::string(pair);
  return s;
}

std::string error_of(std::string_view value) {
  auto r = parse_fingerprint(value);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind() == sipcall::ErrorKind::unusable_sdp);
  CHECK(r.error().message().find('\n') == std::string::npos);
  return r.error().message();
}

}  // namespace

TEST_CASE("fingerprint: every hash we verify parses and formats back") {
  for (auto [hash, len] : {std::pair{FingerprintHash::sha1, 20}, {FingerprintHash::sha224, 28},
                           {FingerprintHash::sha256, 32}, {FingerprintHash::sha384, 48},
                           {FingerprintHash::sha512, 64}}) {
    const std::string value = std::string(hash_name(hash)) + " " + hex_pairs(len, "0F");
    auto fp = parse_fingerprint(value);
    REQUIRE_MESSAGE(fp.ok(), value);
    CHECK(fp->hash == hash);
    CHECK(fp->digest == std::vector<uint8_t>(len, 0x0f));
    CHECK(format_fingerprint(*fp) == value);
  }
}

TEST_CASE("fingerprint: lower-case hex and hash names, surrounding spaces") {
  auto fp = parse_fingerprint("  SHA-256 " + hex_pairs(32, "ab") + " \r\n");
  REQUIRE(fp.ok());
  CHECK(fp->hash == FingerprintHash::sha256);
  CHECK(format_fingerprint(*fp) == "sha-256 " + hex_pairs(32, "AB"));
}

TEST_CASE("fingerprint: bad values get one clear line") {
  CHECK(error_of("sha-256 " + hex_pairs(31)).find("31 bytes, not 32") != std::string::npos);
  CHECK(error_of("sha-256 " + hex_pairs(33)).find("longer than 32 bytes") != std::string::npos);
  CHECK(error_of("sha-1 " + hex_pairs(32)).find("longer than 20 bytes") != std::string::npos);
  CHECK(error_of("sha-256 " + hex_pairs(31) + ":G0").find("not a hex digit") != std::string::npos);
  CHECK(error_of("sha-256 " + hex_pairs(31) + ":A").find("hex pairs") != std::string::npos);
  CHECK(error_of("sha-256 " + hex_pairs(31) + "::AB").find("not a hex digit") != std::string::npos);
  CHECK(error_of("sha-256 ABCD").find("hex pairs") != std::string::npos);
  CHECK(error_of("sha-256 " + hex_pairs(32) + ":").find("hex pairs") != std::string::npos);
  CHECK(error_of("sha-256").find("no hash name and digest") != std::string::npos);
  CHECK(error_of("").find("no hash name and digest") != std::string::npos);
  CHECK(error_of("sha-256 ").find("no hash name and digest") != std::string::npos);
  CHECK(error_of("md5 " + hex_pairs(16)).find("md5, which is refused") != std::string::npos);
  CHECK(error_of("MD2 " + hex_pairs(16)).find("md2, which is refused") != std::string::npos);
  const auto unknown = error_of("sha3-256 " + hex_pairs(32));
  CHECK(unknown.find("a hash we do not know") != std::string::npos);
  CHECK(unknown.find("sha3") == std::string::npos);  // never echoes what the peer sent
  CHECK(error_of(std::string(max_fingerprint_value + 1, ' ')).find("longer than 256 characters") != std::string::npos);
}

TEST_CASE("setup: names parse both ways, anything else is refused") {
  for (Setup s : {Setup::actpass, Setup::active, Setup::passive, Setup::holdconn}) {
    auto parsed = parse_setup(setup_name(s));
    REQUIRE(parsed.ok());
    CHECK(*parsed == s);
  }
  CHECK(parse_setup(" ACTIVE\r\n").ok());
  for (const char* bad : {"", "act", "actpassive", "active passive", "server"}) {
    auto r = parse_setup(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message() == "DTLS: bad a=setup (expected actpass, active, passive or holdconn)");
  }
}

TEST_CASE("setup: the role table (RFC 5763 section 5)") {
  CHECK(offer_setup == Setup::actpass);

  // Answering.
  CHECK(*answer_setup(Setup::actpass) == Setup::active);
  CHECK(*answer_setup(Setup::active) == Setup::passive);
  CHECK(*answer_setup(Setup::passive) == Setup::active);
  CHECK_FALSE(answer_setup(Setup::holdconn).ok());
  CHECK(*role_for_setup(*answer_setup(Setup::actpass)) == DtlsRole::client);
  CHECK(*role_for_setup(*answer_setup(Setup::active)) == DtlsRole::server);
  CHECK(*role_for_setup(*answer_setup(Setup::passive)) == DtlsRole::client);
  CHECK_FALSE(role_for_setup(Setup::actpass).ok());
  CHECK_FALSE(role_for_setup(Setup::holdconn).ok());

  // Offering: the answer decides.
  CHECK(*offerer_role(Setup::active) == DtlsRole::server);
  CHECK(*offerer_role(Setup::passive) == DtlsRole::client);
  auto bad = offerer_role(Setup::actpass);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message() == "DTLS: the answer says a=setup:actpass; an answer must say active or passive (RFC 5763)");
  CHECK_FALSE(offerer_role(Setup::holdconn).ok());
}

TEST_CASE("certificate: one per process, sha-256 fingerprint in SDP form") {
  auto a = DtlsCertificate::for_process();
  auto b = DtlsCertificate::for_process();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->get() == b->get());
  const std::string sdp = format_fingerprint((*a)->fingerprint());
  CHECK(sdp.size() == 8 + 32 * 3 - 1);
  CHECK(sdp.rfind("sha-256 ", 0) == 0);
  for (char c : sdp.substr(8)) CHECK((c == ':' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')));
  auto back = parse_fingerprint(sdp);
  REQUIRE(back.ok());
  CHECK(*back == (*a)->fingerprint());

  auto fresh = DtlsCertificate::generate();
  REQUIRE(fresh.ok());
  CHECK((*fresh)->fingerprint() != (*a)->fingerprint());
}
