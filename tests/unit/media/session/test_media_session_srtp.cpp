// SRTP in the media session: two sessions keyed by SDES hear each other's
// tones; a peer whose packets are forged, damaged, replayed or plain is
// heard not at all (counted in packets_unauthenticated, never played).
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <thread>

#include "media/srtp/srtp_key_pair.h"
#include "media/srtp/srtp_session.h"
#include "sipcall/media/audio/tone_detect.h"
#include "sipcall/media/audio/wav_file.h"
#include "sipcall/media/session/media_session.h"
#include "sipcall/media/srtp/sdes_keying.h"
#include "session_test_support.h"

using namespace sipcall::media;
using namespace sipcall::media::testing;
namespace fs = std::filesystem;

namespace {

MediaOptions loopback() { return loopback_options(40000, 44999); }

MediaParams pcmu_to(uint16_t rtp_port, uint16_t rtcp_port) {
  MediaParams p;
  p.remote_address = "127.0.0.1";
  p.remote_rtp_port = rtp_port;
  p.remote_rtcp_port = rtcp_port;
  p.codec = {"pcmu", 0, 8000, 1};
  return p;
}

// Offerer's and answerer's keys of one SDES exchange.
std::pair<SrtpKeying, SrtpKeying> sdes_keys() {
  auto offer = make_sdes_offer();
  REQUIRE(offer.ok());
  auto reply = answer_sdes_offer(offer->lines);
  REQUIRE(reply.ok());
  auto offerer = accept_sdes_answer(*offer, {reply->line});
  REQUIRE(offerer.ok());
  return {*offerer, reply->keys};
}

// A PCMU packet of a loud 1 kHz tone: what a forger would want played.
std::vector<uint8_t> tone_packet(uint16_t sequence) {
  std::vector<uint8_t> p = {0x80, 0x00, uint8_t(sequence >> 8), uint8_t(sequence), 0, 0, uint8_t(sequence >> 8),
                            uint8_t(sequence), 0x12, 0x34, 0x56, 0x78};
  for (int i = 0; i < 160; ++i) p.push_back(i % 8 < 4 ? 0x80 : 0x00);  // full-scale square wave in mu-law
  return p;
}

std::vector<uint8_t> protect(SrtpSession& s, std::vector<uint8_t> packet) {
  const size_t n = packet.size();
  packet.resize(n + SrtpSession::kMaxOverhead);
  auto length = s.protect_rtp(packet, n);
  REQUIRE(length.ok());
  packet.resize(*length);
  return packet;
}

// Of this process: test runs in parallel must not share recordings.
fs::path temp_wav(const std::string& name) {
  return fs::temp_directory_path() / ("sipcall_srtp_" + name + "_" + std::to_string(getpid()) + ".wav");
}

}  // namespace

