#include <doctest/doctest.h>

#include <vector>

#include "sipcall/json_writer.h"

using namespace sipcall;

TEST_SUITE("json_writer") {
  TEST_CASE("json_writer::JsonObject::add writes an array of objects") {
    CHECK(JsonObject().add("devices", std::vector<JsonObject>{}).str() == R"({"devices":[]})");
    std::vector<JsonObject> two{JsonObject().add("index", 0).add("name", "de\"fault"),
                                JsonObject().add("default_input", true)};
    CHECK(JsonObject().add("command", "devices").add("devices", two).str() ==
          R"({"command":"devices","devices":[{"index":0,"name":"de\"fault"},{"default_input":true}]})");
  }
}
