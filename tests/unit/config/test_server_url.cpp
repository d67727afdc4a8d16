#include <doctest/doctest.h>

#include "sipcall/config/server_url.h"

using namespace sipcall;

TEST_SUITE("server_url") {
  TEST_CASE("server_url::parse accepts every documented form") {
    struct Row {
      const char* text;
      Transport transport;
      const char* host;
      uint16_t port;
      const char* path;
    };
    const Row rows[] = {
        {"wss://pbx.example.com:5001/ws", Transport::wss, "pbx.example.com", 5001, "/ws"},
        {"wss://pbx.example.com", Transport::wss, "pbx.example.com", 443, "/"},
        {"WS://10.0.0.1:8080/sip/ws?x=1", Transport::ws, "10.0.0.1", 8080, "/sip/ws?x=1"},
        {"ws://[::1]:8088/ws", Transport::ws, "::1", 8088, "/ws"},
        {"sip:pbx.test", Transport::udp, "pbx.test", 5060, ""},
        {"sip:pbx.test:5070;transport=tcp", Transport::tcp, "pbx.test", 5070, ""},
        {"sip:127.0.0.1:5070;transport=TLS", Transport::tls, "127.0.0.1", 5070, ""},
        {"sips:pbx.test", Transport::tls, "pbx.test", 5061, ""},
        {"sip:[::1]:5080;transport=udp", Transport::udp, "::1", 5080, ""},
        {"pbx.test:5062", Transport::udp, "pbx.test", 5062, ""},
    };
    for (const auto& r : rows) {
      CAPTURE(r.text);
      auto url = parse_server_url(r.text);
      REQUIRE(url.ok());
      CHECK(url->transport == r.transport);
      CHECK(url->host == r.host);
      CHECK(url->port == r.port);
      CHECK(url->path == r.path);
    }
  }

  TEST_CASE("server_url::parse rejects bad input with a usage error") {
    const char* rows[] = {"",
                          "http://pbx/ws",
                          "wss://:443/ws",
                          "sip:pbx:0",
                          "sip:pbx:70000",
                          "sip:pbx:12ab",
                          "sip:101@pbx",
                          "sip:pbx;transport=carrier-pigeon",
                          "sip:pbx;lr",
                          "ws://::1:80/ws",
                          "ws://[::1/ws",
                          "sip:pb x"};
    for (const char* text : rows) {
      CAPTURE(text);
      auto url = parse_server_url(text);
      REQUIRE_FALSE(url.ok());
      CHECK(url.error().kind() == ErrorKind::bad_input);
      CHECK(url.error().message().find("--server") != std::string::npos);
    }
  }

  TEST_CASE("server_url::to_string round-trips") {
    auto url = parse_server_url("wss://pbx.example.com:5001/ws");
    REQUIRE(url.ok());
    CHECK(url->to_string() == "wss://pbx.example.com:5001/ws");
    auto v6 = parse_server_url("sip:[::1]:5080;transport=tcp");
    REQUIRE(v6.ok());
    CHECK(v6->to_string() == "sip:[::1]:5080;transport=tcp");
  }

  TEST_CASE("server_url::is_ip_literal") {
    CHECK(is_ip_literal("127.0.0.1"));
    CHECK(is_ip_literal("::1"));
    CHECK_FALSE(is_ip_literal("localhost"));
    CHECK_FALSE(is_ip_literal("127.0.0.1.example"));
  }

  TEST_CASE("server_url::host_port brackets an IPv6 address and nothing else") {
    CHECK(host_port("::1", 9000) == "[::1]:9000");
    CHECK(host_port("2001:db8::7", 5060) == "[2001:db8::7]:5060");
    CHECK(host_port("[::1]", 9000) == "[::1]:9000");
    CHECK(host_port("192.0.2.7", 5060) == "192.0.2.7:5060");
    CHECK(host_port("pbx.test", 5061) == "pbx.test:5061");
  }

  TEST_CASE("server_url::url_host brackets an IPv6 literal once") {
    CHECK(url_host("::1") == "[::1]");
    CHECK(url_host("[::1]") == "[::1]");
    CHECK(url_host("192.0.2.7") == "192.0.2.7");
    CHECK(url_host("pbx.test") == "pbx.test");
    CHECK(url_host("*") == "*");
    CHECK(url_host("") == "");
  }

  TEST_CASE("server_url::ServerUrl::host_port is what the WebSocket Host header carries") {
    auto v6 = parse_server_url("wss://[2001:db8::7]/ws");
    REQUIRE(v6.ok());
    CHECK(v6->host == "2001:db8::7");  // unbracketed: what connect() and SNI take
    CHECK(v6->host_port() == "[2001:db8::7]:443");
    CHECK(v6->path == "/ws");
    auto name = parse_server_url("ws://pbx.test:8080");
    REQUIRE(name.ok());
    CHECK(name->host_port() == "pbx.test:8080");
    CHECK(name->path == "/");
  }

  TEST_CASE("server_url::sofia_proxy_uri names the server, its transport and the resolved address") {
    struct Row {
      const char* text;
      const char* address;
      const char* uri;
    };
    const Row rows[] = {
        {"sip:pbx.test", "192.0.2.7", "sip:pbx.test:5060;transport=udp;maddr=192.0.2.7"},
        {"sip:pbx.test:5070;transport=tcp", "192.0.2.7", "sip:pbx.test:5070;transport=tcp;maddr=192.0.2.7"},
        {"sips:pbx.test", "192.0.2.7", "sips:pbx.test:5061;transport=tls;maddr=192.0.2.7"},
        {"ws://pbx.test/ws", "192.0.2.7", "sip:pbx.test:80;transport=ws;maddr=192.0.2.7"},
        {"wss://[::1]:8443/ws", "::1", "sip:[::1]:8443;transport=wss;maddr=[::1]"},
        {"sip:[2001:db8::7]:5080;transport=udp", "2001:db8::7",
         "sip:[2001:db8::7]:5080;transport=udp;maddr=[2001:db8::7]"},
    };
    for (const auto& r : rows) {
      CAPTURE(r.text);
      auto url = parse_server_url(r.text);
      REQUIRE(url.ok());
      CHECK(url->sofia_proxy_uri(r.address) == r.uri);
    }
  }
}
