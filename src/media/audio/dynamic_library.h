// Loading a library at run time rather than at start-up (PortAudio,
// libsndfile: see portaudio_library.h and sound_file.h for why), and
// finding its functions. Internal to src/media.
#pragma once

#include <dlfcn.h>

#include <string>

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

}  // namespace sipcall::media
