// What a SipAgent is to do, as the configuration made it: the server, the
// identity and the policies. Settings only; the agent keeps its live state.
#pragma once

#include <string>

#include "sipcall/config/server_url.h"

namespace sipcall {

struct AgentOptions {
  ServerUrl server;           // where to send everything (outbound proxy)
  std::string server_address; // numeric address of server.host, resolved by the caller
  std::string local_address;  // our address on the route to server_address (UDP binds only there)
  std::string domain;         // SIP domain of the AOR and the registrar (e.g. "1453.3cx.cloud")
  std::string user;           // extension / user part of the AOR
  std::string auth_user;      // digest username (3CX: authentication ID); empty = user
  std::string display_name;
  std::string password;       // never logged; only handed to Sofia's digest code
  std::string ca_file;        // TLS trust for sips:/tls (empty = system CAs)
  bool insecure = false;      // no TLS verification
  int connect_timeout_s = 10;
  // Sofia's transaction timeout (timers B, F and H: 64*T1) [ms], clamped
  // to 1-32 s. --timeout sets it, so that a request the far end never
  // answers ends within --timeout: nua sends a call's requests other than
  // INVITE one after another, and a BYE queued behind an unanswered INFO
  // would otherwise wait RFC 3261's 32 s.
  int transaction_timeout_ms = 32000;
  // tcp, ws, wss: after this long without sending, ping the server (CRLF
  // keepalive of RFC 5626 on tcp, a WebSocket ping on ws/wss) and drop the
  // connection when no answer arrives within keepalive_pong_ms(); the loss
  // is then reported as connection_lost. 0 = no keepalive [ms].
  int keepalive_ms = 0;
  std::string user_agent = "sip-call/0.1";
  bool accept_calls = false;  // false: incoming INVITEs get 480 without an event
  // udp: requests from other sources than server_address:port are dropped
  // unanswered (request_ignored) unless this is set (--accept-from any).
  bool accept_from_any = false;
};

// One more identity registered over the agent's transport (add_account()).
struct SipAccount {
  std::string user;          // user part of the AOR and of the Contact
  std::string auth_user;     // digest username; empty = user
  std::string display_name;
  std::string password;      // never logged
};

}  // namespace sipcall
