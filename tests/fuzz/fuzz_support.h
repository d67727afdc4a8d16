// What every fuzz target shares: an input reader and invariant checks.
//
// FuzzInput reads a fuzz input front to back as the fields a harness needs. Past the
// end every read yields zeros, so any byte string is a valid input. Front
// to back (unlike clang's FuzzedDataProvider, which takes integers from the
// end) so that the seed corpus is easy to write: see corpus/make_seeds.py.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

namespace sipcall::fuzz {

// A broken invariant is a finding like a crash: abort so that libFuzzer
// saves the input.
inline void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data, size) {}

  bool empty() const { return data_.empty(); }

  uint8_t u8() { return static_cast<uint8_t>(take_be(1)); }
  uint16_t u16() { return static_cast<uint16_t>(take_be(2)); }  // big-endian
  uint32_t u32() { return static_cast<uint32_t>(take_be(4)); }  // big-endian

  // Up to n bytes (fewer at the end of the input).
  std::span<const uint8_t> bytes(size_t n) {
    auto out = data_.first(std::min(n, data_.size()));
    data_ = data_.subspan(out.size());
    return out;
  }
  std::span<const uint8_t> rest() { return bytes(data_.size()); }
  std::string_view text(size_t n) {
    auto b = bytes(n);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }

 private:
  uint64_t take_be(size_t n) {
    const auto b = bytes(n);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | (i < b.size() ? b[i] : 0);
    return v;
  }
  std::span<const uint8_t> data_;
};

}  // namespace sipcall::fuzz
