// One SRTP session (RFC 3711, RFC 7714): protects what we send with our
// keys and checks and decrypts what the peer sends with theirs, RTP and
// RTCP alike. Per SSRC it keeps the rollover counter that extends the
// 16-bit sequence number across wraps and a replay window (128 packets)
// that refuses a packet seen before or too old.
//
// The receiver learns a stream's rollover counter from the packets it gets,
// starting at 0 (RFC 3711 3.3.1): if the first ones it gets come after the
// sender's sequence number wrapped, every packet fails authentication. A
// sender that starts below 2^15 (as libwebrtc does) keeps the first wrap
// more than 32767 packets (11 minutes of 20 ms audio) away.
//
// Our own transforms on OpenSSL's ciphers (srtp_crypto.h) rather than
// libsrtp2: Debian's libsrtp2 is built on NSS, which made protecting a
// packet 4 us instead of well under 1 us, added NSS's 2.7 MB of libraries
// to every SRTP call and 20 to 50 ms of NSS start-up to its set-up
// (measured with tests/bench/srtp_cost.cpp and /proc/PID/smaps). OpenSSL
// is in the process already for TLS and DTLS. The unit tests check us
// against libsrtp2 packet by packet (tests/unit/media/srtp).
//
// Threads: protect_* and unprotect_* keep separate state, so one thread may
// send while another receives; each side is one thread's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "media/srtp/srtp_keys.h"
#include "sipcall/error.h"

namespace sipcall::media {

enum class UnprotectStatus {
  ok,
  auth_failed,  // tag does not match: forged, damaged, or sent with another key
  replayed,     // authentic but seen before, or older than the replay window
  malformed,    // too short or not RTP/RTCP: nothing to check
};

struct UnprotectResult {
  UnprotectStatus status = UnprotectStatus::malformed;
  size_t length = 0;  // of the plain packet, when ok
  bool ok() const { return status == UnprotectStatus::ok; }
};

const char* to_string(UnprotectStatus status);

class SrtpSession {
 public:
  // Bytes protect_rtp / protect_rtcp add at most, for any suite and MKI.
  static constexpr size_t kMaxOverhead = 4 + 16 + 4;  // SRTCP index, tag, MKI
  static constexpr size_t kMaxPacket = 65536;

  // Both keys must be of the same suite (SDES and DTLS-SRTP agree on one).
  static Result<SrtpSession> create(const SrtpKeys& ours, const SrtpKeys& theirs);
  ~SrtpSession();
  SrtpSession(SrtpSession&&) noexcept;
  SrtpSession& operator=(SrtpSession&&) noexcept;

  SrtpSuite suite() const;
  size_t rtp_overhead() const;   // tag (+ MKI) of our packets
  size_t rtcp_overhead() const;  // SRTCP index + tag (+ MKI)

  // In place: buffer holds the plain packet in its first `length` bytes and
  // has room for the overhead after it. Returns the protected length. Fails
  // on a packet that is not RTP/RTCP, on too little room, and on a sequence
  // number sent before (a key stream must never encrypt twice).
  Result<size_t> protect_rtp(std::span<uint8_t> buffer, size_t length);
  Result<size_t> protect_rtcp(std::span<uint8_t> buffer, size_t length);

  // In place; never throws, whatever the bytes. On anything but ok the
  // packet is zeroed, so that no unauthenticated byte can be played.
  UnprotectResult unprotect_rtp(std::span<uint8_t> packet);
  UnprotectResult unprotect_rtcp(std::span<uint8_t> packet);

 private:
  struct Impl;
  explicit SrtpSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sipcall::media
