// Minimal JSON object builder for reports and event lines (flat values and
// nested objects; no parsing). Keys keep their insertion order.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sipcall {

class JsonObject {
 public:
  JsonObject& add(std::string_view key, std::string_view value);
  JsonObject& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
  JsonObject& add(std::string_view key, const std::string& value) { return add(key, std::string_view(value)); }
  JsonObject& add(std::string_view key, long long value);
  JsonObject& add(std::string_view key, int value) { return add(key, static_cast<long long>(value)); }
  JsonObject& add(std::string_view key, long value) { return add(key, static_cast<long long>(value)); }
  JsonObject& add(std::string_view key, double value);
  JsonObject& add(std::string_view key, bool value);
  JsonObject& add_null(std::string_view key);
  JsonObject& add(std::string_view key, const JsonObject& nested);
  JsonObject& add(std::string_view key, const std::vector<JsonObject>& array);  // an array of objects
  JsonObject& add_raw(std::string_view key, std::string_view json);  // already-encoded JSON (arrays)

  std::string str() const { return "{" + body_ + "}"; }

 private:
  void key(std::string_view k);
  std::string body_;
};

std::string json_escape(std::string_view s);  // with the surrounding quotes

}  // namespace sipcall
