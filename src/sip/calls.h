// The calls of a SipAgent: which nua handle is which call id, nua's call
// events translated into SipEvents (INVITE and its responses, re-INVITE,
// UPDATE, ACK, BYE, CANCEL, INFO), the digest answer to a challenged INVITE
// and the release of one we will not answer. Internal to src/sip; signalling
// thread only.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>

#include "agent_context.h"
#include "sofia_digest.h"

namespace sipcall {

class Calls {
 public:
  explicit Calls(AgentContext& agent) : agent_(agent) {}
  Calls(const Calls&) = delete;
  Calls& operator=(const Calls&) = delete;

  // The SipAgent operations of the same names (sip_agent.h).
  int invite(const std::string& target_uri, const std::string& sdp_offer);
  void respond(int call, int status, const std::string& sdp);
  void respond_update(int call, int status, const std::string& sdp);
  void refuse(int call, int status, const std::string& warning);
  void cancel(int call);
  void bye(int call);
  void send_dtmf_info(int call, char digit, int duration_ms);

  // Whether nua reports this event about calls (on_event takes it).
  static bool handles(nua_event_t event);
  void on_event(nua_event_t event, int status, char const* phrase, nua_handle_t* nh, sip_t const* sip,
                tagi_t const* tags);
  // Destroys every handle; after nua's shutdown completed.
  void destroy_handles();

 private:
  struct Call {
    int id = 0;
    sofia_digest::Session auth;  // one answer per INVITE (and stale ones), like REGISTER
    bool confirmed = false;  // nua_callstate_ready reached: UPDATEs are ours to answer
    // Our BYE awaits its answer; when the far end's own BYE crossed it, nua
    // says the call is terminated first, and the handle is kept until the
    // answer comes (nua's transaction timer bounds that wait).
    bool bye_pending = false;
    bool terminated = false;
    // UPDATEs awaiting respond_update(), oldest first (their events are
    // handled in order): nua answers a request other than INVITE only when
    // told which one (NUTAG_WITH).
    std::deque<std::shared_ptr<nua_saved_event_t>> updates;
  };

  void on_new_invite(nua_handle_t* nh, sip_t const* sip);
  void on_invite_response(Call& call, int status, char const* phrase, nua_handle_t* nh, sip_t const* sip);
  void emit_call(SipEventType type, int call, int status, char const* phrase, sip_t const* sip);
  void emit_refused_call(int call, int status, char const* phrase, const Error& why);
  // Forgets the call, destroys its handle and emits call_terminated.
  void release_call(nua_handle_t* nh);
  nua_handle_t* handle_of(int call) const;

  AgentContext& agent_;
  std::map<nua_handle_t*, Call> calls_;
  int next_call_id_ = 1;  // ids are never reused within an agent
};

}  // namespace sipcall
