// Parsing of the --server URL into the transport and address a SipAgent needs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sipcall/error.h"

namespace sipcall {

enum class Transport { udp, tcp, tls, ws, wss };

// "udp", "tcp", "tls", "ws", "wss": the spelling used in Via, Contact and reports.
std::string_view transport_name(Transport t);
// Upper-case spelling for human lines ("via WSS").
std::string transport_label(Transport t);
bool is_stream(Transport t);
bool is_secure(Transport t);

// What the user gave with --server, normalised.
//   wss://host[:port][/path]  ws://host[:port][/path]
//   sip:host[:port][;transport=udp|tcp|tls]  sips:host[:port]  host[:port]
struct ServerUrl {
  Transport transport = Transport::udp;
  std::string host;   // as written: a name, an IPv4 literal, or an IPv6 literal without brackets
  uint16_t port = 0;  // always set: defaults are 5060 (udp/tcp), 5061 (tls), 80 (ws), 443 (wss)
  std::string path;   // WebSocket request path, starting with '/'; empty for SIP transports

  // ws(s)://host:port/path for WebSocket, sip(s):host:port;transport=x otherwise:
  // how messages and reports name the server (parse_server_url reads it back).
  std::string to_string() const;
  // host:port or [v6]:port, for messages and the WebSocket Host header.
  std::string host_port() const;
  // The URI Sofia sends every request to: sip:host:port;transport=x (sips:
  // for tls; ws and wss by their own names) with maddr=`address`, the
  // server's resolved address, so that Sofia does not resolve the name again
  // while Via and Request-URI keep it.
  std::string sofia_proxy_uri(std::string_view address) const;
};

Result<ServerUrl> parse_server_url(std::string_view text);

// A host as it stands in a URI or beside a port: an IPv6 literal in
// brackets ("[::1]"), anything else (a name, IPv4, "[::1]", "*") as it is.
std::string url_host(std::string_view host);

// "host:port", or "[v6]:port" for an IPv6 address: how every message and
// report field shows an address with its port.
std::string host_port(std::string_view host, int port);

// True when host is an IPv4 or IPv6 literal (no DNS needed).
bool is_ip_literal(std::string_view host);

}  // namespace sipcall
