// The SDP side of DTLS-SRTP (RFC 8122 a=fingerprint, RFC 4145/5763 a=setup):
// parsing and formatting the attribute values, and the rule that decides
// which end is the DTLS client.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sipcall/error.h"

namespace sipcall::media::dtls {

// Hash functions of the RFC 8122 registry that we can verify with. md5 and
// md2 are refused (RFC 8122 section 5: MUST NOT be used); anything else is
// unknown to us.
enum class FingerprintHash { sha1, sha224, sha256, sha384, sha512 };

std::string_view hash_name(FingerprintHash hash);  // "sha-256"
size_t digest_length(FingerprintHash hash);        // bytes: 20, 28, 32, 48, 64

struct Fingerprint {
  FingerprintHash hash = FingerprintHash::sha256;
  std::vector<uint8_t> digest;  // digest_length(hash) bytes

  bool operator==(const Fingerprint&) const = default;
};

// The longest a=fingerprint value we read: "sha-512 " and 64 bytes as
// "XX:" is 199 characters; a little slack for surrounding spaces.
inline constexpr size_t max_fingerprint_value = 256;

// Parses the value of an a=fingerprint line ("sha-256 AB:CD:..."). The hash
// name is case-insensitive, the hex digits are taken in either case (RFC 8122
// says upper; some peers send lower). A bad value is a media Error whose
// message is one line naming what is wrong and never echoing the input.
Result<Fingerprint> parse_fingerprint(std::string_view value);

// "sha-256 AB:CD:..." -- upper-case hex, colon separated (RFC 8122 section 5).
std::string format_fingerprint(const Fingerprint& fingerprint);

// a=setup (RFC 4145 section 4).
enum class Setup { actpass, active, passive, holdconn };

std::string_view setup_name(Setup setup);
Result<Setup> parse_setup(std::string_view value);

// Which end of the DTLS handshake we are: active = client, passive = server
// (RFC 5763 section 5).
enum class DtlsRole { client, server };

// RFC 5763 section 5: the offerer MUST say actpass.
inline constexpr Setup offer_setup = Setup::actpass;

// Our a=setup in an answer to an offer that said `offered`: actpass ->
// active (RFC 5763: the answerer SHOULD be active, so it starts the handshake
// at once and no ClientHello waits for the answer to arrive), active ->
// passive, passive -> active. holdconn has no connection to set up: Error.
Result<Setup> answer_setup(Setup offered);

// Our DTLS role from our own final a=setup (active or passive).
Result<DtlsRole> role_for_setup(Setup ours);

// As the offerer (we said actpass): our role once the answer said `answered`.
// The answer must say active or passive; actpass or holdconn is an Error.
Result<DtlsRole> offerer_role(Setup answered);

}  // namespace sipcall::media::dtls
