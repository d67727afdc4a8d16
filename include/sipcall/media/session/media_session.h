// One call's audio stream: RTP/RTCP over UDP between an AudioSource, a
// Codec and an AudioSink.
//
//   AudioSource --20 ms PCM--> [encode] --RTP--> peer          (media thread)
//   peer --RTP--> [jitter buffer]                              (receive thread)
//   [jitter buffer] --> [decode | conceal] --20 ms PCM--> AudioSink  (media thread)
//   RTCP SR/RR + SDES every rtcp_interval_ms, BYE on stop       (media thread)
//   RTCP in: RTT, peer BYE                                      (receive thread)
//
// The SIP layer negotiates SDP and hands plain parameters in; nothing here
// knows about SIP.
//
// Threading: open(), start(), update(), send_dtmf(), stop() and the
// destructor are called from one owner thread (the signalling loop).
// stats() and dtmf_received() may be called from any thread at any time.
// Internally the session runs two threads between start() and stop(): the
// media clock (an absolute-deadline 20 ms tick that reads the source,
// sends, plays out and writes the sink) and the receiver (poll() with a
// timeout on the RTP and RTCP sockets). The source and sink are only ever
// touched by the media clock thread, then closed by stop().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sipcall/error.h"
#include "sipcall/media/audio/audio_io.h"
#include "sipcall/media/codec/codec.h"

namespace sipcall::media {

struct SrtpKeyPair;  // both directions' SRTP keys (sipcall/media/srtp/sdes_keying.h makes them)

// All settings of a session that are known before SDP negotiation.
struct MediaOptions {
  std::string local_address = "0.0.0.0";  // bind address, IPv4 or IPv6 literal ("::" is dual stack)
  uint16_t rtp_port_min = 10000;          // RTP port range; RTP gets an even port,
  uint16_t rtp_port_max = 20000;          //   RTCP the next one
  int rtcp_interval_ms = 5000;            // RTCP report interval [ms]
  std::string cname;                      // RTCP CNAME; empty = "sip-call@<local_address>"
  // WebRTC media: ICE and the DTLS handshake together, from start() [ms].
  int secure_connect_timeout_ms = 10000;
};

// One SDP attribute line, "a=name:value" without "a=" (value empty for a flag).
struct TransportAttribute {
  std::string name;
  std::string value;
  bool operator==(const TransportAttribute&) const = default;
};

// The far end's transport for WebRTC media (UDP/TLS/RTP/SAVPF, RFC 8827):
// its ICE and DTLS attributes as its SDP has them; the session reads them
// (media/webrtc/webrtc_sdp.h) and gets the SRTP keys from DTLS.
struct WebRtcRemote {
  std::vector<TransportAttribute> session;  // before the first m= line
  std::vector<TransportAttribute> media;    // of the audio section
};

// The peer's a=sendrecv/sendonly/recvonly/inactive from its SDP. We send
// RTP only while the peer wants to receive (sendrecv, recvonly): hold is
// the peer answering sendonly or inactive.
enum class Direction { sendrecv, sendonly, recvonly, inactive };

// What SDP negotiation decided.
struct MediaParams {
  std::string remote_address;     // IPv4 or IPv6 literal, from c=
  uint16_t remote_rtp_port = 0;   // from m=
  uint16_t remote_rtcp_port = 0;  // from a=rtcp; 0 = remote_rtp_port + 1
  bool rtcp_mux = false;          // a=rtcp-mux: RTCP shares the RTP port both ways
  CodecSpec codec;                // the first common payload format
  int telephone_event_pt = -1;    // RFC 4733 payload type, -1 if not negotiated
  int telephone_event_rate = 0;   // its clock [Hz]; 0 = the codec's clock rate
  int ptime_ms = 20;              // packet duration [ms]: multiple of 10, 10..60
  Direction direction = Direction::sendrecv;
  // SRTP (RFC 3711): every packet out is protected, every one in checked,
  // with these keys; null = plain RTP. New keys (re-INVITE) re-key.
  std::shared_ptr<const SrtpKeyPair> srtp;
  // WebRTC media: ICE + DTLS-SRTP to this far end instead of the plain
  // sockets (srtp stays null: DTLS agrees the keys). Needs prepare_webrtc().
  std::optional<WebRtcRemote> webrtc;
};

// A consistent snapshot; counters cover the whole session.
struct MediaStats {
  std::string codec;                // e.g. "opus", empty before start()
  uint64_t packets_sent = 0;        // RTP packets incl. telephone-events the kernel accepted [count]
  uint64_t bytes_sent = 0;          // RTP payload of those [bytes]
  uint64_t packets_send_failed = 0; // RTP packets the kernel refused (no route, ...) [count]
  std::string send_error;           // why the first RTP or RTCP send failed; empty when none did
  uint64_t packets_received = 0;    // accepted RTP packets (codec + telephone-event) [count]
  uint64_t bytes_received = 0;      // RTP payload [bytes]
  uint64_t packets_lost = 0;        // expected - received, never negative [count]
  double loss_fraction = 0;         // packets_lost / expected, 0..1
  double jitter_ms = 0;             // RFC 3550 interarrival jitter [ms]
  double rtt_ms = -1;               // round trip from RTCP LSR/DLSR [ms]; -1 = not measured yet
  double mos = 0;                   // E-model estimate 1..4.5; 0 before any RTP arrived
  int64_t first_rtp_ms = -1;        // from start() to the first RTP packet [ms]; -1 = none yet
  int64_t last_rtp_age_ms = -1;     // since the latest RTP packet [ms]; -1 = none yet
  uint64_t packets_ignored = 0;     // RTP not used: an unexpected payload type, or from a stranger [count]
  uint64_t packets_from_strangers = 0;  // datagrams (RTP, RTCP, anything) from a source that is not
                                        //   the peer's negotiated address and port; ignored [count]
  uint64_t packets_invalid = 0;     // datagrams that were neither valid RTP nor RTCP [count]
  uint64_t rtcp_received = 0;       // valid RTCP compounds from the peer [count]
  uint64_t packets_unauthenticated = 0;  // SRTP/SRTCP from the peer that failed authentication or
                                         //   replay protection; dropped unread [count]
  std::string security = "none";    // "none" (plain RTP) or how the SRTP keys were agreed ("sdes-srtp")
  std::string srtp_suite;           // e.g. "AES_CM_128_HMAC_SHA1_80"; empty for plain RTP
  // WebRTC media. Why ICE or DTLS failed (the call has no media then);
  // empty while it works or is still being set up.
  std::string transport_error;
  std::string ice_local;            // the selected pair, e.g. "host 127.0.0.1:40012"; empty before
  std::string ice_remote;
  double ice_ms = -1;               // connectivity checks to the first working pair [ms]; -1 = not yet
  double dtls_ms = -1;              // the DTLS handshake [ms]; -1 = not yet
  bool remote_bye = false;          // the peer sent RTCP BYE
  std::string dtmf_received;        // digits in arrival order
};

class MediaSession {
 public:
  // Binds the RTP (even) and RTCP (RTP + 1) sockets inside the port range.
  // Error::network when the address is invalid or no port pair is free.
  static Result<std::unique_ptr<MediaSession>> open(const MediaOptions& options);
  ~MediaSession();  // stop()s
  MediaSession(const MediaSession&) = delete;
  MediaSession& operator=(const MediaSession&) = delete;

