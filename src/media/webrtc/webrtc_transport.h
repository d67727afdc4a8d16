// The transport of WebRTC media (UDP/TLS/RTP/SAVPF, RFC 8827): one ICE
// component (rtcp-mux) on which a DTLS-SRTP handshake runs once ICE has a
// pair, yielding the SRTP keys of both directions. After that the transport
// carries SRTP and SRTCP datagrams; protecting them is the media session's
// job (SrtpSession), as it is for SDES.
//
//   auto t = WebRtcTransport::start(options);   // gathers host candidates
//   t->local()                                  // -> our SDP (offer or answer)
//   t->set_remote(remote)                       // <- the far end's SDP; checks start
//   t->connect(timeout)                         // ICE, then DTLS: keys, or why not
//   t->set_receiver(...); t->send(...)          // media datagrams both ways
//
// Threading: start, local, set_remote, connect, stop and the destructor
// from one owner thread. send() from any thread. The receiver
// runs on the ICE thread (IceAgent's rules: return quickly, never stop()).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "media/dtls/dtls_sdp.h"
#include "media/ice/ice_agent.h"
#include "media/srtp/srtp_keys.h"
#include "sipcall/error.h"

namespace sipcall::media::webrtc {

struct WebRtcOptions {
  bool offerer = false;  // we send the offer: ICE controlling, a=setup:actpass
  // Numeric addresses for host candidates (libnice leaves loopback out when
  // it enumerates on its own); empty = libnice's enumeration.
  std::vector<std::string> local_addresses;
  uint16_t port_min = 0;  // 0, 0: any port
  uint16_t port_max = 0;
  std::chrono::milliseconds gathering_timeout{2000};
};

// What our SDP says about the transport.
struct LocalDescription {
  ice::Credentials credentials;
  std::vector<ice::Candidate> candidates;
  dtls::Fingerprint fingerprint;  // sha-256 of the process's certificate
  dtls::Setup setup = dtls::Setup::actpass;  // actpass offering; answering: set by set_remote
};

// What the far end's SDP says about it.
struct RemoteDescription {
  std::string ufrag;
  std::string pwd;
  std::vector<ice::Candidate> candidates;
  std::vector<dtls::Fingerprint> fingerprints;  // its certificate must match one
  dtls::Setup setup = dtls::Setup::actpass;
};

// What connect() established.
struct Connection {
  ice::SelectedPair pair;
  SrtpKeys ours;    // we protect with these
  SrtpKeys theirs;  // the far end protects with these
  double ice_ms = 0;   // set_remote() to the first working pair
  double dtls_ms = 0;  // DTLS handshake
};

class WebRtcTransport {
 public:
  // A media datagram (SRTP or SRTCP, still protected) from the far end.
  using Receiver = std::function<void(std::span<const uint8_t>)>;

  // Gathers candidates (bounded by the options' gathering timeout) and
  // makes the process's DTLS certificate if it is the first.
  static Result<std::unique_ptr<WebRtcTransport>> start(const WebRtcOptions& options);
  ~WebRtcTransport();  // stop()
  WebRtcTransport(const WebRtcTransport&) = delete;
  WebRtcTransport& operator=(const WebRtcTransport&) = delete;

  const LocalDescription& local() const;

  // The far end's description; once. Decides the DTLS role (RFC 5763: an
  // answerer to actpass is active, the DTLS client) and, when answering,
  // our a=setup in local(); the ICE checks start with connect(). Errors
  // for a description we cannot use: no fingerprint, a=setup that decides
  // nothing (candidates are ICE's to judge, at connect()).
  Error set_remote(const RemoteDescription& remote);

  // Waits until ICE has a pair and DTLS has its keys, at most `timeout` in
  // all. A media Error names what failed: ICE found no pair, the peer's
  // certificate does not match its fingerprint, the handshake timed out.
  Result<Connection> connect(std::chrono::milliseconds timeout);

  // The same without blocking, for a caller with a loop of its own (the
  // media clock): each call moves things on (makes the DTLS endpoint once
  // ICE has a pair, runs its retransmission timer) and says where they
  // are. The deadline counts from the first call. Once it returned a
  // Connection or an Error, it returns the same Error, or an empty
  // Connection-less "done" (see Progress).
  struct Progress {
    std::optional<Connection> connected;  // set once, on the call that finished
    std::optional<Error> failed;          // set on every call after a failure
    bool done() const { return connected || failed; }
  };
  Progress poll_connect(std::chrono::milliseconds timeout);
  // How long a caller may wait before the next poll_connect() has work:
  // the DTLS timer, capped at `cap`.
  std::chrono::milliseconds next_poll(std::chrono::milliseconds cap) const;

  // Where media datagrams go once connected; set before connect() returns
  // to miss none.
  void set_receiver(Receiver receiver);
  // One media datagram over the selected pair (any thread); fails before
  // connect() succeeded.
  Error send(std::span<const uint8_t> datagram);

  // Sends DTLS close_notify when connected, then closes ICE. Idempotent.
  void stop();

  struct Impl;

 private:
  explicit WebRtcTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sipcall::media::webrtc
