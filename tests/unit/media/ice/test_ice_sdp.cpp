#include <doctest/doctest.h>

#include "ice_sdp.h"

using namespace sipcall;
using namespace sipcall::media::ice;

namespace {

Candidate usable(std::string_view line) {
  auto p = parse_candidate(line);
  REQUIRE_MESSAGE(p.ok(), p.error().message());
  REQUIRE(p->candidate);
  return *p->candidate;
}

std::string skip_reason(std::string_view line) {
  auto p = parse_candidate(line);
  REQUIRE_MESSAGE(p.ok(), p.error().message());
  REQUIRE(p->skipped);
  return p->skipped->reason;
}

std::string error_of(std::string_view line) {
  auto p = parse_candidate(line);
  REQUIRE(!p.ok());
  CHECK(p.error().kind() == ErrorKind::unusable_sdp);
  return p.error().message();
}

}  // namespace

TEST_CASE("ice candidate: Chrome's srflx line with raddr and extensions") {
  const auto c = usable(
      "842163049 1 udp 1677729535 198.51.100.7 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag EsAw "
      "network-cost 999");
  CHECK(c.foundation == "842163049");
  CHECK(c.component == 1);
  CHECK(c.priority == 1677729535u);
  CHECK(c.address == "198.51.100.7");
  CHECK(c.port == 46154);
  CHECK(c.type == CandidateType::srflx);
  REQUIRE(c.related_address);
  CHECK(*c.related_address == "0.0.0.0");
  CHECK(c.related_port == 0);
}

TEST_CASE("ice candidate: the 'candidate:' prefix of the JS API is accepted") {
  const auto c = usable("candidate:3 1 UDP 2122260223 127.0.0.1 50230 typ host generation 0 network-id 1");
  CHECK(c.type == CandidateType::host);
  CHECK(c.address == "127.0.0.1");
  CHECK(c.port == 50230);
  CHECK(!c.related_address);
}

TEST_CASE("ice candidate: IPv6 host and relay types") {
  const auto v6 = usable("2999745851 1 udp 2122262783 2001:DB8::5 51827 typ host generation 0 network-id 2");
  CHECK(v6.address == "2001:db8::5");  // normalised
  const auto relay = usable("4 1 udp 41885439 203.0.113.9 3478 typ relay raddr 198.51.100.7 rport 46154");
  CHECK(relay.type == CandidateType::relay);
  CHECK(usable("5 1 udp 1845501695 198.51.100.9 5000 typ prflx raddr 10.0.0.1 rport 5000").type ==
        CandidateType::prflx);
}

TEST_CASE("ice candidate: tcp, other transports, mDNS names and unknown types are skipped") {
  CHECK(skip_reason("1052214027 1 tcp 1518280447 198.51.100.7 9 typ host tcptype active generation 0") ==
        "tcp candidate");
  CHECK(skip_reason("1052214027 1 tcp 1518280447 198.51.100.7 50000 typ host tcptype passive") ==
        "tcp candidate");
  CHECK(skip_reason("1 1 sctp 100 198.51.100.7 5000 typ host").find("transport sctp") != std::string::npos);
  CHECK(skip_reason("2395300328 1 udp 2113937151 3a9f7c1e-8d2b-4c5a-9e6f-1b2c3d4e5f60.local 54400 typ host "
                    "generation 0 network-cost 999")
            .find("mDNS") != std::string::npos);
  CHECK(skip_reason("1 1 udp 100 pbx.example.com 5000 typ host").find("host name") != std::string::npos);
  CHECK(skip_reason("1 1 udp 100 198.51.100.7 5000 typ wormhole") == "candidate type wormhole");
}

