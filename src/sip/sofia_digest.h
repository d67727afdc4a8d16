// Our digest client inside Sofia-SIP's nua (src/sip/digest.h does the
// arithmetic). Sofia 1.12's own client answers MD5 only, echoes quoted
// strings unescaped, keeps counting nc across nonces and cannot take a
// password with a ':'; it also answers Basic. Here both of its auth client
// plugins are replaced: Basic never answers, and Digest answers only what
// sip_agent decided, from the state kept in a Session per nua handle.
// Internal to src/sip; runs on the signalling thread.
#pragma once

#include <string>

#include <sofia-sip/nua.h>
#include <sofia-sip/sip.h>

#include "sipcall/error.h"

namespace sipcall::sofia_digest {

// Installs the plugins (once per process). False when Sofia did not take them.
bool install();

// The credentials and challenge state of one nua handle (a registration or
// a call). A round is one request until its 2xx: in a round the first
// challenge is answered, and a later one only when it says stale=true
// (three times at most); any other is the server rejecting us.
class Session {
 public:
  Session();
  ~Session();
  Session(Session&& other) noexcept;
  Session& operator=(Session&& other) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // For a 401/407 from the network: true when the request was resent with
  // an answer (nua_authenticate), false when this challenge rejects our
  // answer, an Error (one line, its exit code) when no challenge can be
  // answered: Basic only, unknown algorithm, malformed.
  Result<bool> answer(nua_handle_t* nh, sip_t const* sip, const std::string& user, const std::string& password);
  // The request of this round succeeded: the next challenge is answered anew.
  void round_done();

 private:
  std::string key_;
};

}  // namespace sipcall::sofia_digest
