// Loading a library at run time rather than at start-up (PortAudio,
// libsndfile: see portaudio_library.h and sound_file.h for why), and
// finding its functions. Internal to src/media.
#pragma once

#include <dlfcn.h>

#include <string>
#include <utility>

namespace sipcall::media {

// dlopen(name) with RTLD_LOCAL, so that nothing loaded later binds to the
// library's symbols by accident; `extra_flags` for more (RTLD_DEEPBIND).
// Null when it cannot be loaded; then `error` says why, in dlerror()'s
// words.
inline void* open_library(const char* name, std::string& error, int extra_flags = 0) {
  void* handle = dlopen(name, RTLD_NOW | RTLD_LOCAL | extra_flags);
  if (!handle) {
    const char* why = dlerror();
    error = why ? why : name;
  }
  return handle;
}

// The function `symbol` of an already loaded library (`handle` from
// dlopen, null for none) as a pointer of type Fn, or null.
template <typename Fn>
Fn library_function(void* handle, const char* symbol) {
  return handle ? reinterpret_cast<Fn>(dlsym(handle, symbol)) : nullptr;
}

// Sets `slot` to the function `symbol` of `library`; false when it has no
// such function, and then the first of those failures is put in `error`.
template <typename Fn>
bool resolve(void* handle, const char* library, const char* symbol, Fn& slot, std::string& error) {
  slot = library_function<Fn>(handle, symbol);
  if (!slot && error.empty()) error = std::string(library) + " has no " + symbol;
  return slot != nullptr;
}

// A library's table of functions, as loading it made it: `ok` when every
// function was found, else `error` says what was missing.
template <typename Api>
struct LoadedApi {
  Api api{};
  bool ok = false;
  std::string error;
};

// The table `load()` (returning LoadedApi<Api>) makes, made once per
// process on the first call, whatever the thread; null when loading failed,
// and then *why_not (if given) says why. Each caller passes its own
// lambda, so each library gets its own once.
template <typename Api, typename Load>
const Api* load_once(Load load, std::string* why_not) {
  static const LoadedApi<Api> loaded = load();
  if (!loaded.ok && why_not) *why_not = loaded.error;
  return loaded.ok ? &loaded.api : nullptr;
}

}  // namespace sipcall::media
