// SDP parsing (through Sofia-SIP) and our offer/answer rules. SDP bodies are
// written as line lists so each case can be joined with CRLF or bare LF.
#include <doctest/doctest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "sipcall/sip/sdp.h"

using namespace sipcall;
using media::Direction;

namespace {

std::string sdp_text(std::initializer_list<const char*> lines, const char* eol = "\r\n") {
  std::string s;
  for (const char* l : lines) s += std::string(l) + eol;
  return s;
}

// A Yealink-style offer: G.711, G.729, G.722 and telephone-event, no rtpmap
// for the static types it lists last.
const std::initializer_list<const char*> kPhoneOffer = {
    "v=0",
    "o=- 20518 0 IN IP4 192.0.2.10",
    "s=SDP data",
    "c=IN IP4 192.0.2.10",
    "t=0 0",
    "m=audio 11780 RTP/AVP 0 8 18 9 101",
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000",
    "a=rtpmap:18 G729/8000",
    "a=fmtp:18 annexb=no",
    "a=rtpmap:9 G722/8000",
    "a=fmtp:101 0-15",
    "a=rtpmap:101 telephone-event/8000",
    "a=ptime:20",
    "a=sendrecv",
};

// A 3CX-style answer to an opus offer: opus at 112, telephone-event/48000 at 101.
const std::initializer_list<const char*> k3cxAnswer = {
    "v=0",
    "o=3cxPS 2185822208 2185822209 IN IP4 198.51.100.7",
    "s=3cxPS Audio call",
    "c=IN IP4 198.51.100.7",
    "t=0 0",
    "m=audio 7078 RTP/AVP 112 101",
    "c=IN IP4 198.51.100.7",
    "a=rtpmap:112 opus/48000/2",
    "a=fmtp:112 useinbandfec=1",
    "a=rtpmap:101 telephone-event/48000",
    "a=fmtp:101 0-15",
    "a=rtcp:7079",
    "a=sendrecv",
};

SdpAudio parsed(const std::string& body) {
  auto r = parse_sdp(body);
  REQUIRE_MESSAGE(r.ok(), r.error().message());
  return r.value();
}

// The body of a minimal one-stream SDP with `media_lines` after the m= line.
std::string audio_sdp(const char* m_line, std::initializer_list<const char*> media_lines = {},
                      const char* connection = "c=IN IP4 192.0.2.1") {
  std::string s = sdp_text({"v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", connection, "t=0 0", m_line});
  for (const char* l : media_lines) s += std::string(l) + "\r\n";
  return s;
}

SdpFormat format(int pt, const char* encoding, int rate, int channels = 1, const char* fmtp = "") {
  return {pt, encoding, rate, channels, fmtp};
}

void check_same_formats(const std::vector<SdpFormat>& got, const std::vector<SdpFormat>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].payload_type == want[i].payload_type);
    CHECK(got[i].encoding == want[i].encoding);
    CHECK(got[i].clock_rate == want[i].clock_rate);
    CHECK(got[i].channels == want[i].channels);
    CHECK(got[i].fmtp == want[i].fmtp);
  }
}

// The answer/offer as the peer would send it: address, port and formats.
SdpAudio peer(std::vector<SdpFormat> formats, const char* address = "192.0.2.1", uint16_t port = 4000) {
  SdpAudio a;
  a.address = address;
  a.port = port;
  a.formats = std::move(formats);
  return a;
}

}  // namespace

