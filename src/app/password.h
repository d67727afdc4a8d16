// Where the SIP password comes from, and keeping it out of `ps`.
#pragma once

#include <string>

#include "sipcall/error.h"

namespace sipcall {

// Reads the password from, in order: --password-file, SIP_CALL_PASSWORD, or a
// prompt when stdin is a terminal. `from_flag` (given with --password) wins
// but is visible to other users, which the caller warns about.
Result<std::string> load_password(const std::string& from_flag, const std::string& password_file,
                                  bool prompt_allowed);

// Overwrites the value of --password in the process's own argv so that `ps`
// shows "********" instead. Returns true if anything was scrubbed.
bool scrub_password_from_argv(int argc, char** argv);

}  // namespace sipcall
