// ActiveCall against a scripted Signalling (fake_signalling.h) and a real
// MediaSession on 127.0.0.1 (silence, no device): what it answers to
// re-INVITEs and UPDATEs, and how the call ends.
#include <doctest/doctest.h>

#include <thread>

#include "commands/call/active_call.h"
#include "commands/call/call_setup.h"
#include "commands/fake_signalling.h"
#include "sipcall/commands/signals.h"
#include "sipcall/media/srtp/sdes_keying.h"

using namespace sipcall;
using namespace sipcall::testing;
using namespace std::chrono_literals;

namespace {

constexpr int kCall = 7;

CallOptions quiet_call_options() {
  CallOptions o;
  o.silence = true;
  o.no_playback = true;
  o.media_timeout_s = 0;  // the peer sends no RTP unless a test says so
  o.duration_s = 0;       // the peer hangs up, unless a test sets one
  o.rtp_port_min = 31000;
  o.rtp_port_max = 31999;
  return o;
}

// A call answered with PCMU, sendrecv, media running.
struct CallFixture {
  explicit CallFixture(CallOptions o, bool begin = true) : options(std::move(o)) {
    LocalMedia local;
    auto media = open_call_media(options, "127.0.0.1", local);
    REQUIRE(media.ok());
    call = std::make_unique<ActiveCall>(sip, queue, quiet.reporter, options, codecs, kCall, std::move(media.value()),
                                        local);
    auto audio = open_call_audio(options, false, "", quiet.reporter);
    REQUIRE(audio.ok());
    auto offer = parse_sdp(peer_sdp("sendrecv"));
    REQUIRE(offer.ok());
    std::vector<SdpFormat> formats;
    auto params = answer_offer(offer.value(), codecs, formats);
    REQUIRE(params.ok());
    REQUIRE_FALSE(call->apply(params.value(), audio.value()));
    if (begin) call->begin(300ms, signals_received());
  }
  // Our SDP in the last response (to INVITE, or to UPDATE).
  SdpAudio last_answer(const std::string& what = "respond") {
    auto responses = sip.sent_of(what);
    REQUIRE_FALSE(responses.empty());
    CHECK(responses.back().status == 200);
    auto sdp = parse_sdp(responses.back().sdp);
    REQUIRE(sdp.ok());
    return sdp.value();
  }

  QuietReporter quiet;
  EventQueue queue{quiet.reporter, false};
  FakeSignalling sip{queue};
  CallOptions options;
  std::vector<std::string> codecs{"pcmu", "pcma"};
  std::unique_ptr<ActiveCall> call;
};

}  // namespace

TEST_CASE("active call: re-INVITE hold (sendonly, inactive) and resume are answered with the mirrored direction") {
  CallFixture f(quiet_call_options());
  f.call->on_event(call_event(SipEventType::call_reoffer, kCall, peer_sdp("sendonly")));
  CHECK(f.last_answer().direction == media::Direction::recvonly);
  CHECK(f.call->params().direction == media::Direction::sendonly);

  f.call->on_event(call_event(SipEventType::call_reoffer, kCall, peer_sdp("inactive")));
  CHECK(f.last_answer().direction == media::Direction::inactive);
  CHECK(f.call->params().direction == media::Direction::inactive);

  f.call->on_event(call_event(SipEventType::call_reoffer, kCall, peer_sdp("sendrecv")));
  CHECK(f.last_answer().direction == media::Direction::sendrecv);
  CHECK(f.call->params().direction == media::Direction::sendrecv);
  CHECK(f.sip.sent_of("respond").size() == 3);
  CHECK(f.sip.sent_of("bye").empty());
}

