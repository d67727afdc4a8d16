#include <doctest/doctest.h>

#include "sipcall/sip/sip_trace.h"

using namespace sipcall;

TEST_SUITE("sip_trace") {
  TEST_CASE("sip_trace::redact_sip_message hides the digest response") {
    std::string msg =
        "REGISTER sip:pbx.test SIP/2.0\r\n"
        "Authorization: Digest username=\"101\", realm=\"pbx.test\", nonce=\"abc\", "
        "uri=\"sip:pbx.test\", response=\"0123456789abcdef\", cnonce=\"xyz\", nc=00000001\r\n"
        "Proxy-Authorization: Digest username=\"101\",response=feedface\r\n"
        "Subject: response=\"kept outside auth headers\"\r\n\r\n";
    auto out = redact_sip_message(msg);
    CHECK(out.find("0123456789abcdef") == std::string::npos);
    CHECK(out.find("feedface") == std::string::npos);
    CHECK(out.find("xyz") == std::string::npos);
    CHECK(out.find("username=\"101\"") != std::string::npos);
    CHECK(out.find("kept outside auth headers") != std::string::npos);
  }

  TEST_CASE("sip_trace::redact_sip_message hides credentials of any other scheme whole") {
    auto out = redact_sip_message(
        "REGISTER sip:pbx.test SIP/2.0\r\n"
        "Authorization: Basic MTAxOnNlY3JldA==\r\n"
        "proxy-authorization:Bearer abc.def\r\n"
        "Authorization: Digestive x=1\r\n\r\n");
    CHECK(out.find("MTAxOnNlY3JldA") == std::string::npos);
    CHECK(out.find("abc.def") == std::string::npos);
    CHECK(out.find("x=1") == std::string::npos);
    CHECK(out.find("Authorization: Basic <redacted>\r\n") != std::string::npos);
    CHECK(out.find("proxy-authorization:Bearer <redacted>\r\n") != std::string::npos);
    CHECK(redact_sip_message("Authorization: Basic abc") == "Authorization: Basic <redacted>");
    // An empty value holds nothing to hide, and redacting twice changes nothing (found by fuzz_sip_trace).
    CHECK(redact_sip_message("Authorization: \n") == "Authorization: \n");
    const auto once = redact_sip_message("Authorization: <redacted>\r\n");
    CHECK(redact_sip_message(once) == once);
  }

  TEST_CASE("sip_trace::redact_sip_message hides SDES keys in a=crypto") {
    const std::string key = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
    const std::string msg =
        "INVITE sip:171@example.test SIP/2.0\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n"
        "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key + "|2^20|1:4\r\n"
        "a=crypto:2 AEAD_AES_256_GCM INLINE:" + key + key.substr(0, 20) + "\r\n";
    const auto out = redact_sip_message(msg);
    CHECK(out.find(key) == std::string::npos);
    CHECK(out.find(key.substr(0, 12)) == std::string::npos);
    CHECK(out.find("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<redacted>|2^20|1:4\r\n") != std::string::npos);
    CHECK(out.find("a=crypto:2 AEAD_AES_256_GCM INLINE:<redacted>\r\n") != std::string::npos);
    CHECK(redact_sip_message(out) == out);  // idempotent
  }

  TEST_CASE("sip_trace::SofiaTraceParser reassembles piecewise dumps") {
    const std::string dump =
        "recv 60 bytes from udp/[127.0.0.1]:5060 at 10:00:00.000001:\n"
        "   ------------------------------------------------------------------------\n"
        "   SIP/2.0 200 OK\n"
        "   CSeq: 2 REGISTER\n"
        "   Content-Length: 0\n"
        "   \n"
        "   ------------------------------------------------------------------------\n";
    SofiaTraceParser parser;
    SipTrace trace;
    bool done = false;
    for (char c : dump) done = parser.feed(std::string_view(&c, 1), trace) || done;
    REQUIRE(done);
    CHECK_FALSE(trace.outgoing);
    CHECK(trace.peer == "udp/[127.0.0.1]:5060");
    CHECK(response_status(trace.text) == 200);
    CHECK(cseq(trace.text) == "2 REGISTER");
    CHECK(flow_label(trace.text) == "200 OK");
  }

  TEST_CASE("sip_trace::flow_label for requests") {
    CHECK(flow_label("INVITE sip:102@pbx SIP/2.0\r\n\r\n") == "INVITE sip:102@pbx SIP/2.0");
    CHECK(response_status("INVITE sip:102@pbx SIP/2.0\r\n") == 0);
    CHECK(response_status("SIP/2.0 1") == 0);
  }

  // The cases below are inputs that tests/fuzz/fuzz_sip_trace led to.
  TEST_CASE("sip_trace::response_status wants three digits") {
    using namespace std::string_view_literals;
    struct Case {
      std::string_view message;
      int status;
    };
    const Case cases[] = {
        {"SIP/2.0 -2\0"sv, 0},          // found by the fuzzer: was -2
        {"SIP/2.0 2xx OK\r\n"sv, 0},    // was 2
        {"SIP/2.0 +20 OK\r\n"sv, 0},
        {"SIP/2.0 099 Odd\r\n"sv, 0},
        {"SIP/2.0 100 Trying\r\n"sv, 100},
        {"SIP/2.0 699 Whatever\r\n"sv, 699},
    };
    for (const Case& c : cases) {
      CAPTURE(c.message);
      CHECK(response_status(c.message) == c.status);
    }
    CHECK(flow_label("SIP/2.0 -2 x\r\n") == "SIP/2.0 -2 x");
  }

  TEST_CASE("sip_trace::redact_sip_message survives long values and keeps line ends") {
    // A 100 KB response value overflowed the stack of the std::regex that
    // redaction used.
    const std::string huge(100'000, 'a');
    for (const std::string& value : {huge, '"' + huge + '"'}) {
      const auto out = redact_sip_message("Authorization: Digest response=" + value + "\r\n\r\n");
      CHECK(out == "Authorization: Digest response=\"<redacted>\"\r\n\r\n");
    }
    // An empty value at the end of the line: "<redacted>" went after the
    // CRLF, to the start of the next line (found by the fuzzer as
    // "redacting twice changes the text").
    const std::string msg = "Authorization: Digest response=\"x\", cnonce= \r\nCSeq: 1 REGISTER\r\n";
    const auto out = redact_sip_message(msg);
    CHECK(out == "Authorization: Digest response=\"<redacted>\", cnonce= \"<redacted>\"\r\nCSeq: 1 REGISTER\r\n");
    CHECK(redact_sip_message(out) == out);
    CHECK(cseq(out) == "1 REGISTER");
  }
}
