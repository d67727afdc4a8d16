// SIGINT/SIGTERM handling: the first signal asks the running command to wind
// down (unregister, hang up, close files); a second one exits at once.
#pragma once

namespace sipcall {

// `interrupted_line` (a string literal, newline included) is what the first
// signal prints: what the command does now that it winds down.
void install_signal_handlers(const char* interrupted_line = nullptr);
// Number of SIGINT/SIGTERM received so far (async-signal-safe counter).
int signals_received();

}  // namespace sipcall