TEST_CASE("active call: no RTP is owed on hold; after the resume the media watchdog runs again") {
  CallOptions o = quiet_call_options();
  o.media_timeout_s = 0.1;
  CallFixture f(o);
  f.call->on_event(call_event(SipEventType::call_reoffer, kCall, peer_sdp("sendonly")));
  std::this_thread::sleep_for(150ms);
  f.call->tick();
  CHECK_FALSE(f.call->finished());
  CHECK(f.sip.sent_of("bye").empty());  // on hold, silence is no failure

  f.call->on_event(call_event(SipEventType::call_reoffer, kCall, peer_sdp("sendrecv")));
  f.call->tick();
  CHECK(f.sip.sent_of("bye").empty());  // the watchdog restarted at the resume
  std::this_thread::sleep_for(150ms);
  f.call->tick();
  CHECK(f.sip.sent_of("bye").size() == 1);
  CHECK(f.call->result().code == ExitCode::media_failure);
}

TEST_CASE("active call: a re-INVITE offering another codec switches the stream to it") {
  CallFixture f(quiet_call_options());
  CHECK(f.call->params().codec.payload_type == 0);
  f.call->on_event(call_event(SipEventType::call_reoffer, kCall, peer_sdp("sendrecv", "pcma")));
  auto answer = f.last_answer();
  REQUIRE_FALSE(answer.formats.empty());
  CHECK(answer.formats.front().payload_type == 8);
  CHECK(f.call->params().codec.name == "pcma");
}

TEST_CASE("active call: a re-INVITE offering only codecs we do not allow gets 488 and keeps the call as it was") {
  CallFixture f(quiet_call_options());
  f.call->on_event(call_event(SipEventType::call_reoffer, kCall, peer_sdp("sendrecv", "g729")));
  auto responses = f.sip.sent_of("respond");
  REQUIRE(responses.size() == 1);
  CHECK(responses.back().status == 488);
  CHECK(f.call->params().codec.name == "pcmu");
}

TEST_CASE("active call: an UPDATE with SDP is applied and answered by respond_update; one without is a mere refresh") {
  CallFixture f(quiet_call_options());
  f.call->on_event(call_event(SipEventType::call_update, kCall, peer_sdp("sendonly", "pcma")));
  CHECK(f.last_answer("respond_update").direction == media::Direction::recvonly);
  CHECK(f.call->params().direction == media::Direction::sendonly);
  CHECK(f.call->params().codec.name == "pcma");
  CHECK(f.sip.sent_of("respond").empty());

  f.call->on_event(call_event(SipEventType::call_update, kCall));
  auto updates = f.sip.sent_of("respond_update");
  REQUIRE(updates.size() == 2);
  CHECK(updates.back().status == 200);
  CHECK(updates.back().sdp.empty());
}

TEST_CASE("active call: a re-INVITE without SDP gets our offer in the 200; the answer in the ACK is applied") {
  CallFixture f(quiet_call_options());
  f.call->on_event(call_event(SipEventType::call_reoffer, kCall));
  auto offer = f.last_answer();
  REQUIRE(offer.formats.size() >= 2);  // an offer lists every codec we allow
  CHECK(offer.formats[0].payload_type == 0);
  CHECK(offer.formats[1].payload_type == 8);
  CHECK(offer.direction == media::Direction::sendrecv);

  f.call->on_event(call_event(SipEventType::call_ack, kCall, peer_sdp("sendonly", "pcma")));
  CHECK(f.call->params().codec.name == "pcma");
  CHECK(f.call->params().direction == media::Direction::sendonly);
}

TEST_CASE("active call: the peer's BYE ends the call with no BYE of ours") {
  CallFixture f(quiet_call_options(), false);
  f.sip.play(call_event(SipEventType::remote_hangup, kCall));
  f.sip.play(call_event(SipEventType::call_terminated, kCall));
  CallResult r = f.call->run(300ms, signals_received(), {});
  CHECK(r.code == ExitCode::ok);
  CHECK(r.hangup_by == "remote");
  CHECK(r.bye_status == -1);
  CHECK(f.sip.sent_of("bye").empty());
}