TEST_SUITE("media_session srtp") {
  TEST_CASE("media_session srtp::two SDES-keyed sessions exchange tones") {
    auto a = MediaSession::open(loopback());
    auto b = MediaSession::open(loopback());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    auto [a_keys, b_keys] = sdes_keys();
    const auto a_wav = temp_wav("a");
    auto a_sink = WavFileSink::open(a_wav.string());
    REQUIRE(a_sink.ok());
    MediaParams to_b = pcmu_to((*b)->local_rtp_port(), (*b)->local_rtcp_port());
    to_b.srtp = a_keys;
    MediaParams to_a = pcmu_to((*a)->local_rtp_port(), (*a)->local_rtcp_port());
    to_a.srtp = b_keys;
    REQUIRE(!(*a)->start(to_b, std::make_unique<ToneSource>(440, 8000), std::move(a_sink.value())));
    REQUIRE(!(*b)->start(to_a, std::make_unique<ToneSource>(1000, 8000), std::make_unique<NullSink>()));
    CHECK(await([&] { return (*a)->stats().packets_received >= 50 && (*a)->stats().rtt_ms >= 0; },
                std::chrono::seconds(5)));
    (*a)->stop();
    CHECK(await([&] { return (*b)->stats().remote_bye; }, std::chrono::seconds(2)));  // a's SRTCP BYE
    (*b)->stop();
    const MediaStats sa = (*a)->stats();
    CHECK(sa.security == "sdes-srtp");
    CHECK(sa.srtp_suite == "AES_CM_128_HMAC_SHA1_80");
    CHECK(sa.packets_unauthenticated == 0);
    CHECK(sa.packets_invalid == 0);
    CHECK(sa.rtcp_received >= 1);  // SRTCP both ways
    auto heard = read_wav(a_wav.string());
    REQUIRE(heard.ok());
    CHECK(tone_power_ratio(heard->samples, kPcmRate, 1000) > 0.5);
    fs::remove(a_wav);
  }

  TEST_CASE("media_session srtp::forged, damaged, replayed and plain packets are dropped unheard") {
    auto b = MediaSession::open(loopback());
    REQUIRE(b.ok());
    auto [peer_keys, b_keys] = sdes_keys();
    auto peer = SrtpSession::create(peer_keys->ours, peer_keys->theirs);
    REQUIRE(peer.ok());
    const auto [fd, port] = loopback_socket();
    const auto b_wav = temp_wav("b");
    auto sink = WavFileSink::open(b_wav.string());
    REQUIRE(sink.ok());
    MediaParams p = pcmu_to(port, static_cast<uint16_t>(port + 1));
    p.srtp = b_keys;
    REQUIRE(!(*b)->start(p, std::make_unique<SilenceSource>(), std::move(sink.value())));

    // 50 packets, each with one bit flipped after the header (payload or tag).
    for (uint16_t seq = 1; seq <= 50; ++seq) {
      auto packet = protect(*peer, tone_packet(seq));
      packet[12 + seq % (packet.size() - 12)] ^= 0x01;
      send_raw((*b)->local_rtp_port(), {packet}, fd);
    }
    send_raw((*b)->local_rtp_port(), {tone_packet(60)}, fd);  // plain RTP into an SRTP call
    CHECK(await([&] { return (*b)->stats().packets_unauthenticated == 51; }, std::chrono::seconds(3)));
    CHECK((*b)->stats().packets_received == 0);
    CHECK((*b)->stats().first_rtp_ms == -1);

    // Authentic once, then replayed: the copy is dropped.
    const auto good = protect(*peer, tone_packet(100));
    send_raw((*b)->local_rtp_port(), {good}, fd);
    CHECK(await([&] { return (*b)->stats().packets_received == 1; }, std::chrono::seconds(3)));
    send_raw((*b)->local_rtp_port(), {good}, fd);
    CHECK(await([&] { return (*b)->stats().packets_unauthenticated == 52; }, std::chrono::seconds(3)));
    CHECK((*b)->stats().packets_received == 1);
    (*b)->stop();
    close(fd);

    // Nothing forged was played: the recording holds the authentic packet
    // and its concealment (under 100 ms), not the forged second of tone.
    auto heard = read_wav(b_wav.string());
    REQUIRE(heard.ok());
    size_t loud = 0;
    for (int16_t s : heard->samples) loud += std::abs(s) > 1000;
    CHECK(loud < kPcmRate / 10);
    fs::remove(b_wav);
  }

  TEST_CASE("media_session srtp::new keys re-key, the same keys keep the session") {
    auto b = MediaSession::open(loopback());
    REQUIRE(b.ok());
    auto [peer_keys, b_keys] = sdes_keys();
    const auto [fd, port] = loopback_socket();
    MediaParams p = pcmu_to(port, static_cast<uint16_t>(port + 1));
    p.srtp = b_keys;
    REQUIRE(!(*b)->start(p, std::make_unique<SilenceSource>(), std::make_unique<NullSink>()));
    auto peer = SrtpSession::create(peer_keys->ours, peer_keys->theirs);
    REQUIRE(peer.ok());
    const auto first = protect(*peer, tone_packet(1));
    send_raw((*b)->local_rtp_port(), {first}, fd);
    CHECK(await([&] { return (*b)->stats().packets_received == 1; }, std::chrono::seconds(3)));

    // The same keys again (a copy, as a repeated answer makes): the replay
    // window stays, so packet 1 once more is a replay.
    auto copy = std::make_shared<SrtpKeyPair>(*b_keys);
    p.srtp = copy;
    REQUIRE(!(*b)->update(p));
    send_raw((*b)->local_rtp_port(), {first}, fd);
    CHECK(await([&] { return (*b)->stats().packets_unauthenticated == 1; }, std::chrono::seconds(3)));
    send_raw((*b)->local_rtp_port(), {protect(*peer, tone_packet(2))}, fd);
    CHECK(await([&] { return (*b)->stats().packets_received == 2; }, std::chrono::seconds(3)));

    // New keys: the old ones no longer pass.
    auto [peer2_keys, b2_keys] = sdes_keys();
    p.srtp = b2_keys;
    REQUIRE(!(*b)->update(p));
    send_raw((*b)->local_rtp_port(), {protect(*peer, tone_packet(3))}, fd);
    CHECK(await([&] { return (*b)->stats().packets_unauthenticated == 2; }, std::chrono::seconds(3)));
    auto peer2 = SrtpSession::create(peer2_keys->ours, peer2_keys->theirs);
    REQUIRE(peer2.ok());
    send_raw((*b)->local_rtp_port(), {protect(*peer2, tone_packet(4))}, fd);
    CHECK(await([&] { return (*b)->stats().packets_received == 3; }, std::chrono::seconds(3)));
    (*b)->stop();
    close(fd);
  }
}
