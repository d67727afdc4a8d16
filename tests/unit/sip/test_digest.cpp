#include <doctest/doctest.h>

#include "sip/digest.h"

using namespace sipcall;
using namespace sipcall::digest;

namespace {

// RFC 7616 3.9.1: the worked example (user Mufasa, password Circle of Life).
Choice rfc7616(const std::string& algorithm) {
  auto c = parse_challenge("Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=" + algorithm +
                           ", nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
                           "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
  REQUIRE(c.ok());
  auto choice = choose({c.value()});
  REQUIRE(choice.ok());
  return choice.value();
}

const Request kGet{"GET", "/dir/index.html", ""};
const std::string kCnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

}  // namespace

TEST_SUITE("digest") {
  TEST_CASE("digest::response matches RFC 7616's worked examples") {
    CHECK(response(rfc7616("MD5"), "Mufasa", "Circle of Life", kGet, kCnonce, 1) ==
          "8ca523f5e9506fed4657c9700eebdbec");
    CHECK(response(rfc7616("SHA-256"), "Mufasa", "Circle of Life", kGet, kCnonce, 1) ==
          "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  }

  TEST_CASE("digest::response without qop is RFC 2069's H(HA1:nonce:HA2)") {
    // RFC 2617 3.5 without qop, computed independently (python hashlib).
    auto c = parse_challenge("Digest realm=\"r\", nonce=\"n\"");
    REQUIRE(c.ok());
    auto choice = choose({c.value()});
    REQUIRE(choice.ok());
    CHECK(choice->qop.empty());
    CHECK(response(choice.value(), "u", "p", {"REGISTER", "sip:r", ""}, "", 1) == "5790559ba44538767b07fb5adb649909");
  }

  TEST_CASE("digest::parse_challenge unescapes quoted strings and authorization escapes them again") {
    auto c = parse_challenge(R"(Digest realm="pbx \"q\", x:y", nonce="a\\b", opaque="o\"p", stale=TRUE, qop="auth")");
    REQUIRE(c.ok());
    CHECK(c->realm == "pbx \"q\", x:y");
    CHECK(c->nonce == "a\\b");
    CHECK(c->opaque == "o\"p");
    CHECK(c->stale);
    auto choice = choose({c.value()});
    REQUIRE(choice.ok());
    auto header = authorization(choice.value(), "101", "pw", {"REGISTER", "sip:pbx.test", ""}, "cn", 1);
    CHECK(header.find(R"(realm="pbx \"q\", x:y")") != std::string::npos);
    CHECK(header.find(R"(nonce="a\\b")") != std::string::npos);
    CHECK(header.find(R"(opaque="o\"p")") != std::string::npos);
    CHECK(header.find("nc=00000001") != std::string::npos);
    CHECK(header.find("pw") == std::string::npos);
  }

  TEST_CASE("digest::parse_challenge refuses what is no challenge") {
    CHECK(!parse_challenge("").ok());
    CHECK(!parse_challenge("Digest realm=\"open").ok());
    CHECK(!parse_challenge("Digest realm").ok());
    CHECK(!parse_challenge("Digest realm=\"a\\\r\nInjected: 1\"").ok());
    CHECK(!parse_challenge(std::string(5000, 'x')).ok());
    CHECK(!parse_challenge(std::string("Digest realm=\x02\0t\", nonce=\"n\"", 28)).ok());
    CHECK(parse_challenge("Negotiate abc==").ok());  // a token68: not ours to answer, but a challenge
  }

  TEST_CASE("digest::choose prefers the strongest and says why it answers none") {
    auto parse = [](const char* v) { return parse_challenge(v).value(); };
    auto best = choose({parse("Digest realm=\"r\", nonce=\"1\", algorithm=MD5"),
                        parse("Digest realm=\"r\", nonce=\"2\", algorithm=SHA-512-256, qop=\"auth\""),
                        parse("Digest realm=\"r\", nonce=\"3\", algorithm=SHA-256")});
    REQUIRE(best.ok());
    CHECK(best->algorithm == Algorithm::sha512_256);
    CHECK(best->challenge.nonce == "2");

    auto basic = choose({parse("Basic realm=\"r\"")});
    REQUIRE(!basic.ok());
    CHECK(basic.error().kind() == ErrorKind::auth_refused);
    CHECK(basic.error().message().find("Basic") != std::string::npos);

    auto unknown = choose({parse("Digest realm=\"r\", nonce=\"1\", algorithm=SHA3-512")});
    REQUIRE(!unknown.ok());
    CHECK(unknown.error().kind() == ErrorKind::auth_refused);
    CHECK(unknown.error().message().find("SHA3-512") != std::string::npos);

    auto no_nonce = choose({parse("Digest realm=\"r\"")});
    REQUIRE(!no_nonce.ok());
    CHECK(no_nonce.error().kind() == ErrorKind::sip_refused);
    CHECK(no_nonce.error().message() == "malformed challenge: Digest without nonce");
    CHECK(choose({parse("Digest nonce=\"n\"")}).error().message() == "malformed challenge: Digest without realm");
    CHECK(!choose({parse("Digest realm=\"r\", nonce=\"1\", qop=\"auth-conf\"")}).ok());
  }

  TEST_CASE("digest::new_cnonce is fresh each time") {
    CHECK(new_cnonce() != new_cnonce());
    CHECK(new_cnonce().size() == 32);
  }
}
