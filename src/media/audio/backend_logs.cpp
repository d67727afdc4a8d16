// Why handlers and not a redirected stderr: both libraries offer a hook for
// exactly this (snd_lib_error_set_handler, jack_set_error_function and
// jack_set_info_function). It stays in force for streams opened later and
// for PortAudio's callback thread, and it leaves file descriptor 2 alone:
// pointing that at /dev/null around Pa_Initialize would, for that moment,
// also swallow the lines of our other threads and the message of any
// assert() failing inside PortAudio.
// PortAudio's JACK host API installs its own quiet error hook once it has
// connected to a server; ours covers the attempt before, which is the one
// that fails (and talks) on a machine without JACK.
// What is left: PortAudio's own "Expression '...' failed in '...'" lines.
// It prints them only when an ALSA call has failed, just before our error
// line says so, and Debian's build exports no hook for them
// (PaUtil_SetDebugPrintFunction is hidden); only the redirection above
// could hide them, at the cost above.
#include "backend_logs.h"

#include <alsa/asoundlib.h>
#include <jack/jack.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>

#include "dynamic_library.h"

namespace sipcall::media {

namespace {

// Per thread, so that a message from a device callback never lands in the
// error text of an open on another thread. Fixed size: the handler may run
// on PortAudio's callback thread, which must not allocate.
thread_local char last_alsa[256];

// Both libraries are loaded with PortAudio (portaudio_library.cpp), not
// linked: their hooks are looked up in the copies PortAudio brought in.
decltype(&snd_strerror) alsa_strerror = nullptr;

void keep_alsa_message(const char*, int, const char*, int err, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  int n = std::vsnprintf(last_alsa, sizeof last_alsa, fmt, args);
  va_end(args);
  if (err != 0 && alsa_strerror && n >= 0 && static_cast<size_t>(n) < sizeof last_alsa)
    std::snprintf(last_alsa + n, sizeof last_alsa - static_cast<size_t>(n), ": %s", alsa_strerror(err));
}

void ignore_jack_message(const char*) {}

}  // namespace

void silence_audio_backend_logs() {
  static std::once_flag once;
  std::call_once(once, [] {
    // RTLD_NOLOAD: a library PortAudio did not bring (a build without
    // JACK) is simply not there to silence.
    void* alsa = dlopen("libasound.so.2", RTLD_NOW | RTLD_NOLOAD);
    void* jack = dlopen("libjack.so.0", RTLD_NOW | RTLD_NOLOAD);
    alsa_strerror = library_function<decltype(&snd_strerror)>(alsa, "snd_strerror");
    if (auto set = library_function<decltype(&snd_lib_error_set_handler)>(alsa, "snd_lib_error_set_handler"))
      set(&keep_alsa_message);
    if (auto set = library_function<decltype(&jack_set_error_function)>(jack, "jack_set_error_function"))
      set(&ignore_jack_message);
    if (auto set = library_function<decltype(&jack_set_info_function)>(jack, "jack_set_info_function"))
      set(&ignore_jack_message);
    // The references taken here keep both libraries loaded for good, which
    // PortAudio's own reference does anyway.
  });
}

std::string last_alsa_message() { return last_alsa; }

void forget_alsa_message() { last_alsa[0] = '\0'; }

}  // namespace sipcall::media
