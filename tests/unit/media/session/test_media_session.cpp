// End to end: two sessions on 127.0.0.1 call each other, each sending a
// tone and recording what it hears.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "sipcall/media/session/media_session.h"
#include "sipcall/media/audio/tone_detect.h"
#include "sipcall/media/audio/wav_file.h"
#include "session_test_support.h"

using namespace sipcall::media;
using namespace sipcall::media::testing;
namespace fs = std::filesystem;

namespace {
MediaParams params_to(const MediaSession& peer, const CodecSpec& codec, bool mux = false) {
  MediaParams p;
  p.remote_address = "127.0.0.1";
  p.remote_rtp_port = peer.local_rtp_port();
  p.remote_rtcp_port = peer.local_rtcp_port();
  p.rtcp_mux = mux;
  p.codec = codec;
  p.telephone_event_pt = 101;
  return p;
}

std::vector<int16_t> second_half(const std::string& path) {
  auto wav = read_wav(path);
  REQUIRE(wav.ok());
  CHECK(wav->sample_rate == kPcmRate);
  return {wav->samples.begin() + static_cast<long>(wav->samples.size() / 2), wav->samples.end()};
}

fs::path temp_file(const std::string& name) { return fs::temp_directory_path() / ("sipcall_media_" + name); }

}  // namespace

