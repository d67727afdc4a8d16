// The accounts list of `register --accounts FILE`: one account a line,
// "EXT PASSWORD [AUTH_ID]" separated by blanks; empty lines and lines whose
// first field starts with '#' are skipped. The same format
// examples/smoke-test-extensions.sh reads.
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "sipcall/error.h"
#include "sipcall/config/agent_options.h"

namespace sipcall {

struct AccountLine {
  SipAccount account;  // user, password, auth_user (display name: none)
  int line = 0;        // 1-based line number in the file
};

// Usage errors name the file and the line: "accounts file 'x' line 3: ...".
// An extension that is not a valid user part, more than three fields, the
// same extension twice, or no account at all are errors.
Result<std::vector<AccountLine>> parse_accounts(std::istream& in, const std::string& name);
// Reads `path` ("-" = stdin) with parse_accounts().
Result<std::vector<AccountLine>> read_accounts_file(const std::string& path);

}  // namespace sipcall
