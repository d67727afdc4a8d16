#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "commands/call/call_report.h"

using namespace sipcall;

namespace {

// The human lines a Reporter wrote, read back from its stream.
std::string human_lines(const CallResult& r, const media::MediaParams& p, const std::string& peer,
                        const std::string& prefix) {
  std::FILE* f = std::tmpfile();
  REQUIRE(f);
  {
    Reporter reporter(false, false, f, f);
    print_call_summary(reporter, r, p, peer, prefix);
  }
  std::fflush(f);
  std::rewind(f);
  std::string text;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, f)) text.append(buf, n);
  std::fclose(f);
  return text;
}

media::MediaParams pcmu() {
  media::MediaParams p;
  p.codec.name = "PCMU";
  p.codec.payload_type = 0;
  p.codec.clock_rate = 8000;
  p.remote_address = "127.0.0.1";
  p.remote_rtp_port = 40000;
  return p;
}

CallResult ended_call() {
  CallResult r;
  r.hangup_by = "remote";
  r.duration_ms = 2040;
  r.stats.packets_sent = 100;
  r.stats.packets_received = 98;
  r.stats.loss_fraction = 0.02;
  r.stats.jitter_ms = 1.25;
  r.stats.rtt_ms = -1;
  r.stats.mos = 4.3;
  return r;
}

}  // namespace

TEST_SUITE("call_report") {
  TEST_CASE("call_report::print_call_summary: audio line, who hung up, every line prefixed") {
    CallResult r = ended_call();
    r.dtmf_received = "12#";
    r.bye_status = -1;
    CHECK(human_lines(r, pcmu(), "the caller", "call 2: ") ==
          "call 2: audio: PCMU/8000 pt 0, sent 100, received 98 packets (2.0 % lost), jitter 1.2 ms, RTT n/a, MOS 4.30\n"
          "call 2: DTMF received: 12#\n"
          "call 2: the caller hung up after 2040 ms\n");
  }

  TEST_CASE("call_report::print_call_summary names send errors, strangers, the tone check and our BYE's fate") {
    CallResult r = ended_call();
    r.hangup_by = "local";
    r.stats.rtt_ms = 12.6;
    r.stats.packets_send_failed = 3;
    r.stats.send_error = "Network is unreachable";
    r.stats.packets_from_strangers = 5;
    r.expected_tone_hz = 440;
    r.tone.found = false;
    r.tone.ratio = 0.1;
    r.tone.dominant_hz = 1000;
    r.tone.level_dbfs = -20;
    r.bye_status = 0;
    std::string text = human_lines(r, pcmu(), "the far end", "");
    CHECK(text.find("RTT 13 ms") != std::string::npos);
    CHECK(text.find("\nsend errors: 3 RTP packets refused (Network is unreachable)\n") != std::string::npos);
    CHECK(text.find("\nignored 5 datagrams from sources other than the far end's media address\n") != std::string::npos);
    CHECK(text.find("\ntone check: 440 Hz NOT found (10 % of the received power, strongest 1000 Hz, -20 dBFS)\n") !=
          std::string::npos);
    CHECK(text.find("\nhung up after 2040 ms (our BYE got no answer)\n") != std::string::npos);

    r.bye_status = 481;
    r.bye_reason = "Call Does Not Exist";
    CHECK(human_lines(r, pcmu(), "the far end", "").find("hung up after 2040 ms (our BYE got 481 Call Does Not Exist)") !=
          std::string::npos);
  }

  TEST_CASE("call_report::add_call_report: media fields, DTMF, and the BYE only when we sent one") {
    CallResult r = ended_call();
    r.dtmf_sent = "123";
    JsonObject report;
    add_call_report(report, r, pcmu());
    std::string json = report.str();
    CHECK(json.find("\"codec\":\"PCMU\"") != std::string::npos);
    CHECK(json.find("\"packets_received\":98") != std::string::npos);
    CHECK(json.find("\"rtt_ms\":null") != std::string::npos);
    CHECK(json.find("\"dtmf_sent\":\"123\"") != std::string::npos);
    CHECK(json.find("\"dtmf_received\":\"\"") != std::string::npos);
    CHECK(json.find("expect_tone") == std::string::npos);
    CHECK(json.find("bye_status") == std::string::npos);

    r.bye_status = 200;
    r.bye_reason = "OK";
    r.expected_tone_hz = 440;
    r.tone.found = true;
    JsonObject with_bye;
    add_call_report(with_bye, r, pcmu());
    json = with_bye.str();
    CHECK(json.find("\"bye_status\":200,\"bye_reason\":\"OK\"") != std::string::npos);
    CHECK(json.find("\"expect_tone\":{\"hz\":440") != std::string::npos);
    CHECK(json.find("\"found\":true") != std::string::npos);
  }
}
