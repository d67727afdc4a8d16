// The subcommands. Each takes its options, runs to completion and returns the
// exit code; all output goes through the Reporter.
#pragma once

#include "sipcall/report/exit_codes.h"
#include "sipcall/config/options.h"
#include "sipcall/report/reporter.h"

namespace sipcall {

ExitCode run_register(const GlobalOptions& global, const RegisterOptions& options, Reporter& reporter);
// `register --accounts FILE`: every account of the file over one agent,
// concurrently; exit 0 only when all registered, else the first failure's
// code by file order.
ExitCode run_register_accounts(const GlobalOptions& global, const RegisterOptions& options, Reporter& reporter);
ExitCode run_dial(const GlobalOptions& global, const DialOptions& options, Reporter& reporter);
ExitCode run_answer(const GlobalOptions& global, const AnswerOptions& options, Reporter& reporter);

// Lists the sound devices PortAudio sees (no server, user or password
// involved). Exit code media_failure when PortAudio cannot initialise.
ExitCode run_devices(Reporter& reporter);

}  // namespace sipcall
