#include "sipcall/config/accounts_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "sipcall/config/agent_config.h"

namespace sipcall {

Result<std::vector<AccountLine>> parse_accounts(std::istream& in, const std::string& name) {
  std::vector<AccountLine> out;
  std::set<std::string> seen;
  std::string text;
  int number = 0;
  auto problem = [&](const std::string& what) {
    return Error::bad_input("accounts file '" + name + "' line " + std::to_string(number) + ": " + what);
  };
  while (std::getline(in, text)) {
    ++number;
    std::istringstream fields(text);
    std::vector<std::string> f;
    for (std::string field; fields >> field;) f.push_back(field);
    if (f.empty() || f[0][0] == '#') continue;
    if (f.size() > 3) return problem("expected 'EXT PASSWORD [AUTH_ID]', found " + std::to_string(f.size()) + " fields");
    if (!valid_user_part(f[0])) return problem("invalid extension '" + f[0] + "'");
    if (!seen.insert(f[0]).second) return problem("extension " + f[0] + " is listed twice");
    AccountLine a;
    a.line = number;
    a.account.user = f[0];
    if (f.size() > 1) a.account.password = f[1];
    if (f.size() > 2) a.account.auth_user = f[2];
    out.push_back(std::move(a));
  }
  if (out.empty()) return Error::bad_input("accounts file '" + name + "' lists no account");
  return out;
}

Result<std::vector<AccountLine>> read_accounts_file(const std::string& path) {
  if (path == "-") return parse_accounts(std::cin, "-");
  std::ifstream in(path);
  if (!in) return Error::unusable_file("cannot read accounts file '" + path + "': " + std::strerror(errno));
  return parse_accounts(in, path);
}

}  // namespace sipcall
