// Settings, as the user gave them. Live state never goes here.
#pragma once

#include <cstdint>
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
  bool accept_from_any = false;  // --accept-from any: take udp requests from any source, not only the server
  double timeout_s = 10;       // --timeout: every wait for the network [s]
  double keepalive_s = -1;     // --keepalive: ping an idle tcp/ws/wss connection this often; 0 = never,
                               // -1 = default (30 s on ws/wss, none on tcp) [s]
  bool verbose = false;        // -v: SIP trace on stderr (secrets redacted)
  bool json = false;           // --json: machine-readable report on stdout
  std::string user_agent = "sip-call/0.1";
};

struct RegisterOptions {
  bool keep = false;   // --keep: stay registered until SIGINT/SIGTERM
  int expires_s = 300; // --expires [s]
  std::string accounts_file;  // --accounts FILE ("-" = stdin): register every account listed, at once
};

// --media-security: how a call's media is protected.
enum class MediaSecurity {
  automatic,  // auto: offer RTP/AVP; answer an offer in the profile it uses (RTP/AVP, SDES RTP/SAVP, WebRTC)
  none,       // plain RTP only: an RTP/SAVP offer is refused
  sdes,       // SDES-SRTP only (RFC 4568): offer RTP/SAVP with a=crypto; plain media fails the call
  dtls,       // WebRTC media only (RFC 8827): offer UDP/TLS/RTP/SAVPF, ICE + DTLS-SRTP; anything else fails the call
};

// Media settings shared by `dial` and `answer`.
struct CallOptions {
  std::string codecs = "opus,pcmu,pcma";  // --codecs: allowed codecs, preferred first
  uint16_t rtp_port_min = 10000;          // --rtp-ports MIN-MAX
  uint16_t rtp_port_max = 20000;
  std::string media_address;              // --media-address: SDP c= and RTP bind; default: route to the server
  // Source: exactly one of play_file / tone_hz / silence / the input device.
  std::string play_file;                  // --play FILE (WAV, any rate/channels)
  bool loop = false;                      // --loop: repeat --play
  double tone_hz = 0;                     // --tone HZ
  bool silence = false;                   // --silence
  std::string input_device;               // --input-device (PortAudio; default microphone)
  // Sinks: the output device unless no_playback; plus record_file.
  std::string output_device;              // --output-device (PortAudio; default speaker)
  bool no_playback = false;               // --no-playback
  std::string record_file;                // --record FILE: received audio
  bool record_both = false;               // --record-both: stereo, left sent, right received
  double expect_tone_hz = 0;              // --expect-tone: media failure unless the received audio is this tone
  double duration_s = 10;                 // --duration: hang up this long after answer [s]
  double media_timeout_s = 5;             // --media-timeout: no RTP for this long after answer = media failure [s]
  std::string dtmf;                       // --dtmf: digits sent after answer
  double dtmf_delay_s = 1;                // --dtmf-delay [s after answer]
  bool dtmf_info = false;                 // --dtmf-mode info: SIP INFO instead of RFC 4733
  MediaSecurity media_security = MediaSecurity::automatic;  // --media-security
};

struct DialOptions {
  std::string target;          // extension, user@domain or SIP URI
  bool no_register = false;    // --no-register
  double ring_timeout_s = 60;  // --ring-timeout: CANCEL after this long without answer [s]
  CallOptions call;
};

struct AnswerOptions {
  double answer_delay_s = 0;   // --answer-delay: ring this long before 200 OK [s]
  bool echo = false;           // --echo: send back what arrives
  int calls = 0;               // --calls N: exit after N calls; 0 = until a signal
  int parallel = 1;            // --parallel N: calls in progress at once; more get 486
  double idle_timeout_s = 0;   // --idle-timeout: exit 5 if no call arrives for this long; 0 = never [s]
  CallOptions call;
};

}  // namespace sipcall
