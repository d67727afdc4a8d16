#include "nice_library.h"

#include <mutex>

#include "media/audio/dynamic_library.h"

namespace sipcall::media::ice {

namespace {

struct Loaded {
  NiceApi api{};
  bool ok = false;
  std::string error;
};

Loaded load() {
  Loaded l;
  void* handle = open_library("libnice.so.10", l.error);
  if (!handle) return l;
  bool ok = true;
#define SIPCALL_NICE_RESOLVE(name) ok = resolve(handle, "libnice.so.10", #name, l.api.name, l.error) && ok;
  SIPCALL_NICE_FUNCTIONS(SIPCALL_NICE_RESOLVE)
#undef SIPCALL_NICE_RESOLVE
  l.ok = ok;  // the handle stays open either way: never dlclose GLib
  return l;
}

}  // namespace

const NiceApi* nice_api(std::string* why_not) {
  static const Loaded loaded = load();
  if (!loaded.ok && why_not) *why_not = loaded.error;
  return loaded.ok ? &loaded.api : nullptr;
}

}  // namespace sipcall::media::ice
