// The sound libraries under PortAudio (ALSA, JACK) print their own
// diagnostics on stderr, and on a machine without a sound card or a JACK
// server that is dozens of lines for a healthy run. Internal to src/media.
#pragma once

#include <string>

namespace sipcall::media {

// Routes ALSA's and JACK's library messages away from stderr, for the whole
// process; called by portaudio_library.cpp once PortAudio (and with it
// ALSA and JACK) is loaded, before the first Pa_Initialize. Idempotent,
// thread-safe.
// ALSA's last message per thread is kept (below); JACK's are dropped, since
// PortAudio only ever uses JACK when a server answers.
void silence_audio_backend_logs();

// ALSA's last message on the calling thread since forget_alsa_message(),
// or "". PortAudio's error codes are generic ("Unanticipated host error");
// this often holds the reason, e.g. which configuration file is broken.
std::string last_alsa_message();
void forget_alsa_message();

}  // namespace sipcall::media
