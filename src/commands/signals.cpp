#include "sipcall/commands/signals.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace sipcall {

namespace {
std::atomic<int> g_signals{0};
const char* g_interrupted = "sip-call: interrupted, winding down (signal again to exit at once)\n";
size_t g_interrupted_length = 0;

void on_signal(int) {
  if (g_signals.fetch_add(1) >= 1) {
    static const char msg[] = "sip-call: second signal, exiting now\n";
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
    _exit(130);
  }
  // Said at once: the wind-down (CANCEL, BYE, unregister) may take up to
  // --timeout, and the user should know a second signal cuts it short.
  (void)!write(STDERR_FILENO, g_interrupted, g_interrupted_length);
}
}  // namespace

void install_signal_handlers(const char* interrupted_line) {
  if (interrupted_line) g_interrupted = interrupted_line;
  g_interrupted_length = std::strlen(g_interrupted);  // here: strlen is not async-signal-safe
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int signals_received() { return g_signals.load(); }

}  // namespace sipcall