TEST_SUITE("sdp") {
  TEST_CASE("sdp::parse_sdp reads a phone's offer, with CRLF and with bare LF") {
    for (const char* eol : {"\r\n", "\n"}) {
      CAPTURE(eol[0] == '\r');
      SdpAudio a = parsed(sdp_text(kPhoneOffer, eol));
      CHECK(a.address == "192.0.2.10");
      CHECK(a.port == 11780);
      CHECK(a.rtcp_port == 0);
      CHECK_FALSE(a.rtcp_mux);
      CHECK(a.ptime_ms == 20);
      CHECK(a.direction == Direction::sendrecv);
      check_same_formats(a.formats, {format(0, "PCMU", 8000), format(8, "PCMA", 8000),
                                     format(18, "G729", 8000, 1, "annexb=no"), format(9, "G722", 8000),
                                     format(101, "telephone-event", 8000, 1, "0-15")});
    }
  }

  TEST_CASE("sdp::parse_sdp reads a 3CX answer with opus at 112") {
    SdpAudio a = parsed(sdp_text(k3cxAnswer));
    CHECK(a.address == "198.51.100.7");
    CHECK(a.port == 7078);
    CHECK(a.rtcp_port == 7079);
    CHECK(a.ptime_ms == 0);
    check_same_formats(a.formats, {format(112, "opus", 48000, 2, "useinbandfec=1"),
                                   format(101, "telephone-event", 48000, 1, "0-15")});
  }

  TEST_CASE("sdp::parse_sdp knows static payload types without rtpmap") {
    SdpAudio a = parsed(audio_sdp("m=audio 5004 RTP/AVP 0 8"));
    check_same_formats(a.formats, {format(0, "PCMU", 8000), format(8, "PCMA", 8000)});
  }

  TEST_CASE("sdp::parse_sdp reads media attributes") {
    struct Row {
      const char* name;
      std::initializer_list<const char*> lines;
      uint16_t rtcp_port;
      bool rtcp_mux;
      int ptime_ms;
      Direction direction;
    };
    const Row rows[] = {
        {"none", {}, 0, false, 0, Direction::sendrecv},
        {"rtcp port", {"a=rtcp:5005"}, 5005, false, 0, Direction::sendrecv},
        {"rtcp port and address", {"a=rtcp:53020 IN IP4 192.0.2.9"}, 53020, false, 0, Direction::sendrecv},
        {"rtcp-mux", {"a=rtcp-mux"}, 0, true, 0, Direction::sendrecv},
        {"rtcp and rtcp-mux", {"a=rtcp:5004", "a=rtcp-mux"}, 5004, true, 0, Direction::sendrecv},
        {"ptime", {"a=ptime:30"}, 0, false, 30, Direction::sendrecv},
        {"sendrecv", {"a=sendrecv"}, 0, false, 0, Direction::sendrecv},
        {"sendonly", {"a=sendonly"}, 0, false, 0, Direction::sendonly},
        {"recvonly", {"a=recvonly"}, 0, false, 0, Direction::recvonly},
        {"inactive", {"a=inactive"}, 0, false, 0, Direction::inactive},
    };
    for (const auto& r : rows) {
      CAPTURE(std::string(r.name));
      SdpAudio a = parsed(audio_sdp("m=audio 5004 RTP/AVP 0", r.lines));
      CHECK(a.rtcp_port == r.rtcp_port);
      CHECK(a.rtcp_mux == r.rtcp_mux);
      CHECK(a.ptime_ms == r.ptime_ms);
      CHECK(a.direction == r.direction);
    }
  }

  TEST_CASE("sdp::parse_sdp takes session-level ptime and direction unless the media overrides them") {
    const char* head[] = {"v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0"};
    std::string session;
    for (const char* l : head) session += std::string(l) + "\r\n";
    session += "a=ptime:40\r\na=sendonly\r\n";

    SdpAudio inherited = parsed(session + "m=audio 5004 RTP/AVP 0\r\n");
    CHECK(inherited.ptime_ms == 40);
    CHECK(inherited.direction == Direction::sendonly);

    SdpAudio overridden = parsed(session + "m=audio 5004 RTP/AVP 0\r\na=ptime:20\r\na=inactive\r\n");
    CHECK(overridden.ptime_ms == 20);
    CHECK(overridden.direction == Direction::inactive);
  }

  TEST_CASE("sdp::parse_sdp takes c= from the media, else from the session") {
    std::string both = sdp_text({"v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
                                 "m=audio 5004 RTP/AVP 0", "c=IN IP4 203.0.113.5"});
    CHECK(parsed(both).address == "203.0.113.5");
    std::string media_only = sdp_text({"v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0", "m=audio 5004 RTP/AVP 0",
                                       "c=IN IP4 203.0.113.6"});
    CHECK(parsed(media_only).address == "203.0.113.6");
    CHECK(parsed(audio_sdp("m=audio 5004 RTP/AVP 0")).address == "192.0.2.1");
  }

  TEST_CASE("sdp::parse_sdp reads IPv6 and old-style hold addresses") {
    SdpAudio v6 = parsed(audio_sdp("m=audio 5004 RTP/AVP 0", {}, "c=IN IP6 2001:db8::1"));
    CHECK(v6.address == "2001:db8::1");
    SdpAudio hold = parsed(audio_sdp("m=audio 5004 RTP/AVP 0", {}, "c=IN IP4 0.0.0.0"));
    CHECK(hold.address == "0.0.0.0");
    CHECK(hold.port == 5004);
  }

  TEST_CASE("sdp::parse_sdp picks the audio stream after a video stream") {
    SdpAudio a = parsed(sdp_text({"v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
                                  "m=video 6000 RTP/AVP 96", "a=rtpmap:96 H264/90000", "a=rtcp:6011",
                                  "a=sendonly", "m=audio 5004 RTP/AVP 8", "a=ptime:20"}));
    CHECK(a.port == 5004);
    CHECK(a.rtcp_port == 0);
    CHECK(a.direction == Direction::sendrecv);
    check_same_formats(a.formats, {format(8, "PCMA", 8000)});
  }

  TEST_CASE("sdp::parse_sdp reports a rejected stream as port 0") {
    SdpAudio a = parsed(audio_sdp("m=audio 0 RTP/AVP 0"));
    CHECK(a.port == 0);
  }

  TEST_CASE("sdp::parse_sdp rejects what is not plain RTP audio SDP with a media error") {
    struct Row {
      const char* name;
      std::string body;
      const char* reason;  // part of the message
    };
    const Row rows[] = {
        {"empty", "", "no SDP"},
        {"garbage", "hello world\r\n", ""},
        {"binary", std::string("\x00\xff\x01v=0\r\n", 7), ""},
        {"only v=", "v=0\r\n", ""},
        {"truncated in m=", sdp_text({"v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
                                      "m=aud"}),
         ""},
        {"truncated mid-line", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 19", ""},
        {"no media", sdp_text({"v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0"}),
         "no audio"},
        {"video only", audio_sdp("m=video 6000 RTP/AVP 96"), "no audio"},
        {"SRTP with feedback", audio_sdp("m=audio 5004 RTP/SAVPF 0"), "RTP/SAVPF"},
        {"no c=", sdp_text({"v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0", "m=audio 5004 RTP/AVP 0"}), ""},
        {"payload type out of range", audio_sdp("m=audio 5004 RTP/AVP 128"), ""},
        {"port out of range", audio_sdp("m=audio 70000 RTP/AVP 0"), ""},
        // Sofia-SIP's parser never returns from these (fuzz_sdp found the first).
        {"format starting outside the token grammar", audio_sdp("m=audio 5000 FOO /x"), "m= line"},
        {"high byte in the transport", audio_sdp("m=audio 5000 R\xa5/AVP 0"), "m= line"},
        {"letters in the port", audio_sdp("m=audio 4000T /RPAVP 0"), "m= line"},
        {"empty transport part", audio_sdp("m=audio 4000 RTP//AVP 0"), "m= line"},
        {"tabs and no format after the transport", "v=0\r\no=- 2 4 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 9200\t\t9\t\t\t", ""},
        {"indented m= line with a high byte", "v=0\r\n m=aiP 0 0 10ep%\xff\xff" "ele\r\n", "m= line"},
        {"NUL in an m= line", std::string("v=0\r\nm=- 1 1 \t\0IN\r\n", 19), "NUL"},
        {"m= after a bare CR", "v=0\r\no=- 2 2 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\rm=audio 5002P6 : RTP/AVP 0\r\n",
         "m= line"},
    };
    for (const auto& r : rows) {
      CAPTURE(std::string(r.name));
      auto result = parse_sdp(r.body);
      REQUIRE_FALSE(result.ok());
      CHECK(result.error().kind() == ErrorKind::unusable_sdp);
      CHECK(result.error().message().find(r.reason) != std::string::npos);
    }
  }

  TEST_CASE("sdp::parse_sdp survives every truncation of a real SDP") {
    for (const std::string& full : {sdp_text(kPhoneOffer), sdp_text(k3cxAnswer, "\n")}) {
      for (size_t n = 0; n < full.size(); ++n) {
        CAPTURE(n);
        auto result = parse_sdp(full.substr(0, n));
        if (!result.ok()) CHECK(result.error().kind() == ErrorKind::unusable_sdp);
      }
    }
  }

  TEST_CASE("sdp::build_sdp output parses back to the same values") {
    struct Row {
      const char* address;
      bool rtcp_mux;
      Direction direction;
    };
    const Row rows[] = {
        {"127.0.0.1", false, Direction::sendrecv}, {"127.0.0.1", true, Direction::sendonly},
        {"::1", false, Direction::recvonly},       {"2001:db8::7", true, Direction::inactive},
        {"10.1.2.3", false, Direction::inactive},  {"::1", true, Direction::sendrecv},
    };
    std::vector<SdpFormat> formats = offer_formats({"opus", "pcmu", "pcma"});
    for (const auto& r : rows) {
      CAPTURE(std::string(r.address));
      CAPTURE(r.rtcp_mux);
      CAPTURE(static_cast<int>(r.direction));
      LocalMedia local;
      local.address = r.address;
      local.rtp_port = 40000;
      local.rtcp_port = 40001;
      local.session_id = 1234567890123ULL;
      local.version = 3;
      local.ptime_ms = 40;
      local.direction = r.direction;
      local.rtcp_mux = r.rtcp_mux;
      std::string text = build_sdp(local, formats);
      CHECK(text.find(std::string(r.address).find(':') == std::string::npos ? "c=IN IP4 " : "c=IN IP6 ") != std::string::npos);
      SdpAudio a = parsed(text);
      CHECK(a.address == r.address);
      CHECK(a.port == 40000);
      CHECK(a.rtcp_mux == r.rtcp_mux);
      CHECK(a.rtcp_port == (r.rtcp_mux ? 0 : 40001));
      CHECK(a.ptime_ms == 40);
      CHECK(a.direction == r.direction);
      check_same_formats(a.formats, formats);
    }
  }

  TEST_CASE("sdp::offer_formats lists codecs in order, then telephone-event per clock rate") {
    check_same_formats(offer_formats({"pcma", "opus"}),
                       {format(8, "PCMA", 8000), format(111, "opus", 48000, 2, "minptime=10;useinbandfec=1"),
                        format(110, "telephone-event", 48000, 1, "0-16"),
                        format(101, "telephone-event", 8000, 1, "0-16")});
    check_same_formats(offer_formats({"pcmu"}), {format(0, "PCMU", 8000), format(101, "telephone-event", 8000, 1, "0-16")});
    check_same_formats(offer_formats({"opus"}), {format(111, "opus", 48000, 2, "minptime=10;useinbandfec=1"),
                                                 format(110, "telephone-event", 48000, 1, "0-16")});
  }

  TEST_CASE("sdp::accept_answer takes the answer's payload types (3CX: opus at 112)") {
    SdpAudio answer = parsed(sdp_text(k3cxAnswer));
    auto p = accept_answer(answer, offer_formats({"opus", "pcmu"}));
    REQUIRE_MESSAGE(p.ok(), p.error().message());
    CHECK(p->remote_address == "198.51.100.7");
    CHECK(p->remote_rtp_port == 7078);
    CHECK(p->remote_rtcp_port == 7079);
    CHECK(p->codec.name == "opus");
    CHECK(p->codec.payload_type == 112);
    CHECK(p->codec.clock_rate == 48000);
    CHECK(p->codec.channels == 2);
    CHECK(p->telephone_event_pt == 101);
    CHECK(p->telephone_event_rate == 48000);
    CHECK(p->ptime_ms == 20);
    CHECK(p->direction == Direction::sendrecv);
    CHECK_FALSE(p->rtcp_mux);
  }

  TEST_CASE("sdp::accept_answer takes the first offered codec of the answer") {
    struct Row {
      const char* name;
      std::vector<std::string> offered;
      std::vector<SdpFormat> answer;
      const char* codec;  // nullptr = error
      int payload_type;
    };
    const Row rows[] = {
        {"first of two", {"pcmu", "pcma"}, {format(8, "PCMA", 8000), format(0, "PCMU", 8000)}, "pcma", 8},
        {"case-insensitive", {"pcmu"}, {format(0, "pcmu", 8000)}, "pcmu", 0},
        {"skips one we did not offer", {"pcma"}, {format(0, "PCMU", 8000), format(8, "PCMA", 8000)}, "pcma", 8},
        {"skips unknown codecs", {"pcmu"}, {format(18, "G729", 8000), format(0, "PCMU", 8000)}, "pcmu", 0},
        {"wrong clock rate is another codec", {"opus"}, {format(111, "opus", 16000, 2)}, nullptr, 0},
        {"only codecs we did not offer", {"opus"}, {format(0, "PCMU", 8000), format(8, "PCMA", 8000)}, nullptr, 0},
        {"only telephone-event", {"pcmu"}, {format(101, "telephone-event", 8000)}, nullptr, 0},
        {"nothing", {"pcmu"}, {}, nullptr, 0},
    };
    for (const auto& r : rows) {
      CAPTURE(std::string(r.name));
      auto p = accept_answer(peer(r.answer), offer_formats(r.offered));
      if (!r.codec) {
        REQUIRE_FALSE(p.ok());
        CHECK(p.error().kind() == ErrorKind::unusable_sdp);
        continue;
      }
      REQUIRE_MESSAGE(p.ok(), p.error().message());
      CHECK(p->codec.name == r.codec);
      CHECK(p->codec.payload_type == r.payload_type);
    }
  }

  TEST_CASE("sdp::accept_answer prefers the telephone-event with the codec's clock rate") {
    struct Row {
      const char* name;
      std::vector<SdpFormat> answer;
      int te_pt;
      int te_rate;
    };
    const Row rows[] = {
        {"matching rate wins over order",
         {format(0, "PCMU", 8000), format(110, "telephone-event", 48000), format(101, "telephone-event", 8000)},
         101, 8000},
        {"else any", {format(0, "PCMU", 8000), format(96, "telephone-event", 48000)}, 96, 48000},
        {"none", {format(0, "PCMU", 8000)}, -1, 0},
    };
    for (const auto& r : rows) {
      CAPTURE(std::string(r.name));
      auto p = accept_answer(peer(r.answer), offer_formats({"pcmu"}));
      REQUIRE(p.ok());
      CHECK(p->telephone_event_pt == r.te_pt);
      CHECK(p->telephone_event_rate == r.te_rate);
    }
  }

  TEST_CASE("sdp::accept_answer uses the peer's ptime only when the codec can send it") {
    struct Row {
      const char* codec;
      int ptime_ms;
      int expected;
    };
    const Row rows[] = {
        {"pcmu", 0, 20},  {"pcmu", 10, 10}, {"pcmu", 30, 30}, {"pcmu", 60, 60}, {"pcmu", 70, 20},
        {"pcmu", 25, 20}, {"pcmu", 5, 20},  {"pcmu", -20, 20}, {"opus", 30, 20}, {"opus", 50, 20},
        {"opus", 40, 40}, {"opus", 60, 60}, {"opus", 10, 10},
    };
    for (const auto& r : rows) {
      CAPTURE(std::string(r.codec));
      CAPTURE(r.ptime_ms);
      std::vector<SdpFormat> offered = offer_formats({r.codec});
      SdpAudio answer = peer({offered.front()});
      answer.ptime_ms = r.ptime_ms;
      auto p = accept_answer(answer, offered);
      REQUIRE(p.ok());
      CHECK(p->ptime_ms == r.expected);
    }
  }

  TEST_CASE("sdp::accept_answer keeps the peer's direction; old-style hold is inactive") {
    struct Row {
      const char* address;
      Direction direction;
      Direction expected;
    };
    const Row rows[] = {
        {"192.0.2.1", Direction::sendrecv, Direction::sendrecv},
        {"192.0.2.1", Direction::sendonly, Direction::sendonly},
        {"192.0.2.1", Direction::recvonly, Direction::recvonly},
        {"192.0.2.1", Direction::inactive, Direction::inactive},
        {"0.0.0.0", Direction::sendrecv, Direction::inactive},
        {"0.0.0.0", Direction::recvonly, Direction::inactive},
        {"::", Direction::sendrecv, Direction::inactive},
    };
    for (const auto& r : rows) {
      CAPTURE(std::string(r.address));
      CAPTURE(static_cast<int>(r.direction));
      SdpAudio answer = peer({format(0, "PCMU", 8000)}, r.address);
      answer.direction = r.direction;
      auto p = accept_answer(answer, offer_formats({"pcmu"}));
      REQUIRE(p.ok());
      CHECK(p->direction == r.expected);
    }
    // The same through the parser: an answer with c=0.0.0.0.
    auto p = accept_answer(parsed(audio_sdp("m=audio 5004 RTP/AVP 0", {}, "c=IN IP4 0.0.0.0")), offer_formats({"pcmu"}));
    REQUIRE(p.ok());
    CHECK(p->direction == Direction::inactive);
  }

  TEST_CASE("sdp::accept_answer fails on a rejected stream and never multiplexes RTCP") {
    auto rejected = accept_answer(parsed(audio_sdp("m=audio 0 RTP/AVP 0")), offer_formats({"pcmu"}));
    REQUIRE_FALSE(rejected.ok());
    CHECK(rejected.error().kind() == ErrorKind::unusable_sdp);
    CHECK(rejected.error().message().find("port 0") != std::string::npos);

    SdpAudio mux = peer({format(0, "PCMU", 8000)});
    mux.rtcp_mux = true;
    auto p = accept_answer(mux, offer_formats({"pcmu"}));
    REQUIRE(p.ok());
    CHECK_FALSE(p->rtcp_mux);
  }

  TEST_CASE("sdp::answer_offer follows our preference and keeps the offer's payload types") {
    struct Row {
      const char* name;
      std::vector<std::string> ours;
      std::vector<SdpFormat> offer;
      const char* codec;
      std::vector<SdpFormat> answer_formats;
    };
    const SdpFormat opus96 = format(96, "OPUS", 48000, 2, "useinbandfec=1");
    const SdpFormat pcmu = format(0, "PCMU", 8000);
    const SdpFormat pcma = format(8, "PCMA", 8000);
    const SdpFormat te8k = format(100, "telephone-event", 8000, 1, "0-15");
    const SdpFormat te48k = format(97, "telephone-event", 48000, 1, "0-15");
    const Row rows[] = {
        {"ours first, not the offer's", {"pcma", "pcmu"}, {pcmu, pcma, te8k}, "pcma", {pcma, te8k}},
        {"opus at the offer's type with its telephone-event",
         {"opus", "pcmu"},
         {pcmu, te8k, opus96, te48k},
         "opus",
         {opus96, te48k}},
        {"falls back to a later preference", {"opus", "pcma"}, {pcmu, pcma}, "pcma", {pcma}},
        {"telephone-event of another rate when none matches", {"opus"}, {opus96, te8k}, "opus", {opus96, te8k}},
        {"unknown codecs ignored", {"pcmu"}, {format(18, "G729", 8000), format(9, "G722", 8000), pcmu}, "pcmu", {pcmu}},
    };
    for (const auto& r : rows) {
      CAPTURE(std::string(r.name));
      std::vector<SdpFormat> formats = {format(1, "stale", 1)};
      auto p = answer_offer(peer(r.offer), r.ours, formats);
      REQUIRE_MESSAGE(p.ok(), p.error().message());
      CHECK(p->codec.name == r.codec);
      CHECK(p->codec.payload_type == r.answer_formats.front().payload_type);
      CHECK(p->telephone_event_pt == (r.answer_formats.size() > 1 ? r.answer_formats[1].payload_type : -1));
      check_same_formats(formats, r.answer_formats);
    }
  }

  TEST_CASE("sdp::answer_offer answers a phone's offer end to end") {
    SdpAudio offer = parsed(sdp_text(kPhoneOffer));
    std::vector<SdpFormat> formats;
    auto p = answer_offer(offer, {"opus", "pcma", "pcmu"}, formats);
    REQUIRE(p.ok());
    CHECK(p->remote_address == "192.0.2.10");
    CHECK(p->remote_rtp_port == 11780);
    CHECK(p->codec.name == "pcma");
    CHECK(p->codec.payload_type == 8);
    CHECK(p->telephone_event_pt == 101);
    CHECK(p->ptime_ms == 20);

    LocalMedia local;
    local.address = "127.0.0.1";
    local.rtp_port = 30000;
    local.rtcp_port = 30001;
    local.direction = answer_direction(offer.direction);
    SdpAudio ours = parsed(build_sdp(local, formats));
    check_same_formats(ours.formats, {format(8, "PCMA", 8000), format(101, "telephone-event", 8000, 1, "0-15")});
  }

  TEST_CASE("sdp::answer_offer echoes rtcp-mux and the offer's direction") {
    for (bool mux : {false, true}) {
      CAPTURE(mux);
      SdpAudio offer = peer({format(0, "PCMU", 8000)});
      offer.rtcp_mux = mux;
      offer.direction = Direction::sendonly;
      std::vector<SdpFormat> formats;
      auto p = answer_offer(offer, {"pcmu"}, formats);
      REQUIRE(p.ok());
      CHECK(p->rtcp_mux == mux);
      CHECK(p->direction == Direction::sendonly);
    }
    // Old-style hold re-INVITE.
    std::vector<SdpFormat> formats;
    auto hold = answer_offer(peer({format(0, "PCMU", 8000)}, "0.0.0.0"), {"pcmu"}, formats);
    REQUIRE(hold.ok());
    CHECK(hold->direction == Direction::inactive);
  }

  TEST_CASE("sdp::answer_offer fails with nothing in common or no active stream") {
    struct Row {
      const char* name;
      SdpAudio offer;
    };
    const Row rows[] = {
        {"no common codec", peer({format(0, "PCMU", 8000), format(101, "telephone-event", 8000)})},
        {"only unknown codecs", peer({format(18, "G729", 8000)})},
        {"no formats", peer({})},
        {"port 0", peer({format(111, "opus", 48000, 2)}, "192.0.2.1", 0)},
    };
    for (const auto& r : rows) {
      CAPTURE(std::string(r.name));
      std::vector<SdpFormat> formats = {format(1, "stale", 1)};
      auto p = answer_offer(r.offer, {"opus", "pcma"}, formats);
      REQUIRE_FALSE(p.ok());
      CHECK(p.error().kind() == ErrorKind::unusable_sdp);
      CHECK(formats.empty());
    }
  }

  TEST_CASE("sdp::answer_direction mirrors the offer") {
    CHECK(answer_direction(Direction::sendrecv) == Direction::sendrecv);
    CHECK(answer_direction(Direction::sendonly) == Direction::recvonly);
    CHECK(answer_direction(Direction::recvonly) == Direction::sendonly);
    CHECK(answer_direction(Direction::inactive) == Direction::inactive);
  }

  TEST_CASE("sdp::parse_codec_list") {
    struct Row {
      const char* text;
      std::vector<std::string> expected;  // empty = usage error
    };
    const Row rows[] = {
        {"opus", {"opus"}},
        {"opus,pcmu,pcma", {"opus", "pcmu", "pcma"}},
        {"PCMA, Opus", {"pcma", "opus"}},
        {"pcmu,opus,PCMU,opus", {"pcmu", "opus"}},
        {" pcmu , ,pcma,", {"pcmu", "pcma"}},
        {"", {}},
        {" , ,", {}},
        {"g729", {}},
        {"opus,g722", {}},
        {"opus;pcmu", {}},
    };
    for (const auto& r : rows) {
      CAPTURE(std::string(r.text));
      auto codecs = parse_codec_list(r.text);
      if (r.expected.empty()) {
        REQUIRE_FALSE(codecs.ok());
        CHECK(codecs.error().kind() == ErrorKind::bad_input);
        continue;
      }
      REQUIRE_MESSAGE(codecs.ok(), codecs.error().message());
      CHECK(codecs.value() == r.expected);
    }
  }
}

TEST_SUITE("sdp") {
  TEST_CASE("sdp::parse_sdp and build_sdp keep the offer's other streams, refused in place") {
    const std::string offer =
        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
        "m=video 6000 RTP/AVP 96 97\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:97 H264/90000\r\n"
        "m=audio 5004 RTP/AVP 0\r\n"
        "m=application 7000 UDP/BFCP *\r\n";
    auto parsed = parse_sdp(offer);
    REQUIRE(parsed.ok());
    CHECK(parsed->rejected_before == std::vector<std::string>{"m=video 0 RTP/AVP 96"});
    CHECK(parsed->rejected_after == std::vector<std::string>{"m=application 0 UDP/BFCP *"});

    LocalMedia local;
    local.address = "192.0.2.9";
    local.rtp_port = 10000;
    local.rtcp_port = 10001;
    local.rejected_before = parsed->rejected_before;
    local.rejected_after = parsed->rejected_after;
    std::vector<SdpFormat> formats;
    REQUIRE(answer_offer(parsed.value(), {"pcmu"}, formats).ok());
    std::string answer = build_sdp(local, formats);
    auto video = answer.find("m=video 0 RTP/AVP 96\r\n");
    auto audio = answer.find("m=audio 10000 RTP/AVP 0");
    auto app = answer.find("m=application 0 UDP/BFCP *\r\n");
    REQUIRE(video != std::string::npos);
    REQUIRE(audio != std::string::npos);
    REQUIRE(app != std::string::npos);
    CHECK(video < audio);
    CHECK(audio < app);
    auto again = parse_sdp(answer);
    REQUIRE(again.ok());
    CHECK(again->port == 10000);
  }
}

namespace {
// An audio offer from Chrome 156 (JsSIP), as the test PBX passes it on.
const char* kChromeOffer =
    "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "a=group:BUNDLE 0\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS a1b2\r\n"
    "m=audio 46243 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
    "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=candidate:1467250027 1 udp 2122260223 198.51.100.1 46243 typ host generation 0 network-id 1\r\n"
    "a=candidate:1467250027 1 tcp 1518280447 198.51.100.1 9 typ host tcptype active generation 0\r\n"
    "a=ice-ufrag:Pw1d\r\na=ice-pwd:VG0DoB5gB2ThaP8nC2BPR8Kr\r\na=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n"
    "a=setup:actpass\r\na=mid:0\r\na=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=sendrecv\r\na=msid:a1b2 c3d4\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\na=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:63 red/48000/2\r\n"
    "a=fmtp:63 111/111\r\na=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:13 CN/8000\r\na=rtpmap:110 telephone-event/48000\r\na=rtpmap:126 telephone-event/8000\r\n"
    "a=ssrc:3907349282 cname:Nsk1Zl+x0YyH0vGj\r\n";
}  // namespace

TEST_CASE("sdp: Chrome's WebRTC offer is WebRTC media with its ICE and DTLS attributes, mid and BUNDLE") {
  auto offer = parse_sdp(kChromeOffer);
  REQUIRE_MESSAGE(offer.ok(), offer.error().message());
  CHECK(offer->webrtc);
  CHECK_FALSE(offer->srtp);
  CHECK(offer->mid == "0");
  CHECK(offer->bundle);
  CHECK(offer->session_transport.empty());
  // Two candidates, credentials, options, fingerprint, setup: nothing else.
  CHECK(offer->media_transport.size() == 7);
  std::vector<SdpFormat> formats;
  auto params = answer_offer(*offer, {"opus", "pcmu"}, formats);
  REQUIRE_MESSAGE(params.ok(), params.error().message());
  CHECK(params->codec.name == "opus");
  REQUIRE(params->webrtc.has_value());
  CHECK(params->webrtc->media == offer->media_transport);
  CHECK(params->rtcp_mux);
  // c=0.0.0.0 is the default candidate here, not old-style hold.
  CHECK(params->direction == media::Direction::sendrecv);
}

TEST_CASE("sdp: our WebRTC answer has the SAVPF profile, BUNDLE and mid as offered, rtcp-mux and the transport lines") {
  LocalMedia local;
  local.address = "127.0.0.1";
  local.rtp_port = 40012;
  local.transport = {{"ice-ufrag", "abcd1234"}, {"setup", "active"}, {"end-of-candidates", ""}};
  local.mid = "0";
  local.bundle = true;
  std::string sdp = build_sdp(local, offer_formats({"pcmu"}));
  CHECK(sdp.find("m=audio 40012 UDP/TLS/RTP/SAVPF 0 101\r\n") != std::string::npos);
  CHECK(sdp.find("a=group:BUNDLE 0\r\n") < sdp.find("m=audio"));
  CHECK(sdp.find("a=mid:0\r\n") != std::string::npos);
  CHECK(sdp.find("a=rtcp-mux\r\n") != std::string::npos);
  CHECK(sdp.find("a=ice-ufrag:abcd1234\r\n") != std::string::npos);
  CHECK(sdp.find("a=end-of-candidates\r\n") != std::string::npos);
  auto back = parse_sdp(sdp);
  REQUIRE(back.ok());
  CHECK(back->webrtc);
  CHECK(back->bundle);
}
