#include <doctest/doctest.h>

#include "sipcall/report/exit_codes.h"

#include "commands/request_failure.h"
#include "sipcall/config/server_url.h"

using namespace sipcall;

namespace {

SipEvent response(int status, const std::string& phrase, bool from_network = true) {
  SipEvent e;
  e.type = SipEventType::registration_failed;
  e.status = status;
  e.phrase = phrase;
  e.from_network = from_network;
  return e;
}

AgentOptions account(const std::string& password) {
  AgentOptions a;
  a.server = parse_server_url("sip:pbx.test").value();
  a.user = "101";
  a.password = password;
  return a;
}

}  // namespace

TEST_SUITE("request_failure") {
  TEST_CASE("request_failure::failure_message names the status, or the transport's diagnosis") {
    CHECK(failure_message(response(404, "Not Found"), "call to 102", "pbx.test") == "call to 102 failed: 404 Not Found");
    CHECK(failure_message(response(408, "Request Timeout", false), "register 101", "pbx.test") ==
          "register 101 failed: no response from pbx.test");
    SipEvent refused = response(503, "Service Unavailable", false);
    refused.detail = "connection refused";
    CHECK(failure_message(refused, "register 101", "pbx.test") ==
          "register 101 failed: cannot reach pbx.test (connection refused)");
    CHECK(failure_message(response(503, "x", false), "register 101", "pbx.test") ==
          "register 101 failed: cannot reach pbx.test");
    SipEvent hollow = response(200, "OK");
    hollow.detail = "200 OK kept no binding";
    CHECK(failure_message(hollow, "register 101", "pbx.test") == "register 101 failed: 200 OK kept no binding");
  }

  TEST_CASE("request_failure::exit_code_of takes the agent's verdict over the status") {
    CHECK(exit_code_of(response(403, "Forbidden")) == ExitCode::auth_failed);
    CHECK(exit_code_of(response(486, "Busy Here")) == ExitCode::busy);
    SipEvent judged = response(401, "Unauthorized");
    judged.verdict = ErrorKind::sip_refused;
    CHECK(exit_code_of(judged) == ExitCode::sip_failure);
  }

  TEST_CASE("request_failure::registration_error hints at the credentials only when they were refused") {
    Error none = registration_error(response(401, "Unauthorized"), account(""), "register 101");
    CHECK(exit_code_of(none) == ExitCode::auth_failed);
    CHECK(none.message() == "register 101 failed: 401 Unauthorized (no password given)");
    Error wrong = registration_error(response(403, "Forbidden"), account("secret"), "register 101");
    CHECK(wrong.message() == "register 101 failed: 403 Forbidden (wrong password or auth ID?)");
    SipEvent judged = response(401, "Unauthorized");
    judged.verdict = ErrorKind::auth_refused;
    judged.detail = "the server asks for Basic authentication";
    Error refused = registration_error(judged, account("secret"), "register 101");
    CHECK(exit_code_of(refused) == ExitCode::auth_failed);
    CHECK(refused.message() == "register 101 failed: the server asks for Basic authentication");
  }
}