TEST_CASE("ice candidate: broken lines are errors that name the field") {
  CHECK(error_of("").find("fields") != std::string::npos);
  CHECK(error_of("1 1 udp 100 198.51.100.7 5000 typ").find("fields") != std::string::npos);
  CHECK(error_of("1 0 udp 100 198.51.100.7 5000 typ host").find("component") != std::string::npos);
  CHECK(error_of("1 257 udp 100 198.51.100.7 5000 typ host").find("component") != std::string::npos);
  CHECK(error_of("1 1 udp 0 198.51.100.7 5000 typ host").find("priority") != std::string::npos);
  CHECK(error_of("1 1 udp 2147483648 198.51.100.7 5000 typ host").find("priority") != std::string::npos);
  CHECK(error_of("1 1 udp 99999999999 198.51.100.7 5000 typ host").find("priority") != std::string::npos);
  CHECK(error_of("1 1 udp 100 198.51.100.7 65536 typ host").find("port") != std::string::npos);
  CHECK(error_of("1 1 udp 100 198.51.100.7 0 typ host").find("port 0") != std::string::npos);
  CHECK(error_of("1 1 udp 100 198.51.100.7 5x typ host").find("port") != std::string::npos);
  CHECK(error_of("1 1 udp 100 198.51.100.7 5000 type host").find("'typ'") != std::string::npos);
  CHECK(error_of("1 1 udp 100 [::1] 5000 typ host").find("address") != std::string::npos);
  CHECK(error_of("f_o 1 udp 100 198.51.100.7 5000 typ host").find("foundation") != std::string::npos);
  CHECK(error_of(std::string(33, 'a') + " 1 udp 100 198.51.100.7 5000 typ host").find("foundation") !=
        std::string::npos);
  CHECK(error_of("1 1 udp 100 198.51.100.7 5000 typ host generation").find("no value") != std::string::npos);
  CHECK(error_of("1 1 udp 100 198.51.100.7 5000 typ srflx raddr 1.2.3.4 rport 70000").find("rport") !=
        std::string::npos);
  CHECK(error_of("1 1 udp 100 198.51.100.7 5000 typ srflx raddr a_b rport 1").find("raddr") != std::string::npos);
  CHECK(error_of("1 1 udp 100 198.51.100.7 5000 typ host\r").find("control") != std::string::npos);
  CHECK(error_of("1 1 udp 100 198.51.100.7 5000 typ host " + std::string(600, 'x')).find("longer") !=
        std::string::npos);
}

TEST_CASE("ice candidate: rport without a usable raddr is dropped with it") {
  const auto c = usable("1 1 udp 100 198.51.100.7 5000 typ srflx raddr a1.local rport 7");
  CHECK(!c.related_address);
  CHECK(c.related_port == 0);
  CHECK(usable("1 1 udp 100 198.51.100.7 5000 typ srflx rport 7").related_port == 0);
}

TEST_CASE("ice candidate: format and parse agree") {
  Candidate c{"1", 1, 2130706431, "127.0.0.1", 40012, CandidateType::host, std::nullopt, 0};
  CHECK(format_candidate(c) == "1 1 udp 2130706431 127.0.0.1 40012 typ host");
  CHECK(usable(format_candidate(c)) == c);
  Candidate s{"abc+/", 1, 1677729535, "2001:db8::7", 9, CandidateType::srflx, "fe80::1", 1234};
  CHECK(format_candidate(s) == "abc+/ 1 udp 1677729535 2001:db8::7 9 typ srflx raddr fe80::1 rport 1234");
  CHECK(usable(format_candidate(s)) == s);
}

TEST_CASE("ice credentials: length and character rules") {
  CHECK(check_ufrag("EsAw").ok());
  CHECK(!check_ufrag("abc").ok());
  CHECK(!check_ufrag(std::string(257, 'a')).ok());
  CHECK(!check_ufrag("ab-cd").ok());
  CHECK(check_pwd("bvW3nRgeJ0X5p4sU1Q/LeH+j").ok());
  CHECK(!check_pwd("short").ok());
  CHECK(!check_pwd(std::string(21, 'a')).ok());
  CHECK(!check_pwd(std::string(22, 'a') + "=").ok());
  // The pwd never appears in the message.
  const std::string secret = "Secret-Secret-Secret-Secret";
  CHECK(check_pwd(secret).message().find("Secret") == std::string::npos);
}

TEST_CASE("ice credentials: random ones follow the rules and differ") {
  auto a = random_credentials();
  auto b = random_credentials();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(check_ufrag(a->ufrag).ok());
  CHECK(check_pwd(a->pwd).ok());
  CHECK(a->ufrag.size() == 8);
  CHECK(a->pwd.size() == 24);
  CHECK(a->pwd != b->pwd);
}

TEST_CASE("ice options: trickle and ice2 are recognised, bad tags refused") {
  auto o = parse_ice_options("trickle ice2 renomination");
  REQUIRE(o.ok());
  CHECK(o->trickle);
  CHECK(o->ice2);
  CHECK(o->others == std::vector<std::string>{"renomination"});
  CHECK(!parse_ice_options("").ok());
  CHECK(!parse_ice_options("trick-le").ok());
}