TEST_SUITE("media_session") {
  TEST_CASE("media_session::two sessions exchange tones") {
    struct Case {
      CodecSpec codec;
      bool mux;
    };
    const Case cases[] = {{{"opus", 111, 48000, 2}, false}, {{"pcmu", 0, 8000, 1}, false}, {{"pcma", 8, 8000, 1}, true}};
    for (const Case& c : cases) {
      CAPTURE(c.codec.name);
      CAPTURE(c.mux);
      auto a = MediaSession::open(loopback_options());
      auto b = MediaSession::open(loopback_options());
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      CHECK((*a)->local_rtp_port() % 2 == 0);
      CHECK((*a)->local_rtcp_port() == (*a)->local_rtp_port() + 1);
      const auto a_wav = temp_file("a_" + c.codec.name + ".wav");
      const auto b_wav = temp_file("b_" + c.codec.name + ".wav");
      auto a_sink = WavFileSink::open(a_wav.string());
      auto b_sink = WavFileSink::open(b_wav.string());
      REQUIRE(a_sink.ok());
      REQUIRE(b_sink.ok());

      REQUIRE((*a)->start(params_to(**b, c.codec, c.mux), std::make_unique<ToneSource>(440, 8000),
                          std::move(a_sink.value())).ok());
      REQUIRE((*b)->start(params_to(**a, c.codec, c.mux), std::make_unique<ToneSource>(1000, 8000),
                          std::move(b_sink.value())).ok());

      // About a second of audio each way, and at least one RTCP round trip.
      const bool flowing = await(
          [&] {
            const MediaStats sa = (*a)->stats(), sb = (*b)->stats();
            return sa.packets_received >= 50 && sb.packets_received >= 50 && sa.rtt_ms >= 0 && sb.rtt_ms >= 0;
          },
          std::chrono::seconds(5));
      CHECK(flowing);
      (*a)->stop();
      (*b)->stop();
      (*a)->stop();  // idempotent

      const MediaStats sa = (*a)->stats();
      const MediaStats sb = (*b)->stats();
      CHECK(sa.codec == c.codec.name);
      CHECK(sa.packets_sent >= 50);
      CHECK(sa.packets_lost == 0);
      CHECK(sa.packets_ignored == 0);
      CHECK(sa.packets_invalid == 0);
      CHECK(sa.first_rtp_ms >= 0);
      CHECK(sa.first_rtp_ms < 1000);
      CHECK(sa.rtt_ms >= 0);
      CHECK(sa.rtt_ms < 100);
      CHECK(sa.mos > 4.0);
      CHECK(sa.jitter_ms < 20);
      CHECK(sb.rtcp_received >= 1);
      CHECK(sb.remote_bye);  // a stopped first and said BYE

      const auto heard_by_a = second_half(a_wav.string());
      const auto heard_by_b = second_half(b_wav.string());
      CHECK(rms(heard_by_a) > 1000);
      CHECK(rms(heard_by_b) > 1000);
      CHECK(tone_power_ratio(heard_by_a, kPcmRate, 1000) > 0.5);
      CHECK(tone_power_ratio(heard_by_a, kPcmRate, 440) < 0.05);
      CHECK(tone_power_ratio(heard_by_b, kPcmRate, 440) > 0.5);
      CHECK(tone_power_ratio(heard_by_b, kPcmRate, 1000) < 0.05);
      fs::remove(a_wav);
      fs::remove(b_wav);
    }
  }

  TEST_CASE("media_session::DTMF travels as RFC 4733 events") {
    auto a = MediaSession::open(loopback_options());
    auto b = MediaSession::open(loopback_options());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    const CodecSpec pcmu{"pcmu", 0, 8000, 1};
    REQUIRE((*a)->start(params_to(**b, pcmu), std::make_unique<SilenceSource>(), std::make_unique<NullSink>()).ok());
    REQUIRE((*b)->start(params_to(**a, pcmu), std::make_unique<SilenceSource>(), std::make_unique<NullSink>()).ok());
    (*a)->send_dtmf("1#9*A");
    CHECK(await([&] { return (*b)->dtmf_received().size() >= 5; }, std::chrono::seconds(5)));
    CHECK((*b)->stats().dtmf_received == "1#9*A");
    CHECK((*b)->stats().packets_ignored == 0);
  }

  TEST_CASE("media_session::foreign payload types and garbage are counted, not fatal") {
    auto a = MediaSession::open(loopback_options());
    auto b = MediaSession::open(loopback_options());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    // a sends PCMU (pt 0) but b expects PCMA (pt 8): all of a's packets are foreign.
    REQUIRE((*a)->start(params_to(**b, {"pcmu", 0, 8000, 1}), std::make_unique<ToneSource>(440, 8000),
                        std::make_unique<NullSink>()).ok());
    REQUIRE((*b)->start(params_to(**a, {"pcma", 8, 8000, 1}), std::make_unique<SilenceSource>(),
                        std::make_unique<NullSink>()).ok());
    CHECK(await([&] { return (*b)->stats().packets_ignored >= 10; }, std::chrono::seconds(3)));
    CHECK((*b)->stats().packets_received == 0);
    CHECK((*b)->stats().first_rtp_ms == -1);
  }

  TEST_CASE("media_session::garbage datagrams on both sockets are counted") {
    auto a = MediaSession::open(loopback_options());
    auto b = MediaSession::open(loopback_options());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    const CodecSpec pcmu{"pcmu", 0, 8000, 1};
    // The garbage comes from b's peer (its SDP port), so it is the peer's.
    const auto [peer_fd, peer_port] = loopback_socket();
    MediaParams to_peer = params_to(**a, pcmu);
    to_peer.remote_rtp_port = peer_port;
    REQUIRE((*b)->start(to_peer, std::make_unique<SilenceSource>(), std::make_unique<NullSink>()).ok());
    const std::vector<std::vector<uint8_t>> junk = {
        {}, {0x80}, {0x00, 0x00, 0x00}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
        {0x8f, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0},  // 15 CSRCs announced, none there
        {0x80, 0xc9, 0x00, 0x40},                          // RTCP RR with a length far beyond the datagram
        std::vector<uint8_t>(1400, 0xa5)};
    send_raw((*b)->local_rtp_port(), junk, peer_fd);
    send_raw((*b)->local_rtcp_port(), junk, peer_fd);  // RTCP from the peer's RTP port is the peer's
    CHECK(await([&] { return (*b)->stats().packets_invalid >= 2 * junk.size() - 1; }, std::chrono::seconds(3)));
    CHECK((*b)->stats().packets_from_strangers == 0);
    close(peer_fd);
    // Still alive and receiving real media afterwards (from a, once b's
    // peer moved there: a re-INVITE).
    REQUIRE(!(*b)->update(params_to(**a, pcmu)));
    REQUIRE((*a)->start(params_to(**b, pcmu), std::make_unique<ToneSource>(440, 8000), std::make_unique<NullSink>()).ok());
    CHECK(await([&] { return (*b)->stats().packets_received >= 10; }, std::chrono::seconds(3)));
  }

  TEST_CASE("media_session::echo answer mode sends back what it hears") {
    auto a = MediaSession::open(loopback_options());
    auto b = MediaSession::open(loopback_options());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    const CodecSpec opus{"opus", 111, 48000, 2};
    const auto a_wav = temp_file("echo.wav");
    auto a_sink = WavFileSink::open(a_wav.string());
    REQUIRE(a_sink.ok());
    EchoPair echo = make_echo_pair();
    REQUIRE((*b)->start(params_to(**a, opus), std::move(echo.source), std::move(echo.sink)).ok());
    REQUIRE((*a)->start(params_to(**b, opus), std::make_unique<ToneSource>(1000, 8000), std::move(a_sink.value())).ok());
    CHECK(await([&] { return (*a)->stats().packets_received >= 50; }, std::chrono::seconds(5)));
    (*a)->stop();
    const auto heard = second_half(a_wav.string());
    CHECK(rms(heard) > 1000);
    CHECK(tone_power_ratio(heard, kPcmRate, 1000) > 0.5);
    fs::remove(a_wav);
  }

  TEST_CASE("media_session::hold stops sending, resume restarts it") {
    auto a = MediaSession::open(loopback_options());
    auto b = MediaSession::open(loopback_options());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    const CodecSpec opus{"opus", 111, 48000, 2};
    MediaParams to_b = params_to(**b, opus);
    REQUIRE((*a)->start(to_b, std::make_unique<ToneSource>(440, 8000), std::make_unique<NullSink>()).ok());
    REQUIRE((*b)->start(params_to(**a, opus), std::make_unique<SilenceSource>(), std::make_unique<NullSink>()).ok());
    CHECK(await([&] { return (*b)->stats().packets_received >= 5; }, std::chrono::seconds(3)));

    to_b.direction = Direction::inactive;
    REQUIRE((*a)->update(to_b).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const uint64_t held = (*a)->stats().packets_sent;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK((*a)->stats().packets_sent == held);

    to_b.direction = Direction::sendrecv;
    to_b.codec = {"pcmu", 0, 8000, 1};  // and switch codec in the same re-INVITE
    REQUIRE((*a)->update(to_b).ok());
    CHECK(await([&] { return (*a)->stats().packets_sent >= held + 10; }, std::chrono::seconds(3)));
    CHECK((*a)->stats().codec == "pcmu");

    to_b.codec = {"g729", 18, 8000, 1};
    CHECK_FALSE((*a)->update(to_b).ok());
    CHECK((*a)->stats().codec == "pcmu");
  }

  TEST_CASE("media_session::errors") {
    MediaOptions bad = loopback_options();
    bad.local_address = "not-an-ip";
    CHECK_FALSE(MediaSession::open(bad).ok());
    bad = loopback_options();
    bad.rtp_port_min = 5000;
    bad.rtp_port_max = 4000;
    CHECK_FALSE(MediaSession::open(bad).ok());

    auto a = MediaSession::open(loopback_options());
    REQUIRE(a.ok());
    MediaParams p;
    p.remote_address = "127.0.0.1";
    p.remote_rtp_port = 4000;
    p.codec = {"speex", 97, 8000, 1};
    sipcall::Error e = (*a)->start(p, std::make_unique<SilenceSource>(), std::make_unique<NullSink>());
    CHECK(e.kind() == sipcall::ErrorKind::codec);
    CHECK(e.message().find("speex") != std::string::npos);
    p.codec = {"pcmu", 0, 8000, 1};
    p.remote_address = "300.1.2.3";
    CHECK((*a)->start(p, std::make_unique<SilenceSource>(), std::make_unique<NullSink>()).kind() ==
          sipcall::ErrorKind::unreachable);
    CHECK((*a)->update(p).kind() == sipcall::ErrorKind::no_media);  // not running
    (*a)->stop();
    p.remote_address = "127.0.0.1";
    CHECK((*a)->start(p, std::make_unique<SilenceSource>(), std::make_unique<NullSink>()).kind() ==
          sipcall::ErrorKind::no_media);  // a stopped session stays stopped
  }

  TEST_CASE("media_session::port pairs in a tiny range") {
    MediaOptions o = loopback_options();
    o.rtp_port_min = 41000;
    o.rtp_port_max = 41003;  // room for two pairs: 41000/1, 41002/3
    auto a = MediaSession::open(o);
    auto b = MediaSession::open(o);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK((*a)->local_rtp_port() != (*b)->local_rtp_port());
    auto c = MediaSession::open(o);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().kind() == sipcall::ErrorKind::no_local_address);
  }
}

