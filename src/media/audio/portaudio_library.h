// PortAudio is loaded when a command first needs a sound device, not when
// sip-call starts. Debian's PortAudio links ALSA and JACK, and JACK links
// Berkeley DB and libcap: loading them costs every process about 0.85 MB of
// resident pages (their relocations and start-up code), which a
// registration, a call with file audio or an answering machine never uses.
// Internal to src/media; portaudio_io.cpp is the only caller.
#pragma once

#include <portaudio.h>

#include <string>

namespace sipcall::media {

// The PortAudio functions sip-call uses, resolved from the loaded library.
// The names drop the Pa_ prefix: pa.OpenStream(...) is Pa_OpenStream(...).
struct PortAudioApi {
  decltype(&::Pa_Initialize) Initialize;
  decltype(&::Pa_Terminate) Terminate;
  decltype(&::Pa_GetErrorText) GetErrorText;
  decltype(&::Pa_GetLastHostErrorInfo) GetLastHostErrorInfo;
  decltype(&::Pa_GetDeviceCount) GetDeviceCount;
  decltype(&::Pa_GetDefaultInputDevice) GetDefaultInputDevice;
  decltype(&::Pa_GetDefaultOutputDevice) GetDefaultOutputDevice;
  decltype(&::Pa_GetDeviceInfo) GetDeviceInfo;
  decltype(&::Pa_GetHostApiInfo) GetHostApiInfo;
  decltype(&::Pa_IsFormatSupported) IsFormatSupported;
  decltype(&::Pa_OpenStream) OpenStream;
  decltype(&::Pa_StartStream) StartStream;
  decltype(&::Pa_StopStream) StopStream;
  decltype(&::Pa_CloseStream) CloseStream;
};

// Loads libportaudio.so.2 at the first call (thread-safe) and keeps it for
// the life of the process: ALSA's plugins and PortAudio's threads may
// outlive any one stream. Null when it cannot be loaded; then *why_not
// (if given) says why, in dlerror()'s words.
const PortAudioApi* portaudio_api(std::string* why_not = nullptr);

}  // namespace sipcall::media
