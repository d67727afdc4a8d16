// IncomingCall against a scripted Signalling and a real MediaSession on
// 127.0.0.1: delayed offer, refused offers, CANCEL and the answer delay.
#include <doctest/doctest.h>

#include <thread>

#include "commands/call/incoming_call.h"
#include "commands/call/call_setup.h"
#include "commands/fake_signalling.h"
#include "sipcall/media/srtp/sdes_keying.h"

using namespace sipcall;
using namespace sipcall::testing;
using namespace std::chrono_literals;

namespace {

constexpr int kCall = 3;

struct AnswerFixture {
  explicit AnswerFixture(double answer_delay_s = 0) {
    options.answer_delay_s = answer_delay_s;
    options.call.silence = true;
    options.call.no_playback = true;
    options.call.media_timeout_s = 0;
    options.call.duration_s = 0;
    options.call.rtp_port_min = 32000;
    options.call.rtp_port_max = 32999;
  }
  std::unique_ptr<IncomingCall> ring(const std::string& offer) {
    SipEvent invite = call_event(SipEventType::incoming_call, kCall, offer);
    invite.peer = "Alice <sip:alice@127.0.0.1>";
    return std::make_unique<IncomingCall>(context, invite, 1);
  }
  std::vector<int> statuses() const {
    std::vector<int> out;
    for (const auto& r : sip.sent_of("respond")) out.push_back(r.status);
    return out;
  }

  QuietReporter quiet;
  EventQueue queue{quiet.reporter, false};
  FakeSignalling sip{queue};
  AnswerOptions options;
  std::vector<std::string> codecs{"pcmu", "pcma"};
  std::string route = "127.0.0.1";
  AnswerContext context{sip, queue, quiet.reporter, options, codecs, route, 300ms, Clock::now()};
};

}  // namespace

TEST_CASE("incoming call: an INVITE without SDP gets our offer in the 200; the ACK's answer starts the media") {
  AnswerFixture f;
  auto call = f.ring("");
  REQUIRE_FALSE(call->done());
  call->tick();
  CHECK(f.statuses() == std::vector<int>{180, 200});
  auto offer = parse_sdp(f.sip.sent_of("respond").back().sdp);
  REQUIRE(offer.ok());
  REQUIRE(offer.value().formats.size() >= 2);  // our offer: every codec we allow
  CHECK(offer.value().formats[0].payload_type == 0);
  CHECK(offer.value().formats[1].payload_type == 8);
  CHECK(call->answered());
  CHECK(call->report().str().find("answered_ms") == std::string::npos);  // not talking before the ACK

  call->on_event(call_event(SipEventType::call_ack, kCall, peer_sdp("sendrecv", "pcma")));
  CHECK(call->report().str().find("answered_ms") != std::string::npos);
  call->on_event(call_event(SipEventType::remote_hangup, kCall));
  call->on_event(call_event(SipEventType::call_terminated, kCall));
  call->tick();
  REQUIRE(call->done());
  CHECK(call->result().code == ExitCode::ok);
  CHECK(call->result().media_started);
  CHECK(call->report().str().find("\"codec\":\"pcma\"") != std::string::npos);
}

TEST_CASE("incoming call: an ACK without a usable answer to our offer fails the call and hangs up") {
  AnswerFixture f;
  auto call = f.ring("");
  call->tick();
  call->on_event(call_event(SipEventType::call_ack, kCall));
  CHECK(call->result().code == ExitCode::media_failure);
  CHECK(f.sip.sent_of("bye").size() == 1);
}

TEST_CASE("incoming call: an offer with no codec we allow is refused with 488 at once") {
  AnswerFixture f;
  auto call = f.ring(peer_sdp("sendrecv", "g729"));
  CHECK(call->done());
  CHECK_FALSE(call->answered());
  CHECK(f.statuses() == std::vector<int>{488});
  CHECK(call->result().code == ExitCode::media_failure);
}

TEST_CASE("incoming call: the caller's CANCEL while ringing ends it unanswered") {
  AnswerFixture f(5);
  auto call = f.ring(peer_sdp("sendrecv"));
  call->tick();
  CHECK(f.statuses() == std::vector<int>{180});
  call->on_event(call_event(SipEventType::remote_hangup, kCall));
  CHECK(call->done());
  CHECK_FALSE(call->answered());
  CHECK(call->result().code == ExitCode::no_answer);
  call->tick();
  CHECK(f.statuses() == std::vector<int>{180});  // no 200 after the CANCEL
}