TEST_CASE("active call: --duration hangs up with a BYE; its 200 makes a clean end") {
  CallOptions o = quiet_call_options();
  o.duration_s = 0.1;
  CallFixture f(o, false);
  f.sip.on_request = [&](const SentRequest& r) {
    if (r.what != "bye") return;
    f.sip.play(call_event(SipEventType::bye_answered, kCall, {}, 200));
    f.sip.play(call_event(SipEventType::call_terminated, kCall));
  };
  CallResult r = f.call->run(300ms, signals_received(), {});
  CHECK(f.sip.sent_of("bye").size() == 1);
  CHECK(r.code == ExitCode::ok);
  CHECK(r.hangup_by == "local");
  CHECK(r.bye_status == 200);
  CHECK(r.duration_ms >= 100);
  CHECK(r.duration_ms < 1000);
}

TEST_CASE("active call: a BYE that gets no answer is a dialog failure (exit 11)") {
  CallOptions o = quiet_call_options();
  o.duration_s = 0.05;
  CallFixture f(o, false);
  CallResult r = f.call->run(200ms, signals_received(), {});
  CHECK(f.sip.sent_of("bye").size() == 1);
  CHECK(r.code == ExitCode::dialog_failure);
  CHECK(static_cast<int>(r.code) == 11);
  CHECK(r.bye_status == 0);
  CHECK(r.error.find("never answered our BYE") != std::string::npos);
}

TEST_CASE("active call: abandoning an unanswered call (the ring timeout) CANCELs it, never BYE") {
  CallFixture f(quiet_call_options(), false);
  f.sip.on_request = [&](const SentRequest& r) {
    if (r.what != "cancel") return;
    f.sip.play(call_event(SipEventType::call_failed, kCall, {}, 487));
    f.sip.play(call_event(SipEventType::call_terminated, kCall));
  };
  auto t0 = Clock::now();
  f.call->abandon(false, 2s);
  CHECK(f.call->finished());
  CHECK(Clock::now() - t0 < 1s);  // ended by the dialog's end, not by the timeout
  REQUIRE(f.sip.sent_of("cancel").size() == 1);
  CHECK(f.sip.sent_of("cancel").front().call == kCall);
  CHECK(f.sip.sent_of("bye").empty());
}

TEST_CASE("active call: re-INVITEs with SRTP keys re-key, repeat or are refused in plain") {
  CallFixture f(quiet_call_options());
  auto savp = [](const std::vector<std::string>& crypto) {
    std::string sdp = peer_sdp("sendrecv");
    sdp.replace(sdp.find("RTP/AVP"), 7, "RTP/SAVP");
    for (const auto& c : crypto) sdp += "a=crypto:" + c + "\r\n";
    return sdp;
  };
  auto first = media::make_sdes_offer();
  REQUIRE(first.ok());
  f.call->on_event(call_event(SipEventType::call_reoffer, kCall, savp(first->lines)));
  const SdpAudio keyed = f.last_answer();
  CHECK(keyed.srtp);
  REQUIRE(keyed.crypto.size() == 1);
  CHECK(f.call->params().srtp);

  // The same offer again (hold and back, say): the same answer, no re-key.
  f.call->on_event(call_event(SipEventType::call_reoffer, kCall, savp(first->lines)));
  CHECK(f.last_answer().crypto == keyed.crypto);

  // New keys: a new key of ours.
  auto second = media::make_sdes_offer();
  REQUIRE(second.ok());
  f.call->on_event(call_event(SipEventType::call_reoffer, kCall, savp(second->lines)));
  const SdpAudio rekeyed = f.last_answer();
  REQUIRE(rekeyed.crypto.size() == 1);
  CHECK(rekeyed.crypto != keyed.crypto);
  CHECK(media::accept_sdes_answer(*second, rekeyed.crypto).ok());

  // Back to plain RTP: refused, the keys stay.
  f.call->on_event(call_event(SipEventType::call_reoffer, kCall, peer_sdp("sendrecv")));
  const auto refused = f.sip.sent_of("respond").back();
  CHECK(refused.status == 488);
  CHECK(refused.warning.find("runs SRTP") != std::string::npos);
  CHECK(f.call->params().srtp);
}
