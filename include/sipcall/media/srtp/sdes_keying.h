// SDES keying of a call (RFC 4568) in the terms the commands need: the
// a=crypto values of our offer or answer, and the SRTP keys both sides
// agreed, which go to the media session in MediaParams::srtp. The values
// carry keys: secrets, never to be logged (see redact_sdes_keys).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sipcall/error.h"

namespace sipcall::media {

struct SrtpKeyPair;    // src/media/srtp/srtp_key_pair.h
struct SdesOfferKeys;  // sdes_keying.cpp: the keys behind our offer's lines
using SrtpKeying = std::shared_ptr<const SrtpKeyPair>;

// Our offer: one a=crypto value per suite we speak, in our order of
// preference, each with a fresh key from the kernel's CSPRNG.
struct SdesOffer {
  std::vector<std::string> lines;
  std::shared_ptr<const SdesOfferKeys> keys;
};
Result<SdesOffer> make_sdes_offer();

// The offerer's check of the answer's a=crypto values: exactly one, with a
// tag and suite of our offer. Error::unusable_sdp naming why (never a key).
Result<SrtpKeying> accept_sdes_answer(const SdesOffer& offer, const std::vector<std::string>& answer);

struct SdesReply {
  std::string line;  // our answer's a=crypto value
  SrtpKeying keys;
};
// The answerer: the first offered value with a suite we speak, answered
// under its tag with a fresh key of ours. When `current` (the reply in
// force) came from that very line, key and tag, the reply is `current`:
// a re-INVITE that repeats the offer (hold, a refresh) does not re-key.
// Error::unusable_sdp naming why each line was refused.
Result<SdesReply> answer_sdes_offer(const std::vector<std::string>& offered, const SdesReply* current = nullptr);

// The suite's SDP name ("AES_CM_128_HMAC_SHA1_80") and the method
// ("sdes-srtp") of agreed keys.
std::string_view srtp_suite_name(const SrtpKeyPair& keys);
std::string_view srtp_method(const SrtpKeyPair& keys);

// What every SDES key in a text becomes: "inline:<redacted>".
inline constexpr std::string_view kRedactedKey = "<redacted>";
// Replaces the key of every "inline:" (any case) in text (SDP, a SIP trace,
// a report). Lifetime and MKI stay: they are no secret. Idempotent.
// (Implemented in sdes.cpp, beside the parser that knows a key's alphabet.)
std::string redact_sdes_keys(std::string_view text);

}  // namespace sipcall::media