  uint16_t local_rtp_port() const;   // for our SDP m= line
  uint16_t local_rtcp_port() const;  // local_rtp_port() + 1

  // WebRTC media, before our SDP is written: gathers ICE host candidates
  // on the local address (bounded wait) and makes the DTLS certificate if
  // none exists yet. `offerer`: we send the offer (ICE controlling,
  // a=setup:actpass). Error::no_local_address when ICE cannot bind.
  Error prepare_webrtc(bool offerer);
  // Our SDP's ICE and DTLS attributes, and the port of the default
  // candidate for m= (c= is the local address).
  std::vector<TransportAttribute> webrtc_attributes() const;
  uint16_t webrtc_port() const;
  // The far end's transport (its offer or answer): ICE checks start. For
  // an answer, call it before webrtc_attributes(), so that our a=setup
  // answers its own. start() calls it if it has not been. Once per call:
  // a later description keeps the first (no ICE restart).
  // Error::unusable_sdp for attributes we cannot connect with.
  Error set_webrtc_remote(const WebRtcRemote& remote);
  // Back to plain sockets before start(): the WebRTC offer was refused
  // and plain RTP is offered instead. Stops the ICE agent.
  void drop_webrtc();

  // Error::media when our socket cannot send to this peer address at all
  // (an IPv4 peer for a socket bound to an IPv6 address, or the reverse),
  // naming both; empty when it can. Error::network for an invalid address.
  Error check_reachable(const std::string& remote_address) const;

  // Starts streaming; the session owns source and sink from here on.
  // With params.webrtc, ICE and DTLS run on a thread of their own; media
  // flows once both are done, and a failure is stats().transport_error.
  // Error::media for an unsupported codec/ptime, an unreachable remote
  // address (check_reachable), a second start() or a start() after stop();
  // Error::network for an invalid remote address.
  //
  // Only the peer's negotiated address and port are heard: RTP from its
  // m= port, RTCP from its RTCP or RTP port. A symmetric-RTP peer whose
  // first packet comes from another port of the same host is latched to
  // that port (once per remote address). Datagrams from anyone else are
  // counted in packets_from_strangers and otherwise ignored.
  Error start(const MediaParams& params, std::unique_ptr<AudioSource> source, std::unique_ptr<AudioSink> sink);

  // Re-INVITE: new remote address/ports, codec or direction. On error the
  // previous parameters stay in force.
  Error update(const MediaParams& params);

  // Queues digits (0-9 * # A-D; others skipped) as RFC 4733 events, 100 ms
  // each with 50 ms gaps. Ignored when no telephone-event was negotiated.
  void send_dtmf(const std::string& digits);
  std::vector<char> dtmf_received() const;

  // Joins the threads, sends RTCP BYE, closes source and sink (WAV files
  // get their final header). Idempotent.
  void stop();

  MediaStats stats() const;

 private:
  struct Impl;
  explicit MediaSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sipcall::media
