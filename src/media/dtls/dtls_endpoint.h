// One end of a DTLS-SRTP handshake (RFC 5764, DTLS 1.2) that owns no socket:
// the caller feeds it the DTLS datagrams that arrive (see demux.h), sends
// the datagrams it hands out, and calls handle_timeout() when timeout()
// says so. Bounding the whole handshake is the caller's job (state() and
// handshake_duration() tell it where things are). Single-threaded: call it
// from one thread, and do not call back into it from the send callback.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dtls_certificate.h"
#include "dtls_sdp.h"
#include "dtls_srtp_keys.h"
#include "sipcall/error.h"

namespace sipcall::media::dtls {

enum class DtlsState {
  handshaking,
  connected,  // keys() holds the SRTP keys
  closed,     // after connected: the peer sent close_notify, or we called close()
  failed,     // failure() says why
};

struct DtlsEndpointConfig {
  DtlsRole role = DtlsRole::client;
  // The peer's a=fingerprint lines: its certificate must match one of them.
  std::vector<Fingerprint> peer_fingerprints;
  // Ours; DtlsCertificate::for_process() when empty.
  std::shared_ptr<const DtlsCertificate> certificate;
  // The largest datagram we send: 1200 fits any path with IPv6 and TURN.
  size_t mtu = 1200;
  // First retransmission of a flight; doubles on each timeout, up to 60 s
  // (RFC 6347 section 4.2.4.1). OpenSSL gives up after 12 timeouts.
  std::chrono::milliseconds initial_retransmit{1000};
};

class DtlsEndpoint {
 public:
  using SendDatagram = std::function<void(std::span<const uint8_t>)>;

  // Fails only for a configuration we cannot use (no peer fingerprint, no
  // certificate) or when OpenSSL cannot set itself up.
  static Result<std::unique_ptr<DtlsEndpoint>> create(DtlsEndpointConfig config, SendDatagram send);
  ~DtlsEndpoint();
  DtlsEndpoint(const DtlsEndpoint&) = delete;
  DtlsEndpoint& operator=(const DtlsEndpoint&) = delete;

  // Starts the handshake clock; a client sends its ClientHello. A server
  // needs no start(): its clock starts with the first datagram fed to it.
  void start();

  // One datagram from the peer (whatever classify_datagram() calls dtls).
  void feed(std::span<const uint8_t> datagram);

  // How long until handle_timeout() has something to do; nullopt when no
  // retransmission is pending. Zero when it is due now.
  std::optional<std::chrono::milliseconds> timeout() const;
  // Retransmits the last flight if its timer expired; fails the handshake
  // when OpenSSL has retransmitted too often without an answer.
  void handle_timeout();

  // Sends close_notify (when connected) and stops.
  void close();

  DtlsState state() const;
  DtlsRole role() const;
  const std::string& failure() const;  // one line; empty unless failed
  bool peer_closed() const;            // closed because the peer sent close_notify
  // From start (or the first datagram, for a server) to connected.
  std::optional<std::chrono::microseconds> handshake_duration() const;
  // The negotiated profile and keys, once connected (also after closed).
  const DtlsSrtpKeys* keys() const;

  struct Impl;

 private:
  explicit DtlsEndpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

std::string_view state_name(DtlsState state);

}  // namespace sipcall::media::dtls
