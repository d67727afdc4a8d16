#include "password.h"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

namespace sipcall {

Result<std::string> load_password(const std::string& from_flag, const std::string& password_file,
                                  bool prompt_allowed) {
  if (!from_flag.empty()) return from_flag;
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    if (!in) return Error::unusable_file("cannot read --password-file '" + password_file + "': " + std::strerror(errno));
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) return Error::unusable_file("--password-file '" + password_file + "' is empty");
    return line;
  }
  if (const char* env = std::getenv("SIP_CALL_PASSWORD"); env && *env) return std::string(env);
  if (prompt_allowed && isatty(STDIN_FILENO)) {
    std::cerr << "SIP password: " << std::flush;
    termios old{};
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::string line;
    std::getline(std::cin, line);
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
    return line;
  }
  return std::string();  // no password: requests go out without credentials
}

bool scrub_password_from_argv(int argc, char** argv) {
  bool scrubbed = false;
  for (int i = 1; i < argc; ++i) {
    char* arg = argv[i];
    if (std::strcmp(arg, "--") == 0) break;
    char* value = nullptr;
    if ((std::strcmp(arg, "--password") == 0 || std::strcmp(arg, "-p") == 0) && i + 1 < argc) value = argv[i + 1];
    else if (std::strncmp(arg, "--password=", 11) == 0) value = arg + 11;
    if (value) {
      std::memset(value, '*', std::strlen(value));
      scrubbed = true;
    }
  }
  return scrubbed;
}

}  // namespace sipcall
