// Two WebRTC transports in this process over 127.0.0.1: real libnice ICE,
// a real DTLS-SRTP handshake on OpenSSL, and the keys libsrtp will use.
#include <doctest/doctest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "media/srtp/srtp_session.h"
#include "media/webrtc/webrtc_transport.h"

using namespace sipcall;
using namespace sipcall::media;
using namespace sipcall::media::webrtc;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<WebRtcTransport> start(bool offerer) {
  WebRtcOptions o;
  o.offerer = offerer;
  o.local_addresses = {"127.0.0.1"};
  auto t = WebRtcTransport::start(o);
  REQUIRE_MESSAGE(t.ok(), t.error().message());
  return std::move(t.value());
}

// What the far end's SDP would carry of `t`.
RemoteDescription described(const WebRtcTransport& t) {
  RemoteDescription r;
  r.ufrag = t.local().credentials.ufrag;
  r.pwd = t.local().credentials.pwd;
  r.candidates = t.local().candidates;
  r.fingerprints = {t.local().fingerprint};
  r.setup = t.local().setup;
  return r;
}

// Offer/answer: the answerer learns the offer first and answers with its
// setup; then the offerer learns the answer. Both connect side by side.
struct Call {
  std::unique_ptr<WebRtcTransport> offerer = start(true);
  std::unique_ptr<WebRtcTransport> answerer = start(false);

  std::pair<Result<Connection>, Result<Connection>> connect(RemoteDescription offer, std::chrono::milliseconds timeout) {
    REQUIRE(answerer->set_remote(offer).ok());
    RemoteDescription answer = described(*answerer);
    REQUIRE(offerer->set_remote(answer).ok());
    auto a = std::async(std::launch::async, [&] { return answerer->connect(timeout); });
    auto o = offerer->connect(timeout);
    return {std::move(o), a.get()};
  }
};

struct Inbox {
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<std::vector<uint8_t>> datagrams;
  WebRtcTransport::Receiver receiver() {
    return [this](std::span<const uint8_t> d) {
      std::lock_guard lock(mutex);
      datagrams.emplace_back(d.begin(), d.end());
      arrived.notify_all();
    };
  }
  bool wait(size_t n) {
    std::unique_lock lock(mutex);
    return arrived.wait_for(lock, 5s, [&] { return datagrams.size() >= n; });
  }
};

// A 20 ms PCMU packet: version 2, payload type 0.
std::vector<uint8_t> rtp_packet(uint16_t seq) {
  std::vector<uint8_t> p(12 + 160 + SrtpSession::kMaxOverhead, 0xd5);
  p[0] = 0x80;
  p[1] = 0;
  p[2] = static_cast<uint8_t>(seq >> 8);
  p[3] = static_cast<uint8_t>(seq);
  for (int i = 4; i < 12; ++i) p[i] = static_cast<uint8_t>(i);
  return p;
}

}  // namespace

TEST_CASE("webrtc transport: an offerer and an answerer connect over ICE and DTLS and agree on the SRTP keys") {
  Call call;
  CHECK(call.offerer->local().setup == dtls::Setup::actpass);
  auto [o, a] = call.connect(described(*call.offerer), 10s);
  REQUIRE_MESSAGE(o.ok(), o.error().message());
  REQUIRE_MESSAGE(a.ok(), a.error().message());
  // RFC 5763: the answerer to actpass is active, the DTLS client.
  CHECK(call.answerer->local().setup == dtls::Setup::active);
  CHECK(o->ours == a->theirs);
  CHECK(o->theirs == a->ours);
  CHECK_FALSE(o->ours == o->theirs);
  CHECK(o->ours.suite() == SrtpSuite::aead_aes_256_gcm);  // our first preference on both ends
  CHECK(o->pair.local.address == "127.0.0.1");
  CHECK(o->pair.remote.port == a->pair.local.port);
  CHECK(o->ice_ms > 0);
  CHECK(a->dtls_ms > 0);
}

TEST_CASE("webrtc transport: SRTP protected by one end is authentic at the other, both ways") {
  Call call;
  Inbox at_offerer, at_answerer;
  call.offerer->set_receiver(at_offerer.receiver());
  call.answerer->set_receiver(at_answerer.receiver());
  auto [o, a] = call.connect(described(*call.offerer), 10s);
  REQUIRE(o.ok());
  REQUIRE(a.ok());
  auto o_srtp = SrtpSession::create(o->ours, o->theirs);
  auto a_srtp = SrtpSession::create(a->ours, a->theirs);
  REQUIRE(o_srtp.ok());
  REQUIRE(a_srtp.ok());

  auto packet = rtp_packet(1);
  auto len = o_srtp->protect_rtp(packet, 12 + 160);
  REQUIRE(len.ok());
  REQUIRE(call.offerer->send(std::span(packet).first(*len)).ok());
  packet = rtp_packet(7);
  len = a_srtp->protect_rtp(packet, 12 + 160);
  REQUIRE(len.ok());
  REQUIRE(call.answerer->send(std::span(packet).first(*len)).ok());

  REQUIRE(at_answerer.wait(1));
  REQUIRE(at_offerer.wait(1));
  auto got = at_answerer.datagrams[0];
  auto r = a_srtp->unprotect_rtp(got);
  CHECK(r.ok());
  CHECK(r.length == 12 + 160);
  got = at_offerer.datagrams[0];
  r = o_srtp->unprotect_rtp(got);
  CHECK(r.ok());
  CHECK(got[3] == 7);
}

TEST_CASE("webrtc transport: a fingerprint that is not the far end's certificate fails DTLS with one line") {
  Call call;
  RemoteDescription offer = described(*call.offerer);
  offer.fingerprints[0].digest[0] ^= 0xff;  // as a man in the middle would present it
  auto [o, a] = call.connect(offer, 5s);
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().kind() == ErrorKind::no_media);
  CHECK(a.error().message().find("DTLS") == 0);
  CHECK(a.error().message().find('\n') == std::string::npos);
  CHECK_FALSE(o.ok());  // the offerer's handshake does not complete either
}

TEST_CASE("webrtc transport: no working pair fails within the timeout") {
  auto offerer = start(true);
  auto answerer = start(false);
  RemoteDescription offer = described(*offerer);
  for (auto& c : offer.candidates) c.port = 9;  // discard: nothing answers STUN there
  REQUIRE(answerer->set_remote(offer).ok());
  const auto begin = std::chrono::steady_clock::now();
  auto a = answerer->connect(1500ms);
  const auto took = std::chrono::steady_clock::now() - begin;
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().kind() == ErrorKind::no_media);
  CHECK(took < 3s);
}

TEST_CASE("webrtc transport: a description without a fingerprint, or with a=setup that decides nothing, is refused") {
  auto answerer = start(false);
  auto offerer = start(true);
  RemoteDescription offer = described(*offerer);
  offer.fingerprints.clear();
  CHECK(answerer->set_remote(offer).kind() == ErrorKind::unusable_sdp);

  RemoteDescription answer = described(*answerer);
  answer.setup = dtls::Setup::actpass;  // an answer must choose
  CHECK_FALSE(offerer->set_remote(answer).ok());
}

TEST_CASE("webrtc transport: nothing is sent before the keys exist") {
  auto t = start(true);
  auto packet = rtp_packet(1);
  CHECK_FALSE(t->send(packet).ok());
}
