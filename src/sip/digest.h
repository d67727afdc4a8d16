// HTTP digest authentication for SIP (RFC 3261 22.4, RFC 7616, RFC 8760):
// parsing challenges, choosing the strongest one we can answer, and
// computing the Authorization header value. Pure: no Sofia-SIP, no I/O.
// MD5, SHA-256 and SHA-512-256, each also as -sess; qop auth and auth-int.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sipcall/error.h"

namespace sipcall::digest {

enum class Algorithm { md5, sha256, sha512_256 };

// One WWW-Authenticate / Proxy-Authenticate value, quoted strings unescaped
// (RFC 3261 25.1 quoted-pair).
struct Challenge {
  std::string scheme;          // "Digest", "Basic", ... as sent
  std::string realm;
  std::string nonce;
  std::string opaque;
  std::string algorithm;       // as sent; empty = MD5
  std::vector<std::string> qop;  // offered qop values, lower case
  bool has_realm = false;
  bool has_nonce = false;
  bool has_opaque = false;
  bool stale = false;
};

// A challenge header value: a scheme, then comma-separated auth-params.
// Fails (sip_failure) on a value that is not one: unterminated quotes,
// a parameter without '=', more than 64 parameters or 4 KB.
Result<Challenge> parse_challenge(std::string_view value);

// What we answer a challenge with.
struct Choice {
  Algorithm algorithm = Algorithm::md5;
  bool sess = false;
  std::string qop;  // "auth", "auth-int" or "" (RFC 2069 style, no qop offered)
  Challenge challenge;
};

// The strongest Digest challenge of `offered` (the challenges of one realm)
// that we can answer: SHA-512-256 > SHA-256 > MD5, qop auth > auth-int >
// none. The error says why none can be: Basic only (never answered, RFC
// 3261 22.1: it would send the password in clear), unknown algorithms or
// qop (auth_failed), or a Digest challenge without realm or nonce
// (sip_failure).
Result<Choice> choose(const std::vector<Challenge>& offered);

// The request an Authorization answers.
struct Request {
  std::string method;
  std::string uri;
  std::string body;  // for qop=auth-int
};

// The hex response of RFC 7616 3.4.1 (RFC 2617 for MD5).
std::string response(const Choice& choice, const std::string& username, const std::string& password,
                     const Request& request, const std::string& cnonce, unsigned nc);

// The whole header value, "Digest username=..., response=...", with
// every quoted string escaped again.
std::string authorization(const Choice& choice, const std::string& username, const std::string& password,
                          const Request& request, const std::string& cnonce, unsigned nc);

// "abc" -> "\"abc\"", escaping '"' and '\' (RFC 3261 25.1).
std::string quote(std::string_view text);

// A fresh client nonce: 16 random bytes from the kernel, hex (empty in the
// unheard-of case that no randomness can be had).
std::string new_cnonce();

std::string_view algorithm_name(Algorithm a, bool sess);

}  // namespace sipcall::digest
