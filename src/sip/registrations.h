// The registration state of each account of a SipAgent: its REGISTERs and
// their refreshes (nua's), the digest answer to a 401/407, the verdict on a
// 2xx that kept no binding, and the watch on the connection that carried
// the last successful REGISTER (tcp, tls, ws, wss), whose loss is reported
// as connection_lost. Internal to src/sip; signalling thread only.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/tport.h>

#include "agent_context.h"
#include "sipcall/sip/sip_trace.h"
#include "sofia_digest.h"

namespace sipcall {

class Registrations {
 public:
  // Account 0 is the one of the agent's options.
  explicit Registrations(AgentContext& agent);
  Registrations(const Registrations&) = delete;
  Registrations& operator=(const Registrations&) = delete;

  // The SipAgent operations of the same names (sip_agent.h).
  int add_account(const SipAccount& account);
  void register_binding(int expires_s, int account);
  void unregister(int account);
  // For shutdown: abandons every registration not in force (nua would keep
  // a failed or unanswered one pending for 30 s) and stops the watch.
  void abandon_pending();
  // Destroys every handle; after nua's shutdown completed.
  void destroy_handles();

  // Any primary transport of our stack, from which connections are looked
  // up (stream transports only; without one nothing is watched).
  void set_primary(tport_t* primary) { primary_ = primary; }
  // A REGISTER we sent (from the trace tap): its CSeq and Contact, which
  // nua does not tell us.
  void note_register_sent(const SipTrace& trace);
  // nua_r_register and nua_r_unregister.
  void on_response(nua_event_t event, int status, char const* phrase, nua_handle_t* nh, sip_t const* sip);
  // Sofia's report that connection `tp` closed (tport_pend callback).
  void on_connection_closed(tport_t* tp, int error);

 private:
  struct Registration {
    SipAccount account;
    nua_handle_t* handle = nullptr;
    std::string sent_contact;  // Contact URI of our last REGISTER
    std::string call_id;       // of our binding, once one was granted
    unsigned long cseq = 0;    // highest CSeq of a REGISTER sent
    sofia_digest::Session auth;
    bool in_force = false;     // between a 2xx to REGISTER and the un-REGISTER or a failure
    bool leaving = false;      // unregister() called: its connection no longer matters
  };

  Registration* find(int account);
  int granted_expires(const Registration& r, sip_t const* sip) const;
  sip_contact_t const* our_contact(const Registration& r, sip_t const* sip) const;
  std::string binding_refused(const Registration& r, sip_t const* sip, int expires_s) const;
  void watch_connection();
  void unwatch_connection();

  AgentContext& agent_;
  // The index is the account id (0: AgentOptions' own).
  std::vector<Registration> registrations_;
  std::map<nua_handle_t*, int> account_of_handle_;
  std::map<std::string, int> account_of_user_;  // AOR user -> account id
  // The connection of the last successful REGISTER, watched for its loss.
  tport_t* primary_ = nullptr;
  tport_t* watched_ = nullptr;  // referenced while watched
  int watch_id_ = 0;            // tport_pend() id
};

}  // namespace sipcall
