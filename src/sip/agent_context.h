// What the parts of a SipAgent share (registrations.h, calls.h): the agent's
// options, its nua, its listener, the trace tap that tells real responses
// from ones Sofia made up, and the bridge that knows why a connection failed.
// SipAgent::Impl owns all of it and outlives the parts. Internal to src/sip;
// signalling thread only.
#pragma once

#include <string>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>

#include "sipcall/config/agent_options.h"
#include "sipcall/error.h"
#include "sipcall/sip/sip_agent.h"
#include "sofia_digest.h"

namespace sipcall {

class TraceTap;
class StreamBridge;

struct AgentContext {
  AgentOptions options;
  SipListener* listener = nullptr;
  nua_t* nua = nullptr;               // set once nua_create succeeded
  const TraceTap* trace_tap = nullptr;
  const StreamBridge* bridge = nullptr;   // ws, wss and tls only

  void emit(SipEvent e) const { listener->on_sip_event(e); }
  // Whether the server sent this response (else Sofia made it up).
  bool from_network(int status, sip_t const* sip) const;
  // Why the transport failed, as far as the bridge knows; may be empty.
  std::string transport_detail() const;
  // The identity of AgentOptions: account 0, and the caller of our INVITEs.
  SipAccount own_account() const;
  std::string aor_of(const std::string& user) const;  // sip:user@domain
};

// Answers the challenges of a 401/407 with our digest client (never Basic);
// see sofia_digest.h for when a challenge is a rejection.
Result<bool> answer_challenge(sofia_digest::Session& auth, nua_handle_t* nh, sip_t const* sip,
                              const SipAccount& account);

}  // namespace sipcall
