// Requests over UDP from anyone but the server are dropped unanswered.
//
// Over UDP anyone who finds our port can send us an INVITE (whose SDP then
// tells us where to send RTP), an OPTIONS or MESSAGE, or a BYE with guessed
// tags. Behind a PBX only the PBX has any business doing so: a request whose
// source address and port are not the server's (the address we send to,
// after DNS) is dropped before Sofia-SIP sees it, with no response, so a
// scanner learns nothing; it is counted and reported. Responses are not
// filtered (a PBX may answer from another address; a response matches only
// a transaction of ours).
//
// tcp, tls, ws and wss need no filter: sip-call opens their one connection
// to the server and listens for no other.
//
// Included only by sip_agent.cpp.
#pragma once

#include <sys/socket.h>

#include <functional>
#include <string>

namespace sipcall::request_filter {

// Makes Sofia-SIP's udp type pass every received request through the
// active filter. Once per process, before nua_create; false when Sofia's
// type table is full.
bool hook_udp();

// What to do with each request: `server` is where requests may come from;
// `ignored` hears of each one dropped ("INVITE from 192.0.2.7:5060").
struct Filter {
  sockaddr_storage server{};
  std::function<void(const std::string& what)> ignored;
};

// Makes `filter` the one of this process's agent; false while another is
// active (one agent per process, see sip_agent.h). Until deactivated,
// nothing is filtered.
bool activate(const Filter* filter);
void deactivate(const Filter* filter);

// The address `numeric_host` (an IPv4 or IPv6 literal) and `port`; false
// for anything else.
bool endpoint(const std::string& numeric_host, int port, sockaddr_storage& out);
// Same address family, address and port (an IPv4-mapped IPv6 address equals
// its IPv4 address).
bool same_endpoint(const sockaddr* a, const sockaddr_storage& b);

}  // namespace sipcall::request_filter
