// SIGINT/SIGTERM handling: the first signal asks the running command to wind
// down (unregister, hang up, close files); a second one exits at once.
#pragma once

namespace sipcall {

void install_signal_handlers();
// Number of SIGINT/SIGTERM received so far (async-signal-safe counter).
int signals_received();

}  // namespace sipcall
