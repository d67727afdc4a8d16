// The SRTP keys of one call, both directions, as the key exchange (SDES
// now, DTLS-SRTP later) agreed them: what MediaParams::srtp points to.
// Internal to src/media; the public headers only name it.
#pragma once

#include <cstdint>
#include <string>

#include "media/srtp/srtp_keys.h"

namespace sipcall::media {

struct SrtpKeyPair {
  SrtpKeys ours;    // protects what we send
  SrtpKeys theirs;  // checks what the peer sends
  std::string method;  // how they were agreed, for the report: "sdes-srtp"
  // SDES, as answerer: the offered tag we took and our a=crypto value for
  // it, so that a re-offer of the same line gets the same answer.
  uint32_t tag = 0;
  std::string our_line;

  // Same keys both ways (constant time, as SrtpKeys compares).
  bool same_keys(const SrtpKeyPair& other) const { return ours == other.ours && theirs == other.theirs; }
};

}  // namespace sipcall::media
