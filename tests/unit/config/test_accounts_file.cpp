#include <doctest/doctest.h>

#include <sstream>

#include "sipcall/config/accounts_file.h"
#include "sipcall/sip/sip_trace.h"

using namespace sipcall;

namespace {

Result<std::vector<AccountLine>> parse(const std::string& text) {
  std::istringstream in(text);
  return parse_accounts(in, "list.txt");
}

}  // namespace

TEST_SUITE("accounts_file") {
  TEST_CASE("accounts_file::parse_accounts reads fields, skips comments and empty lines") {
    auto r = parse("# ext password auth\n\n  101 pw101\n102\tpw102\tauth102\r\n#103 pw\n104\n");
    REQUIRE(r.ok());
    const auto& a = r.value();
    REQUIRE(a.size() == 3);
    CHECK(a[0].account.user == "101");
    CHECK(a[0].account.password == "pw101");
    CHECK(a[0].account.auth_user.empty());
    CHECK(a[0].line == 3);
    CHECK(a[1].account.auth_user == "auth102");
    CHECK(a[2].account.user == "104");
    CHECK(a[2].account.password.empty());
    CHECK(a[2].line == 6);
  }

  TEST_CASE("accounts_file::parse_accounts names the line of a format error") {
    struct Row {
      const char* text;
      const char* message;
    };
    const Row rows[] = {
        {"101 a\n102 a b c\n", "accounts file 'list.txt' line 2: expected 'EXT PASSWORD [AUTH_ID]', found 4 fields"},
        {"101 a\n\n101 b\n", "accounts file 'list.txt' line 3: extension 101 is listed twice"},
        {"101@pbx a\n", "accounts file 'list.txt' line 1: invalid extension '101@pbx'"},
        {"# none\n\n", "accounts file 'list.txt' lists no account"},
    };
    for (const auto& row : rows) {
      CAPTURE(row.text);
      auto r = parse(row.text);
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().kind() == ErrorKind::bad_input);
      CHECK(r.error().message() == row.message);
    }
  }
}

TEST_SUITE("sip_trace") {
  TEST_CASE("sip_trace::header_value finds long and compact names, case-insensitively") {
    std::string msg = "SIP/2.0 200 OK\r\ni: abc@h\r\nTO : <sip:101@pbx>;tag=1\r\nCSeq: 2 REGISTER\r\n\r\nTo: body\r\n";
    CHECK(header_value(msg, "call-id", "i") == "abc@h");
    CHECK(header_value(msg, "to", "t") == "<sip:101@pbx>;tag=1");
    CHECK(header_value(msg, "cseq") == "2 REGISTER");
    CHECK(header_value(msg, "contact", "m").empty());
  }
}
