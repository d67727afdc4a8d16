#include "cli.h"

#include <CLI/CLI.hpp>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "sipcall/config/agent_config.h"
#include "password.h"
#include "sipcall/commands/commands.h"
#include "sipcall/config/options.h"
#include "sipcall/report/reporter.h"
#include "sipcall/config/server_url.h"
#include "sipcall/report/exit_codes.h"
#include "sipcall/commands/signals.h"

namespace sipcall {

namespace {

struct ParsedArgs {
  GlobalOptions global;
  std::string password_flag;
  std::string password_file;
  RegisterOptions reg;
  DialOptions dial;
  AnswerOptions answer;
  std::string rtp_ports = "10000-20000";
  std::string dtmf_mode = "rfc4733";
  std::string media_security = "auto";
  std::string accept_from = "server";
};

// "10s", "500ms", "2m" or plain seconds.
CLI::Validator seconds_with_unit() {
  CLI::Validator v = CLI::AsNumberWithUnit(std::map<std::string, double>{{"ms", 0.001}, {"s", 1}, {"m", 60}, {"min", 60}},
                                           CLI::AsNumberWithUnit::CASE_INSENSITIVE, "DURATION");
  return v.description("");  // the type name says DURATION already
}

// Flags shared by dial and answer; `call` is the command's own copy.
void add_call_options(CLI::App* cmd, CallOptions& call, ParsedArgs& a, double default_duration_s) {
  cmd->add_option("--codecs", call.codecs, "allowed codecs, preferred first: opus,pcmu,pcma")
      ->type_name("LIST")
      ->default_val("opus,pcmu,pcma");
  cmd->add_option("--rtp-ports", a.rtp_ports, "local RTP port range MIN-MAX (RTP even, RTCP next)")
      ->type_name("MIN-MAX")
      ->default_val("10000-20000");
  cmd->add_option("--media-address", call.media_address,
                  "local address for RTP and SDP (default: our address on the route to the server)")
      ->type_name("ADDRESS");
  auto* play = cmd->add_option("--play", call.play_file, "send this WAV file (any rate/channels) instead of the microphone; a FIFO or "
                               "/dev/stdin is read whole first (10 s at most)")
                   ->type_name("FILE");
  cmd->add_flag("--loop", call.loop, "repeat --play until the call ends");
  auto* tone = cmd->add_option("--tone", call.tone_hz, "send a sine tone of this frequency [Hz] instead of the microphone")
                   ->check(CLI::Range(20.0, 20000.0).description(""))->type_name("HZ");
  auto* silence = cmd->add_flag("--silence", call.silence, "send silence instead of the microphone");
  auto* input = cmd->add_option("--input-device", call.input_device, "PortAudio input device: index or name (see 'devices')")
                    ->type_name("DEVICE");
  play->excludes(tone, silence, input);
  tone->excludes(silence, input);
  silence->excludes(input);
  auto* output = cmd->add_option("--output-device", call.output_device, "PortAudio output device: index or name")
                     ->type_name("DEVICE");
  auto* no_playback = cmd->add_flag("--no-playback", call.no_playback, "do not play received audio on a speaker");
  output->excludes(no_playback);
  cmd->add_option("--record", call.record_file, "record received audio to this WAV file (48 kHz, 16 bit)")
      ->type_name("FILE");
  cmd->add_flag("--record-both", call.record_both, "record a stereo WAV: left what we sent, right what we received");
  cmd->add_option("--expect-tone", call.expect_tone_hz,
                  "media failure (exit 10) unless the received audio is mainly a tone of this frequency [Hz]")
      ->check(CLI::Range(100.0, 4000.0).description(""))->type_name("HZ");
  cmd->add_option("--duration", call.duration_s,
                  default_duration_s > 0 ? "hang up this long after the answer (10s, 500ms, 2m)"
                                         : "hang up this long after the answer; 0 = when the caller hangs up (at most 1 h)")
      ->transform(seconds_with_unit())->type_name("DURATION")->default_val(default_duration_s);
  cmd->add_option("--media-timeout", call.media_timeout_s,
                  "media failure (exit 10) when no RTP arrives for this long after the answer, or when a call "
                  "of any length ends with no RTP (under one packet a second) from an active far end; 0 = off")
      ->transform(seconds_with_unit())->type_name("DURATION")->default_val(5);
  cmd->add_option("--dtmf", call.dtmf, "send these DTMF digits after the answer (0-9 * # A-D)")
      ->type_name("DIGITS");
  cmd->add_option("--dtmf-delay", call.dtmf_delay_s, "wait this long after the answer before sending --dtmf")
      ->transform(seconds_with_unit())->type_name("DURATION")->default_val(1);
  cmd->add_option("--dtmf-mode", a.dtmf_mode, "rfc4733 (RTP telephone-event) or info (SIP INFO, one digit at a time; an unanswered or refused one is exit 11)")
      ->check(CLI::IsMember({"rfc4733", "info"}))->default_val("rfc4733")->type_name("MODE");
  cmd->add_option("--media-security", a.media_security,
                  "auto (offer RTP/AVP, answer plain, SDES-SRTP and WebRTC offers as they come), none (plain RTP only), "
                  "sdes (SDES-SRTP only: anything else is exit 10), dtls (WebRTC media only: ICE + DTLS-SRTP, "
                  "UDP/TLS/RTP/SAVPF; anything else is exit 10)")
      ->check(CLI::IsMember({"auto", "none", "sdes", "dtls"}))->default_val("auto")->type_name("MODE");
}

CLI::App* setup_dial(CLI::App& app, ParsedArgs& a) {
  auto* cmd = app.add_subcommand("dial", "register, call TARGET, carry audio both ways, hang up and report");
  cmd->add_option("target", a.dial.target, "extension (102), user@domain or SIP URI")->required();
  cmd->add_flag("--no-register", a.dial.no_register, "call without registering first");
  cmd->add_option("--ring-timeout", a.dial.ring_timeout_s, "CANCEL when there is no answer within this long (exit 8)")
      ->transform(seconds_with_unit())->type_name("DURATION")->default_val(60);
  add_call_options(cmd, a.dial.call, a, 10);
  return cmd;
}

CLI::App* setup_answer(CLI::App& app, ParsedArgs& a) {
  auto* cmd = app.add_subcommand("answer", "stay registered and answer incoming calls with audio");
  cmd->add_option("--answer-delay", a.answer.answer_delay_s, "ring this long before answering")
      ->transform(seconds_with_unit())->type_name("DURATION")->default_val(0);
  cmd->add_flag("--echo", a.answer.echo, "send back the audio that arrives");
  cmd->add_option("--calls", a.answer.calls, "exit after this many calls (0 = until SIGINT/SIGTERM)")
      ->default_val(0)->check(CLI::NonNegativeNumber.description(""))->type_name("N");
  cmd->add_option("--parallel", a.answer.parallel,
                  "answer up to this many calls at once, each with its own RTP ports from --rtp-ports; "
                  "a call beyond them gets 486 Busy Here")
      ->default_val(1)->check(CLI::PositiveNumber.description(""))->type_name("N");
  cmd->add_option("--idle-timeout", a.answer.idle_timeout_s, "exit 5 when no call arrives for this long (0 = wait forever)")
      ->transform(seconds_with_unit())->type_name("DURATION")->default_val(0);
  add_call_options(cmd, a.answer.call, a, 0);
  return cmd;
}

// Values that need more than CLI11's checks. Usage error text on failure.
std::string finish_call_options(CallOptions& call, const ParsedArgs& a) {
  unsigned lo = 0, hi = 0;
  char dash = 0, extra = 0;
  if (std::sscanf(a.rtp_ports.c_str(), "%u %c %u %c", &lo, &dash, &hi, &extra) != 3 || dash != '-' || lo < 1024 ||
      hi > 65535 || hi < lo + 1)
    return "--rtp-ports: expected MIN-MAX with 1024 <= MIN < MAX <= 65535, got '" + a.rtp_ports + "'";
  call.rtp_port_min = static_cast<uint16_t>(lo);
  call.rtp_port_max = static_cast<uint16_t>(hi);
  call.dtmf_info = a.dtmf_mode == "info";
  call.media_security = a.media_security == "none"   ? MediaSecurity::none
                        : a.media_security == "sdes" ? MediaSecurity::sdes
                        : a.media_security == "dtls" ? MediaSecurity::dtls
                                                     : MediaSecurity::automatic;
  for (char c : call.dtmf)
    if (!std::strchr("0123456789*#ABCDabcd", c)) return std::string("--dtmf: '") + c + "' is not a DTMF digit";
  for (char& c : call.dtmf) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (call.duration_s < 0 || call.media_timeout_s < 0 || call.dtmf_delay_s < 0) return "durations must not be negative";
  return {};
}

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
  app.add_flag("-k,--insecure", a.global.insecure, "do not verify the server's TLS certificate (wss, tls; no effect over udp, tcp, ws)");
  app.add_option("--accept-from", a.accept_from,
                 "udp: take requests (INVITE, OPTIONS, BYE...) from the server's address and port only (server, "
                 "the default; others are dropped unanswered and counted as requests_ignored) or from anyone (any)")
      ->check(CLI::IsMember({"server", "any"}))->default_val("server");
  app.add_option("-t,--timeout", a.global.timeout_s, "seconds to wait for the network at each step; also the SIP transaction timeout (1-32 s)")
      ->default_val(10)->check(CLI::Range(0.1, 3600.0));
  app.add_option("--keepalive", a.global.keepalive_s,
                 "ping the server over an idle tcp/tls/ws/wss connection this often and treat it as lost when no "
                 "answer comes within as long (at most 10 s); 0 = never; default 30s on ws/wss, none on tcp/tls")
      ->transform(seconds_with_unit())->check(CLI::Range(0.0, 3600.0));
  app.add_flag("-v,--verbose", a.global.verbose, "print every SIP message sent and received (secrets redacted)");
  app.add_flag("--json", a.global.json, "print a JSON report (and event lines) on stdout; human lines stay on stderr");
  app.add_option("--user-agent", a.global.user_agent, "User-Agent header")->default_val("sip-call/0.1");
}

CLI::App* setup_register(CLI::App& app, ParsedArgs& a) {
  auto* cmd = app.add_subcommand("register", "register the extension, report, and remove the binding again");
  cmd->add_flag("--keep", a.reg.keep, "stay registered (refreshing) until SIGINT/SIGTERM, then unregister");
  cmd->add_option("--expires", a.reg.expires_s, "requested registration lifetime in seconds")
      ->default_val(300)->check(CLI::Range(1, 86400));
  cmd->add_option("--accounts", a.reg.accounts_file,
                  "register every account of FILE at once, one 'EXT PASSWORD [AUTH_ID]' a line (- = stdin); "
                  "excludes --user and --password")
      ->type_name("FILE");
  return cmd;
}

// No options of its own, and none of the account options apply.
CLI::App* setup_devices(CLI::App& app) {
  return app.add_subcommand("devices", "list the sound devices (index, name, channels) for audio through PortAudio");
}

// -k matters only where there is TLS to verify; elsewhere it is a note, so
// that nobody thinks udp, tcp or ws were encrypted.
void note_insecure(Reporter& reporter, const std::string& server) {
  auto url = parse_server_url(server);
  if (url.ok() && !is_secure(url.value().transport))
    reporter.line("sip-call: note: -k/--insecure has no effect over " + transport_label(url.value().transport) +
                  " (it carries no TLS)");
  else
    reporter.warn("TLS certificate verification is disabled (--insecure)");
}

// What the first SIGINT/SIGTERM says: what the command does now.
const char* interrupted_line(bool registering, bool many_accounts, bool dialling_unregistered) {
  if (many_accounts) return "sip-call: interrupted, removing the bindings (signal again to exit at once)\n";
  if (registering) return "sip-call: interrupted, removing the binding (signal again to exit at once)\n";
  if (dialling_unregistered) return "sip-call: interrupted, hanging up (signal again to exit at once)\n";
  return "sip-call: interrupted, hanging up any call and unregistering (signal again to exit at once)\n";
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
  CLI::App* dial = setup_dial(app, a);
  CLI::App* answer = setup_answer(app, a);
  CLI::App* devices = setup_devices(app);
  app.footer(
      "Password: SIP_CALL_PASSWORD, --password-file, or a prompt on a terminal. Digest MD5, SHA-256,\n"
      "SHA-512-256 are answered (the strongest offered); Basic never (exit 3).\n"
      "Exit status: 0 ok, 2 usage, 3 authentication failed, 4 network/transport, 5 timeout, 6 busy,\n"
      "7 not found, 8 no answer, 9 other SIP failure, 10 media failure,\n"
      "11 the far end left a BYE or INFO of the call unanswered or refused it. See sip-call(1).");

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

  CallOptions* call = dial->parsed() ? &a.dial.call : answer->parsed() ? &a.answer.call : nullptr;
  if (call) {
    std::string problem = finish_call_options(*call, a);
    if (!problem.empty()) {
      std::cerr << "sip-call: " << problem << " (see sip-call --help)\n";
      return static_cast<int>(ExitCode::usage);
    }
  }

  // The accounts file brings every user and password itself.
  if (reg->parsed() && !a.reg.accounts_file.empty() &&
      (app.get_option("--user")->count() > 0 || !a.password_flag.empty() || !a.password_file.empty())) {
    std::cerr << "sip-call: --accounts excludes --user, --password and --password-file (see sip-call --help)\n";
    return static_cast<int>(ExitCode::usage);
  }

  a.global.accept_from_any = a.accept_from == "any";
  Reporter reporter(a.global.json, a.global.verbose);
  // Before the password: listing devices must never prompt for one.
  if (devices->parsed()) return static_cast<int>(run_devices(reporter));
  bool many_accounts = reg->parsed() && !a.reg.accounts_file.empty();
  if (!many_accounts) {
    auto password = load_password(a.password_flag, a.password_file, true);
    if (!password.ok()) {
      reporter.line("sip-call: " + password.error().message());
      return static_cast<int>(exit_code_of(password.error()));
    }
    a.global.password = password.value();
    reporter.add_secret(a.global.password);
  }
  if (password_on_command_line)
    reporter.warn("--password is visible to other local users; use SIP_CALL_PASSWORD or --password-file");
  if (a.global.insecure) note_insecure(reporter, a.global.server);

  install_signal_handlers(interrupted_line(reg->parsed(), many_accounts, dial->parsed() && a.dial.no_register));
  if (many_accounts) return static_cast<int>(run_register_accounts(a.global, a.reg, reporter));
  if (reg->parsed()) return static_cast<int>(run_register(a.global, a.reg, reporter));
  if (dial->parsed()) return static_cast<int>(run_dial(a.global, a.dial, reporter));
  if (answer->parsed()) return static_cast<int>(run_answer(a.global, a.answer, reporter));
  return static_cast<int>(ExitCode::usage);
}

}  // namespace sipcall
