// Command-line front end: builds the CLI11 parser (one setup function per
// subcommand), parses, and dispatches to the command's run function.
#pragma once

namespace sipcall {

// Returns the process exit code. argv may be modified (the password is
// scrubbed from it so that `ps` does not show it).
int run_cli(int argc, char** argv);

}  // namespace sipcall