TEST_CASE("ice remote description: Chrome's audio section") {
  RemoteDescription r;
  const std::pair<const char*, const char*> lines[] = {
      {"ice-ufrag", "EsAw"},
      {"ice-pwd", "bvW3nRgeJ0X5p4sU1Q/LeH+j"},
      {"ice-options", "trickle"},
      {"fingerprint", "sha-256 AA:BB"},
      {"candidate", "2395300328 1 udp 2113937151 3a9f7c1e-8d2b-4c5a-9e6f-1b2c3d4e5f60.local 54400 typ host "
                    "generation 0 network-cost 999"},
      {"candidate", "3 1 udp 2122260223 127.0.0.1 50230 typ host generation 0 network-id 1"},
      {"candidate", "3 2 udp 2122260222 127.0.0.1 50231 typ host generation 0 network-id 1"},
      {"candidate", "1052214027 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active generation 0"},
      {"candidate", "3 1 udp 2122260223 127.0.0.1 50230 typ host generation 0 network-id 1"},
      {"end-of-candidates", ""},
  };
  for (auto [name, value] : lines) {
    auto e = r.add_attribute(name, value);
    CHECK_MESSAGE(e.ok(), e.message());
  }
  CHECK(r.check_complete().ok());
  CHECK(r.ufrag() == "EsAw");
  CHECK(r.options().trickle);
  CHECK(r.end_of_candidates());
  REQUIRE(r.candidates().size() == 1);
  CHECK(r.candidates()[0].port == 50230);
  CHECK(r.skipped_count() == 4);  // mDNS, component 2, tcp, duplicate
}

TEST_CASE("ice remote description: session-level credentials, overridden per media") {
  RemoteDescription r;
  CHECK(r.add_attribute("ice-ufrag", "sess", true).ok());
  CHECK(r.add_attribute("ice-pwd", "session-level-password-x", true).ok() == false);  // '-' is no ice-char
  CHECK(r.add_attribute("ice-pwd", "sessionlevelpasswordxyz", true).ok());
  CHECK(r.ufrag() == "sess");
  CHECK(r.add_attribute("ice-ufrag", "medi").ok());
  CHECK(r.ufrag() == "medi");
  CHECK(r.pwd() == "sessionlevelpasswordxyz");
  CHECK(!r.add_attribute("ice-ufrag", "twice").ok());
  CHECK(!r.add_attribute("candidate", "1 1 udp 1 127.0.0.1 1 typ host", true).ok());
}

TEST_CASE("ice remote description: incomplete ones say what is missing") {
  RemoteDescription r;
  CHECK(r.check_complete().message().find("ice-ufrag") != std::string::npos);
  CHECK(r.add_attribute("ice-ufrag", "EsAw").ok());
  CHECK(r.check_complete().message().find("ice-pwd") != std::string::npos);
  CHECK(r.add_attribute("ice-pwd", "bvW3nRgeJ0X5p4sU1Q/LeH+j").ok());
  CHECK(r.add_attribute("candidate", "1 1 tcp 1 127.0.0.1 9 typ host tcptype active").ok());
  const auto why = r.check_complete().message();
  CHECK(why.find("no usable candidate") != std::string::npos);
  CHECK(why.find("tcp candidate") != std::string::npos);
}

TEST_CASE("ice remote description: at most 25 candidates are kept") {
  RemoteDescription r;
  for (int i = 0; i < 30; ++i)
    CHECK(r.add_attribute("candidate", "1 1 udp 100 127.0.0.1 " + std::to_string(1000 + i) + " typ host").ok());
  CHECK(r.candidates().size() == RemoteDescription::max_candidates);
  CHECK(r.skipped_count() == 5);
}

TEST_CASE("ice sdp: many candidates skipped alike make one short reason, not a list of repeats") {
  RemoteDescription d;
  CHECK(d.add_attribute("ice-ufrag", "abcd").ok());
  CHECK(d.add_attribute("ice-pwd", "0123456789abcdefghijklmn").ok());
  for (int i = 0; i < 20; ++i)
    CHECK(d.add_attribute("candidate", "1 2 udp 2130706431 127.0.0.1 " + std::to_string(4000 + i) + " typ host").ok());
  CHECK(d.skipped_count() == 20);
  CHECK(d.skipped_reasons().size() == 1);
  Error e = d.check_complete();
  REQUIRE_FALSE(e.ok());
  CHECK(e.message().find("20 skipped") != std::string::npos);
  CHECK(e.message().size() < 200);
}
