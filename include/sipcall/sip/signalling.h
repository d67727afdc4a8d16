// Signalling: the SIP operations the commands use, as an interface. SipAgent
// (sip_agent.h) is the real one, over Sofia-SIP; tests drive ActiveCall,
// IncomingCall and RegistrationKeeper with a scripted one that records
// what they asked for (tests/unit/commands/fake_signalling.h).
//
// Events come back through the SipListener the implementation was made
// with, only from inside run_for(), on the caller's thread. The meaning of
// each operation is documented at SipAgent.
#pragma once

#include <string>

namespace sipcall {

class Signalling {
 public:
  virtual ~Signalling() = default;

  // Lets the implementation deliver events for up to `ms` milliseconds.
  virtual void run_for(int ms) = 0;

  virtual void register_binding(int expires_s, int account = 0) = 0;
  virtual void unregister(int account = 0) = 0;
  virtual void shutdown() = 0;

  virtual int invite(const std::string& target_uri, const std::string& sdp_offer) = 0;
  virtual void respond(int call, int status, const std::string& sdp = {}) = 0;
  virtual void respond_update(int call, int status, const std::string& sdp = {}) = 0;
  virtual void refuse(int call, int status, const std::string& warning) = 0;
  virtual void cancel(int call) = 0;
  virtual void bye(int call) = 0;
  virtual void send_dtmf_info(int call, char digit, int duration_ms) = 0;
};

}  // namespace sipcall
