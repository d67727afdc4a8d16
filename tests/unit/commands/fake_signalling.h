// A scripted Signalling for unit tests of the command state machines: it
// records every request the code under test asks it to send, and delivers
// the events a test queued (play) into its listener when run_for() is
// called, as SipAgent does. `on_request` may queue the peer's reaction to
// a request (the 200 to a BYE, say) at the moment it is sent.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "sipcall/report/reporter.h"
#include "sipcall/sip/sip_agent.h"
#include "sipcall/sip/signalling.h"

namespace sipcall::testing {

struct SentRequest {
  std::string what;  // "respond" (also refuse()), "respond_update", "bye", "cancel", "invite", "register", "unregister", "info", "shutdown"
  int call = 0;      // or the account for register/unregister
  int status = 0;    // respond, respond_update; expires for register
  std::string sdp;
  std::string warning;  // refuse(): a "respond" with a Warning's text
};

class FakeSignalling final : public Signalling {
 public:
  explicit FakeSignalling(SipListener& listener) : listener_(listener) {}

  void play(SipEvent e) { script_.push_back(std::move(e)); }
  std::function<void(const SentRequest&)> on_request;
  std::vector<SentRequest> sent;

  // The requests named `what`, in order.
  std::vector<SentRequest> sent_of(const std::string& what) const {
    std::vector<SentRequest> out;
    for (const auto& r : sent)
      if (r.what == what) out.push_back(r);
    return out;
  }

  void run_for(int ms) override {
    if (script_.empty()) {
      // Nothing scripted: time passes, as in poll(), but the tests stay fast.
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(ms, 5)));
      return;
    }
    std::deque<SipEvent> now;
    now.swap(script_);
    for (const auto& e : now) listener_.on_sip_event(e);
  }
  void register_binding(int expires_s, int account) override { record({"register", account, expires_s, {}}); }
  void unregister(int account) override { record({"unregister", account, 0, {}}); }
  void shutdown() override { record({"shutdown", 0, 0, {}}); }
  int invite(const std::string&, const std::string& sdp) override {
    record({"invite", next_call_, 0, sdp});
    return next_call_++;
  }
  void respond(int call, int status, const std::string& sdp) override { record({"respond", call, status, sdp}); }
  void respond_update(int call, int status, const std::string& sdp) override {
    record({"respond_update", call, status, sdp});
  }
  void refuse(int call, int status, const std::string& warning) override {
    record({"respond", call, status, {}, warning});
  }
  void cancel(int call) override { record({"cancel", call, 0, {}}); }
  void bye(int call) override { record({"bye", call, 0, {}}); }
  void send_dtmf_info(int call, char digit, int) override { record({"info", call, 0, std::string(1, digit)}); }

 private:
  void record(SentRequest r) {
    sent.push_back(r);
    if (on_request) on_request(sent.back());
  }
  SipListener& listener_;
  std::deque<SipEvent> script_;
  int next_call_ = 1;
};

inline SipEvent call_event(SipEventType type, int call, const std::string& body = {}, int status = 0) {
  SipEvent e;
  e.type = type;
  e.call = call;
  e.body = body;
  e.status = status;
  return e;
}

// A peer's SDP on 127.0.0.1 (nothing listens there: our RTP is dropped).
inline std::string peer_sdp(const std::string& direction, const std::string& codec = "pcmu", uint16_t port = 40000) {
  std::string pt = codec == "pcma" ? "8" : codec == "g729" ? "18" : "0";
  std::string name = codec == "pcma" ? "PCMA/8000" : codec == "g729" ? "G729/8000" : "PCMU/8000";
  return "v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " +
         std::to_string(port) + " RTP/AVP " + pt + "\r\na=rtpmap:" + pt + " " + name + "\r\na=" + direction + "\r\n";
}

// A Reporter whose lines go nowhere.
struct QuietReporter {
  std::FILE* sink = std::fopen("/dev/null", "w");
  Reporter reporter{false, false, sink, sink};
  ~QuietReporter() { std::fclose(sink); }
};

}  // namespace sipcall::testing
