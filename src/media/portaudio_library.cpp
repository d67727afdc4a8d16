#include "portaudio_library.h"

#include <dlfcn.h>

#include <mutex>

#include "backend_logs.h"

namespace sipcall::media {

namespace {

// Debian's runtime package (libportaudio2) ships only the versioned name;
// the unversioned one comes with the -dev package.
constexpr const char* kLibraryName = "libportaudio.so.2";

struct Loaded {
  PortAudioApi api{};
  bool ok = false;
  std::string error;
};

template <typename Fn>
bool resolve(void* handle, const char* name, Fn& slot, std::string& error) {
  void* sym = dlsym(handle, name);
  if (!sym) {
    error = std::string(kLibraryName) + " has no " + name;
    return false;
  }
  slot = reinterpret_cast<Fn>(sym);
  return true;
}

Loaded load() {
  Loaded out;
  // RTLD_LOCAL: PortAudio's symbols (and ALSA's, JACK's) stay out of the
  // global namespace, so nothing loaded later binds to them by accident.
  void* handle = dlopen(kLibraryName, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    out.error = why ? why : kLibraryName;
    return out;
  }
  PortAudioApi& a = out.api;
  std::string& e = out.error;
  out.ok = resolve(handle, "Pa_Initialize", a.Initialize, e) && resolve(handle, "Pa_Terminate", a.Terminate, e) &&
           resolve(handle, "Pa_GetErrorText", a.GetErrorText, e) &&
           resolve(handle, "Pa_GetLastHostErrorInfo", a.GetLastHostErrorInfo, e) &&
           resolve(handle, "Pa_GetDeviceCount", a.GetDeviceCount, e) &&
           resolve(handle, "Pa_GetDefaultInputDevice", a.GetDefaultInputDevice, e) &&
           resolve(handle, "Pa_GetDefaultOutputDevice", a.GetDefaultOutputDevice, e) &&
           resolve(handle, "Pa_GetDeviceInfo", a.GetDeviceInfo, e) &&
           resolve(handle, "Pa_GetHostApiInfo", a.GetHostApiInfo, e) &&
           resolve(handle, "Pa_IsFormatSupported", a.IsFormatSupported, e) &&
           resolve(handle, "Pa_OpenStream", a.OpenStream, e) && resolve(handle, "Pa_StartStream", a.StartStream, e) &&
           resolve(handle, "Pa_StopStream", a.StopStream, e) && resolve(handle, "Pa_CloseStream", a.CloseStream, e);
  // A library without one of these is not the PortAudio v19 we were built
  // for; it stays loaded (unloading ALSA's plugins is not safe) but unused.
  if (out.ok) silence_audio_backend_logs();
  return out;
}

}  // namespace

const PortAudioApi* portaudio_api(std::string* why_not) {
  static std::once_flag once;
  static Loaded loaded;
  std::call_once(once, [] { loaded = load(); });
  if (!loaded.ok && why_not) *why_not = loaded.error;
  return loaded.ok ? &loaded.api : nullptr;
}

}  // namespace sipcall::media
