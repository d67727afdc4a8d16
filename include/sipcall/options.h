// Settings, as the user gave them. Live state never goes here.
#pragma once

#include <string>

namespace sipcall {

// Options shared by every command (before the command name).
struct GlobalOptions {
  std::string server;          // --server URL (required)
  std::string user;            // --user: extension, "101" or "101@domain"
  std::string auth_user;       // --auth-user: digest username when it differs (3CX auth ID)
  std::string display_name;    // --display-name
  std::string domain;          // --domain: SIP domain/realm; default from --user or the server host
  std::string password;        // from --password, --password-file, SIP_CALL_PASSWORD or a prompt
  std::string ca_file;         // --ca-file: PEM bundle trusted instead of the system CAs
  bool insecure = false;       // --insecure: skip TLS verification
  double timeout_s = 10;       // --timeout: every wait for the network [s]
  bool verbose = false;        // -v: SIP trace on stderr (secrets redacted)
  bool json = false;           // --json: machine-readable report on stdout
  std::string user_agent = "sip-call/0.1";
};

struct RegisterOptions {
  bool keep = false;   // --keep: stay registered until SIGINT/SIGTERM
  int expires_s = 300; // --expires [s]
};

}  // namespace sipcall
