#include "sipcall/cli.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "sipcall/account.h"
#include "sipcall/commands.h"
#include "sipcall/options.h"
#include "sipcall/reporter.h"
#include "sipcall/signals.h"

namespace sipcall {

namespace {

struct ParsedArgs {
  GlobalOptions global;
  std::string password_flag;
  std::string password_file;
  RegisterOptions reg;
};

void setup_global(CLI::App& app, ParsedArgs& a) {
  app.add_option("-s,--server", a.global.server,
                 "PBX URL: wss://host[:port][/path], ws://..., sip:host[:port][;transport=udp|tcp|tls], sips:host[:port]")
      ->envname("SIP_CALL_SERVER");
  app.add_option("-u,--user", a.global.user, "extension or user, '101' or '101@domain'")->envname("SIP_CALL_USER");
  app.add_option("--auth-user", a.global.auth_user, "digest username when it differs from --user (3CX: authentication ID)")
      ->envname("SIP_CALL_AUTH_USER");
  app.add_option("--display-name", a.global.display_name, "display name in From and Contact");
  app.add_option("--domain", a.global.domain, "SIP domain when it differs from the server host (e.g. 1453.3cx.cloud)")
      ->envname("SIP_CALL_DOMAIN");
  app.add_option("-p,--password", a.password_flag,
                 "SIP password (visible to other users in ps: prefer SIP_CALL_PASSWORD or --password-file)");
  app.add_option("--password-file", a.password_file, "read the SIP password from the first line of this file");
  app.add_option("--ca-file", a.global.ca_file, "trust the CA certificates in this PEM file instead of the system's")
      ->check(CLI::ExistingFile);
  app.add_flag("-k,--insecure", a.global.insecure, "do not verify the server's TLS certificate (wss, tls)");
  app.add_option("-t,--timeout", a.global.timeout_s, "seconds to wait for the network at each step")
      ->default_val(10)->check(CLI::Range(0.1, 3600.0));
  app.add_flag("-v,--verbose", a.global.verbose, "print every SIP message sent and received (secrets redacted)");
  app.add_flag("--json", a.global.json, "print a JSON report (and event lines) on stdout; human lines stay on stderr");
  app.add_option("--user-agent", a.global.user_agent, "User-Agent header")->default_val("sip-call/0.1");
}

CLI::App* setup_register(CLI::App& app, ParsedArgs& a) {
  auto* cmd = app.add_subcommand("register", "register the extension, report, and remove the binding again");
  cmd->add_flag("--keep", a.reg.keep, "stay registered (refreshing) until SIGINT/SIGTERM, then unregister");
  cmd->add_option("--expires", a.reg.expires_s, "requested registration lifetime in seconds")
      ->default_val(300)->check(CLI::Range(1, 86400));
  return cmd;
}

// No options of its own, and none of the account options apply.
CLI::App* setup_devices(CLI::App& app) {
  return app.add_subcommand("devices", "list the sound devices (index, name, channels) for audio through PortAudio");
}

}  // namespace

int run_cli(int argc, char** argv) {
  // CLI11 parses a copy; the originals are then overwritten so that `ps`
  // shows asterisks where a --password value was.
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) args.emplace_back(argv[i]);
  bool password_on_command_line = scrub_password_from_argv(argc, argv);

  ParsedArgs a;
  CLI::App app{"sip-call: headless SIP user agent for smoke-testing PBX extensions", "sip-call"};
  app.set_version_flag("--version", "sip-call 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();
  setup_global(app, a);
  CLI::App* reg = setup_register(app, a);
  CLI::App* devices = setup_devices(app);
  app.footer(
      "Password: SIP_CALL_PASSWORD, --password-file, or a prompt on a terminal.\n"
      "Exit status: 0 ok, 2 usage, 3 authentication failed, 4 network/transport, 5 timeout, 6 busy,\n"
      "7 not found, 8 no answer, 9 other SIP failure, 10 media failure. See sip-call(1).");

  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      app.exit(e);
      return 0;
    }
    std::cerr << "sip-call: " << e.what() << " (see sip-call --help)\n";
    return static_cast<int>(ExitCode::usage);
  }

  Reporter reporter(a.global.json, a.global.verbose);
  // Before the password: listing devices must never prompt for one.
  if (devices->parsed()) return static_cast<int>(run_devices(reporter));
  auto password = load_password(a.password_flag, a.password_file, true);
  if (!password.ok()) {
    reporter.line("sip-call: " + password.error().message());
    return static_cast<int>(password.error().code());
  }
  a.global.password = password.value();
  reporter.add_secret(a.global.password);
  if (password_on_command_line)
    reporter.warn("--password is visible to other local users; use SIP_CALL_PASSWORD or --password-file");
  if (a.global.insecure) reporter.warn("TLS certificate verification is disabled (--insecure)");

  install_signal_handlers();
  if (reg->parsed()) return static_cast<int>(run_register(a.global, a.reg, reporter));
  return static_cast<int>(ExitCode::usage);
}

}  // namespace sipcall
