// SipAgent: sip-call's SIP user agent, on Sofia-SIP's nua. It turns nua's one
// callback into typed SipEvents and offers the few operations sip-call needs.
// Sofia-SIP stays inside src/sip (see sip_agent.cpp for which files); no type
// of it crosses this header.
//
// Threading: everything runs on the thread that calls run_for(); the agent is
// not thread-safe. Ownership: the listener must outlive the agent.
//
// One agent per process: Sofia's log, from which the agent learns what went
// over the wire, has one sink, and so has the udp request filter. While an
// agent lives, create() of another fails with an internal Error.
#pragma once

#include <memory>
#include <string>

#include "sipcall/error.h"
#include "sipcall/config/agent_options.h"
#include "sipcall/sip/signalling.h"
#include "sipcall/sip/sip_trace.h"

namespace sipcall {

enum class SipEventType {
  trace,                // a message was sent or received (SipEvent::trace)
  registered,           // 2xx to REGISTER (also each refresh)
  registration_failed,  // final failure of REGISTER
  unregistered,         // 2xx to the un-REGISTER, or its failure (status tells)
  shutdown_complete,    // the agent released every transaction and connection
  // The connection that carried the last successful REGISTER (tcp, tls, ws,
  // wss) closed or stopped answering keepalives; `detail` says why. nua
  // sends a new REGISTER over a new connection by itself at once, so a
  // registered or registration_failed follows.
  connection_lost,
  // Calls; SipEvent::call names which one.
  call_progress,        // 1xx to our INVITE (body: early-media SDP, if any)
  call_answered,        // 2xx to our INVITE (body: the SDP answer); ACK already sent
  call_failed,          // final failure of our INVITE (incl. 487 after cancel())
  incoming_call,        // a new INVITE (body: the offer); respond() to it
  call_reoffer,         // a re-INVITE (body: the new offer, may be empty); respond() with our SDP
  // An UPDATE in the confirmed call (body: an offer, or empty for a mere
  // refresh); respond() with our SDP answer, or without SDP when it had
  // none. One in an early dialog gets 491 from the agent itself.
  call_update,
  call_ack,             // ACK to our 2xx (body: the answer when the INVITE had no offer)
  remote_hangup,        // the peer sent BYE, or CANCEL before we answered
  dtmf_info,            // SIP INFO with a DTMF digit (SipEvent::dtmf)
  // The final response to our BYE or to our SIP INFO (status, phrase,
  // from_network: false when Sofia made it up, e.g. 408 for no answer).
  bye_answered,
  info_answered,
  call_terminated,      // the call's dialog is gone (after BYE/CANCEL/failure); the call id is dead
  request_ignored,      // a udp request not from the server, dropped unanswered; detail: "INVITE from 192.0.2.7:5060"
};

struct SipEvent {
  SipEventType type = SipEventType::trace;
  int status = 0;            // SIP status code, or 0
  std::string phrase;        // reason phrase
  bool from_network = true;  // false: Sofia made the response up (timeout, transport error)
  int expires_s = -1;        // registered: binding lifetime granted [s]
  std::string detail;        // transport diagnosis when from_network is false, or why `verdict`
  // Set when the agent judged a response itself: a challenge it refuses to
  // answer (auth_refused, sip_refused), a 2xx to REGISTER that kept no
  // binding (sip_refused). none: the status decides (sip_failure.h).
  ErrorKind verdict = ErrorKind::none;
  SipTrace trace;            // type == trace
  int call = 0;              // call id for call events
  std::string body;          // SDP (or other body) of the message
  std::string peer;          // incoming_call: the caller's From, "Name <sip:user@host>"
  std::string warning;       // call_failed: the response's first Warning text (one line, at most
                             //   200 characters, SDES keys redacted), or empty
  char dtmf = 0;             // dtmf_info: '0'-'9', '*', '#', 'A'-'D'
  // registered, registration_failed, unregistered, connection_lost: which
  // account (0 = the one of AgentOptions, else an add_account() id).
  int account = 0;
};

// How long a keepalive ping may stay unanswered before the connection is
// dropped [ms]: the interval itself, but at most 10 s.
int keepalive_pong_ms(int keepalive_ms);

class SipListener {
 public:
  virtual ~SipListener() = default;
  virtual void on_sip_event(const SipEvent& event) = 0;
};

class SipAgent : public Signalling {
 public:
  // Binds the local transport and, for ws/wss, starts the WebSocket bridge.
  // An internal Error while another agent of this process lives.
  static Result<std::unique_ptr<SipAgent>> create(const AgentOptions& options, SipListener& listener);
  ~SipAgent() override;

  // Runs Sofia's event loop for up to `ms` milliseconds.
  void run_for(int ms) override;

  // REGISTER our contact for `expires_s`; nua refreshes it before expiry
  // until unregister() or a failed refresh, and re-REGISTERs at once when
  // the registration's connection is lost. Calling it again after a
  // failure starts over with the same Call-ID, so the server updates the
  // binding it may still hold. A failed authentication is never retried.
  // `account` 0 is the one of AgentOptions; others come from add_account().
  // Each account has its own handle, Call-ID, credentials and one
  // authenticated retry, and its events carry its id.
  void register_binding(int expires_s, int account = 0) override;
  // Removes only our own binding.
  void unregister(int account = 0) override;
  // Another identity on the same transport and connection, for registering
  // many accounts from one process. Returns its id (1, 2, ...). A user that
  // is already an account of this agent returns that account's id.
  int add_account(const SipAccount& account);
  // Releases everything; shutdown_complete follows. A binding in force is
  // un-REGISTERed first; a registration that is not is abandoned. This
  // holds for every account.
  void shutdown() override;

  // Calls. Ids are small positive numbers, never reused within an agent.
  // "102" -> sip:102@domain, "alice@example.com" -> sip:alice@example.com,
  // a sip:/sips: URI is taken as it is.
  std::string target_uri(const std::string& target) const;
  // INVITE with an SDP offer; a digest challenge is answered once (a stale
  // one again), Basic never: as for REGISTER, see sofia_digest.h.
  int invite(const std::string& target_uri, const std::string& sdp_offer) override;
  // Answers an incoming INVITE or re-INVITE (180, 200 with SDP, 486, 488...).
  // The reason phrase is the standard one for `status`.
  void respond(int call, int status, const std::string& sdp = {}) override;
  // Answers the call's pending UPDATE (call_update), with our SDP answer
  // when it carried an offer.
  void respond_update(int call, int status, const std::string& sdp = {}) override;
  // Refuses an incoming INVITE or re-INVITE (488...) with a Warning header
  // that says why: `Warning: 399 <our address> "warning"` (RFC 3261 20.43).
  void refuse(int call, int status, const std::string& warning) override;
  void cancel(int call) override;  // while our INVITE has no final answer
  void bye(int call) override;     // once the call is answered
  // SIP INFO application/dtmf-relay with one digit.
  void send_dtmf_info(int call, char digit, int duration_ms) override;

  std::string aor() const;  // sip:user@domain
  struct Impl;

 private:
  explicit SipAgent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sipcall