namespace {
// A valid RTP packet of payload type 0 (PCMU), 160 bytes of silence.
std::vector<uint8_t> pcmu_packet(uint16_t sequence) {
  std::vector<uint8_t> p = {0x80, 0x00, uint8_t(sequence >> 8), uint8_t(sequence), 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78};
  p.resize(12 + 160, 0xff);
  return p;
}

int socket_on(const char* host) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, host, &a.sin_addr);
  REQUIRE(bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  return fd;
}
}  // namespace

TEST_SUITE("media_session") {
  TEST_CASE("media_session::only the negotiated peer is heard") {
    auto b = MediaSession::open(loopback_options());
    REQUIRE(b.ok());
    const auto [peer_fd, peer_port] = loopback_socket();
    MediaParams p = params_to(**b, {"pcmu", 0, 8000, 1});
    p.remote_rtp_port = peer_port;
    p.remote_rtcp_port = static_cast<uint16_t>(peer_port + 1);
    REQUIRE((*b)->start(p, std::make_unique<SilenceSource>(), std::make_unique<NullSink>()).ok());

    // Another host: a stranger, RTP and RTCP alike.
    const int far = socket_on("127.0.0.2");
    send_raw((*b)->local_rtp_port(), {pcmu_packet(1), pcmu_packet(2)}, far);
    send_raw((*b)->local_rtcp_port(), {{0x81, 0xcb, 0x00, 0x01, 0, 0, 0, 1}}, far);  // BYE
    CHECK(await([&] { return (*b)->stats().packets_from_strangers == 3; }, std::chrono::seconds(3)));
    CHECK((*b)->stats().packets_received == 0);
    CHECK((*b)->stats().packets_ignored == 3);
    CHECK_FALSE((*b)->stats().remote_bye);

    // The peer's host from another port: latched once, by valid RTP only.
    const int other_port = socket_on("127.0.0.1");
    send_raw((*b)->local_rtp_port(), {{0x01, 0x02}}, other_port);  // garbage latches nothing
    send_raw((*b)->local_rtp_port(), {pcmu_packet(3)}, other_port);
    CHECK(await([&] { return (*b)->stats().packets_received == 1; }, std::chrono::seconds(3)));
    // Once latched, even the SDP's own port is someone else.
    send_raw((*b)->local_rtp_port(), {pcmu_packet(4)}, peer_fd);
    CHECK(await([&] { return (*b)->stats().packets_from_strangers == 5; }, std::chrono::seconds(3)));
    CHECK((*b)->stats().packets_received == 1);

    // A re-INVITE moving the peer: its new port is heard, the old one not.
    const auto [moved_fd, moved_port] = loopback_socket();
    p.remote_rtp_port = moved_port;
    REQUIRE(!(*b)->update(p));
    send_raw((*b)->local_rtp_port(), {pcmu_packet(5)}, moved_fd);
    CHECK(await([&] { return (*b)->stats().packets_received == 2; }, std::chrono::seconds(3)));
    for (int fd : {far, other_port, peer_fd, moved_fd}) close(fd);
  }

  TEST_CASE("media_session::refused sends are counted as failed, not sent") {
    auto a = MediaSession::open(loopback_options());
    REQUIRE(a.ok());
    MediaParams p = params_to(**a, {"pcmu", 0, 8000, 1});
    p.remote_address = "255.255.255.255";  // broadcast without SO_BROADCAST: the kernel refuses every packet
    REQUIRE((*a)->start(p, std::make_unique<ToneSource>(440, 8000), std::make_unique<NullSink>()).ok());
    CHECK(await([&] { return (*a)->stats().packets_send_failed >= 5; }, std::chrono::seconds(3)));
    CHECK((*a)->stats().packets_sent == 0);
    CHECK((*a)->stats().send_error.find("255.255.255.255") != std::string::npos);
  }

  TEST_CASE("media_session::a peer of an address family our socket cannot reach is refused") {
    MediaOptions v6 = loopback_options();
    v6.local_address = "::1";
    auto a = MediaSession::open(v6);
    REQUIRE(a.ok());
    sipcall::Error e = (*a)->check_reachable("127.0.0.1");
    CHECK(e.kind() == sipcall::ErrorKind::no_media);
    CHECK(e.message().find("cannot be reached from our media address ::1") != std::string::npos);
    CHECK_FALSE((*a)->check_reachable("::1"));
    MediaParams p = params_to(**a, {"pcmu", 0, 8000, 1});
    CHECK((*a)->start(p, std::make_unique<SilenceSource>(), std::make_unique<NullSink>()).kind() ==
          sipcall::ErrorKind::no_media);

    MediaOptions dual = loopback_options();
    dual.local_address = "::";
    auto d = MediaSession::open(dual);
    REQUIRE(d.ok());
    CHECK_FALSE((*d)->check_reachable("127.0.0.1"));
    CHECK_FALSE((*d)->check_reachable("::1"));
    auto v4 = MediaSession::open(loopback_options());
    REQUIRE(v4.ok());
    CHECK((*v4)->check_reachable("::1").kind() == sipcall::ErrorKind::no_media);
  }
}
