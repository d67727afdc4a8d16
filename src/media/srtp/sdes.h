// SDES (RFC 4568): SRTP keys carried in SDP as a=crypto attributes, e.g.
//   a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<base64 of key||salt>|2^31|1:4
// Parsing (of outside data: bounded and strict), formatting, our offer
// (fresh keys, suites in our order of preference), the answerer's choice
// (the first offered line we can use) and the offerer's check of the answer.
//
// What we accept, and why:
// - One key per line: a second key (";") is only of use with MKIs to switch
//   keys mid-stream, which no peer of ours does; refused.
// - MKI: accepted on the peer's key when it is 1 to 4 bytes (RFC 4568 allows
//   128). Some phones and SBCs send "|1:1" or "|1:4" on every offer (Asterisk
//   learnt to accept them for that reason); longer ones exist in no
//   deployment we know. Our keys carry none. (libsrtp 2.5 misreads the MKI
//   of SRTCP with AES_CM_128_HMAC_SHA1_32; we never send it one.)
// - Lifetime: accepted from 1 to 2^48 packets (SRTP's own limit) and kept.
//   It bounds the use of the peer's key, which the peer itself must renew (by
//   re-INVITE) before it runs out; our keys carry none, i.e. SRTP's own
//   limits (2^48 SRTP, 2^31 SRTCP packets), which a call never reaches.
// - Session parameters: WSH (replay window hint) is accepted and kept;
//   KDR=0 (no re-derivation) is accepted, any other key derivation rate is
//   not (srtp_session.cpp derives once). UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP and
//   UNAUTHENTICATED_SRTP are refused: SRTP here means encrypted and
//   authenticated or nothing. FEC_ORDER and FEC_KEY are refused (no FEC
//   here); unknown parameters too, unless they begin with "-", which marks
//   them optional (RFC 4568 6.3.7).
// Error messages name the suite or parameter at fault, never key material.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "media/srtp/srtp_keys.h"
#include "media/srtp/srtp_suite.h"
#include "sipcall/error.h"
#include "sipcall/media/srtp/sdes_keying.h"  // redact_sdes_keys

namespace sipcall::media {

// One a=crypto value: what follows "a=crypto:".
struct CryptoAttribute {
  uint32_t tag = 1;                          // 0 to 999999999
  SrtpKeys keys;                             // suite, key||salt, MKI
  std::optional<uint64_t> lifetime;          // in packets
  std::optional<uint32_t> window_size_hint;  // WSH=
};

// Longer values are refused unread (a 60-character key, a 4-byte MKI and
// every session parameter we know fit in well under 200).
inline constexpr size_t kMaxCryptoAttributeLength = 512;

Result<CryptoAttribute> parse_crypto_attribute(std::string_view value);
// The value for "a=crypto:": tag, suite, inline key, lifetime, MKI, WSH.
std::string format_crypto_attribute(const CryptoAttribute& attribute);

// Our offer: one line per suite, tags 1, 2, ..., each with a fresh key.
Result<std::vector<CryptoAttribute>> make_crypto_offer(
    std::span<const SrtpSuite> suites = srtp_suites_by_preference());

struct SdesAnswer {
  CryptoAttribute theirs;  // the offered line we took: the peer's sending key
  CryptoAttribute ours;    // its tag and suite with a fresh key of ours: our answer's line
};
// Answerer: the first offered line, in the offer's order, that parses and
// has a suite in `supported`. The error names why each line was refused.
Result<SdesAnswer> answer_crypto_offer(std::span<const std::string_view> offered,
                                       std::span<const SrtpSuite> supported = srtp_suites_by_preference());

struct SdesKeys {
  SrtpKeys ours;    // to protect what we send
  SrtpKeys theirs;  // to check what the peer sends
};
// Offerer: the answer's one a=crypto line must name a tag of our offer and
// that tag's suite.
Result<SdesKeys> accept_crypto_answer(std::span<const CryptoAttribute> offer, std::string_view answer);

}  // namespace sipcall::media
