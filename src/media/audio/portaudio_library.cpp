#include "portaudio_library.h"

#include "backend_logs.h"
#include "dynamic_library.h"

namespace sipcall::media {

namespace {

// Debian's runtime package (libportaudio2) ships only the versioned name;
// the unversioned one comes with the -dev package.
constexpr const char* kLibraryName = "libportaudio.so.2";

LoadedApi<PortAudioApi> load() {
  LoadedApi<PortAudioApi> out;
  void* handle = open_library(kLibraryName, out.error);  // ALSA and JACK come along, local too
  if (!handle) return out;
  PortAudioApi& a = out.api;
  std::string& e = out.error;
  auto find = [&](const char* symbol, auto& slot) { return resolve(handle, kLibraryName, symbol, slot, e); };
  out.ok = find("Pa_Initialize", a.Initialize) && find("Pa_Terminate", a.Terminate) &&
           find("Pa_GetErrorText", a.GetErrorText) &&
           find("Pa_GetLastHostErrorInfo", a.GetLastHostErrorInfo) &&
           find("Pa_GetDeviceCount", a.GetDeviceCount) &&
           find("Pa_GetDefaultInputDevice", a.GetDefaultInputDevice) &&
           find("Pa_GetDefaultOutputDevice", a.GetDefaultOutputDevice) &&
           find("Pa_GetDeviceInfo", a.GetDeviceInfo) &&
           find("Pa_GetHostApiInfo", a.GetHostApiInfo) &&
           find("Pa_IsFormatSupported", a.IsFormatSupported) &&
           find("Pa_OpenStream", a.OpenStream) && find("Pa_StartStream", a.StartStream) &&
           find("Pa_StopStream", a.StopStream) && find("Pa_CloseStream", a.CloseStream);
  // A library without one of these is not the PortAudio v19 we were built
  // for; it stays loaded (unloading ALSA's plugins is not safe) but unused.
  if (out.ok) silence_audio_backend_logs();
  return out;
}

}  // namespace

const PortAudioApi* portaudio_api(std::string* why_not) {
  return load_once<PortAudioApi>([] { return load(); }, why_not);
}

}  // namespace sipcall::media
