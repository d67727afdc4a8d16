#include <doctest/doctest.h>

#include <vector>

#include "sipcall/report/json_writer.h"

using namespace sipcall;

TEST_SUITE("json_writer") {
  TEST_CASE("json_writer::JsonObject::add writes an array of objects") {
    CHECK(JsonObject().add("devices", std::vector<JsonObject>{}).str() == R"({"devices":[]})");
    std::vector<JsonObject> two{JsonObject().add("index", 0).add("name", "de\"fault"),
                                JsonObject().add("default_input", true)};
    CHECK(JsonObject().add("command", "devices").add("devices", two).str() ==
          R"({"command":"devices","devices":[{"index":0,"name":"de\"fault"},{"default_input":true}]})");
  }

  TEST_CASE("json_writer::json_escape keeps well-formed UTF-8 as it is") {
    CHECK(json_escape("caf\xc3\xa9") == "\"caf\xc3\xa9\"");                  // U+00E9, two bytes
    CHECK(json_escape("\xe2\x82\xac") == "\"\xe2\x82\xac\"");                // U+20AC, three bytes
    CHECK(json_escape("\xf0\x9f\x93\x9e") == "\"\xf0\x9f\x93\x9e\"");        // U+1F4DE, four bytes
    CHECK(json_escape("\xed\x9f\xbf\xee\x80\x80") == "\"\xed\x9f\xbf\xee\x80\x80\"");  // U+D7FF, U+E000
    CHECK(json_escape("\xf4\x8f\xbf\xbf") == "\"\xf4\x8f\xbf\xbf\"");        // U+10FFFF, the last
    CHECK(json_escape("a\x7f") == "\"a\x7f\"");
  }

  TEST_CASE("json_writer::json_escape replaces every byte outside well-formed UTF-8 with U+FFFD") {
    CHECK(json_escape("Jos\xe9") == R"("Jos\ufffd")");                      // Latin-1 e-acute
    CHECK(json_escape("\x80") == R"("\ufffd")");                            // lone continuation byte
    CHECK(json_escape("\xc0\xaf") == R"("\ufffd\ufffd")");                  // overlong '/'
    CHECK(json_escape("\xc1\xbf") == R"("\ufffd\ufffd")");
    CHECK(json_escape("\xe0\x80\xaf") == R"("\ufffd\ufffd\ufffd")");        // overlong, three bytes
    CHECK(json_escape("\xf0\x80\x80\xaf") == R"("\ufffd\ufffd\ufffd\ufffd")");  // overlong, four bytes
    CHECK(json_escape("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");        // surrogate U+D800
    CHECK(json_escape("\xed\xbf\xbf") == R"("\ufffd\ufffd\ufffd")");        // surrogate U+DFFF
    CHECK(json_escape("\xf4\x90\x80\x80") == R"("\ufffd\ufffd\ufffd\ufffd")");  // above U+10FFFF
    CHECK(json_escape("\xf5\xff\xfe") == R"("\ufffd\ufffd\ufffd")");
    CHECK(json_escape("x\xe2\x82") == R"("x\ufffd\ufffd")");                // cut short at the end
    CHECK(json_escape("\xe2\x82x") == R"("\ufffd\ufffdx")");                // cut short mid-string
    CHECK(json_escape("\xc3\xa9\xe9\"") == "\"\xc3\xa9\\ufffd\\\"\"");      // good, bad, quote
  }

  TEST_CASE("json_writer::JsonObject::add escapes keys and values the same way") {
    CHECK(JsonObject().add("display\xff", "\x01\xe9").str() == R"({"display\ufffd":"\u0001\ufffd"})");
  }
}