TEST_CASE("incoming call: --answer-delay rings that long before the 200") {
  AnswerFixture f(0.15);
  auto t0 = Clock::now();
  auto call = f.ring(peer_sdp("sendrecv"));
  call->tick();
  CHECK(f.statuses() == std::vector<int>{180});
  CHECK(call->next_wake() - t0 >= 140ms);
  CHECK(call->next_wake() - t0 < 300ms);
  std::this_thread::sleep_until(call->next_wake());
  call->tick();
  CHECK(f.statuses() == std::vector<int>{180, 200});
  CHECK(Clock::now() - t0 >= 150ms);
  auto answer = parse_sdp(f.sip.sent_of("respond").back().sdp);
  REQUIRE(answer.ok());
  CHECK(answer.value().formats.front().payload_type == 0);
}

namespace {
std::string savp(const std::string& sdp, const std::vector<std::string>& crypto) {
  std::string out = sdp;
  out.replace(out.find("RTP/AVP"), 7, "RTP/SAVP");
  for (const auto& c : crypto) out += "a=crypto:" + c + "\r\n";
  return out;
}
}  // namespace

TEST_CASE("incoming call: an SRTP offer of unknown suites only is refused with 488 and a Warning saying why") {
  AnswerFixture f;
  auto call = f.ring(savp(peer_sdp("sendrecv"), {"1 F8_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"}));
  REQUIRE(call->done());
  const auto responses = f.sip.sent_of("respond");
  REQUIRE(responses.size() == 1);
  CHECK(responses[0].status == 488);
  CHECK(responses[0].warning.find("F8_128_HMAC_SHA1_80") != std::string::npos);
  CHECK(responses[0].warning.find("WVNf") == std::string::npos);
  CHECK(call->result().code == ExitCode::media_failure);
}

TEST_CASE("incoming call: an SRTP offer is answered RTP/SAVP with one a=crypto line of ours") {
  AnswerFixture f;
  auto offer = media::make_sdes_offer();
  REQUIRE(offer.ok());
  auto call = f.ring(savp(peer_sdp("sendrecv"), offer->lines));
  REQUIRE_FALSE(call->done());
  call->tick();
  CHECK(f.statuses() == std::vector<int>{180, 200});
  auto answer = parse_sdp(f.sip.sent_of("respond").back().sdp);
  REQUIRE(answer.ok());
  CHECK(answer->srtp);
  REQUIRE(answer->crypto.size() == 1);
  CHECK(answer->crypto[0].rfind("1 AES_CM_128_HMAC_SHA1_80 inline:", 0) == 0);
  CHECK(media::accept_sdes_answer(*offer, answer->crypto).ok());
  call->on_event(call_event(SipEventType::remote_hangup, kCall));
  call->on_event(call_event(SipEventType::call_terminated, kCall));
  call->tick();
  REQUIRE(call->done());
  CHECK(call->report().str().find("\"security\":\"sdes-srtp\"") != std::string::npos);
  CHECK(call->report().str().find("inline:") == std::string::npos);
}

TEST_CASE("incoming call: with --media-security sdes, a plain offer is refused and an offerless INVITE gets SRTP") {
  AnswerFixture f;
  f.options.call.media_security = MediaSecurity::sdes;
  auto plain = f.ring(peer_sdp("sendrecv"));
  REQUIRE(plain->done());
  CHECK(f.sip.sent_of("respond").back().status == 488);
  CHECK(f.sip.sent_of("respond").back().warning.find("not SRTP") != std::string::npos);

  auto delayed = f.ring("");
  delayed->tick();
  auto ours = parse_sdp(f.sip.sent_of("respond").back().sdp);
  REQUIRE(ours.ok());
  CHECK(ours->srtp);
  CHECK(ours->crypto.size() == 4);
  delayed->on_event(call_event(SipEventType::call_ack, kCall, peer_sdp("sendrecv")));  // a plain answer
  CHECK(delayed->result().code == ExitCode::media_failure);
  CHECK(delayed->result().error.find("not SRTP") != std::string::npos);
}
