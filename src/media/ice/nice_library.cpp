#include "nice_library.h"

#include "media/audio/dynamic_library.h"

namespace sipcall::media::ice {

namespace {

// libnice calls its own exported functions through the global scope, and
// Sofia-SIP's shared library, loaded before it, exports a
// stun_message_length() of its own STUN code: bound to that one, every
// connectivity check libnice built came out empty ("buffer is empty,
// cancelling conncheck") and no pair ever formed. RTLD_DEEPBIND puts
// libnice's own symbols first. AddressSanitizer refuses RTLD_DEEPBIND (it
// would bypass its malloc); a sanitized build links Sofia-SIP statically
// instead, which exports nothing (meson.build).
#if defined(__SANITIZE_ADDRESS__)
constexpr int kBindFlags = 0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr int kBindFlags = 0;
#else
constexpr int kBindFlags = RTLD_DEEPBIND;
#endif
#else
constexpr int kBindFlags = RTLD_DEEPBIND;
#endif

LoadedApi<NiceApi> load() {
  LoadedApi<NiceApi> l;
  void* handle = open_library("libnice.so.10", l.error, kBindFlags);
  if (!handle) return l;
  bool ok = true;
#define SIPCALL_NICE_RESOLVE(name) ok = resolve(handle, "libnice.so.10", #name, l.api.name, l.error) && ok;
  SIPCALL_NICE_FUNCTIONS(SIPCALL_NICE_RESOLVE)
#undef SIPCALL_NICE_RESOLVE
  l.ok = ok;  // the handle stays open either way: never dlclose GLib
  return l;
}

}  // namespace

const NiceApi* nice_api(std::string* why_not) { return load_once<NiceApi>([] { return load(); }, why_not); }

}  // namespace sipcall::media::ice
