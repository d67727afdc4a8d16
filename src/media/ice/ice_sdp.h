// ICE's SDP attributes (RFC 8839): a=candidate, a=ice-ufrag, a=ice-pwd,
// a=ice-options and a=end-of-candidates, parsed from and formatted for the
// far end's and our SDP. Pure text handling, no sockets and no libnice: the
// agent (ice_agent.h) turns what is parsed here into libnice's candidates.
//
// Our own parser rather than libnice's nice_agent_parse_remote_*_sdp: it
// bounds every field, tells "skip this line" (tcp, mDNS, other transports)
// from "this line is broken", and says why in one line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sipcall/error.h"

namespace sipcall::media::ice {

enum class CandidateType { host, srflx, prflx, relay };
const char* candidate_type_name(CandidateType type);

// One UDP candidate of the far end or ours, as RFC 8839 writes it.
struct Candidate {
  std::string foundation;  // 1..32 ice-chars
  unsigned component = 1;  // 1..256; RTP is 1 (and with rtcp-mux the only one)
  uint32_t priority = 0;   // 1..2^31-1
  std::string address;     // numeric IPv4 or IPv6, as written (no brackets)
  uint16_t port = 0;       // 1..65535
  CandidateType type = CandidateType::host;
  // raddr/rport: where a srflx/relay candidate came from; informational.
  std::optional<std::string> related_address;
  uint16_t related_port = 0;

  bool operator==(const Candidate&) const = default;
};

// A candidate line that is well formed but not one we can use: tcp, an
// unknown transport or type, an mDNS (.local) or other host name.
struct SkippedCandidate {
  std::string reason;
};

// Longest a=candidate value we read (Chrome's are ~150 characters).
inline constexpr size_t max_candidate_length = 512;

// The value of an a=candidate attribute, with or without the leading
// "candidate:" (SDP has it in the attribute name, WebRTC's JS API in the
// value). Either a usable candidate, a skipped one, or an error naming the
// field that is wrong. Extensions (generation, ufrag, network-id,
// network-cost, tcptype, ...) are read and ignored.
struct ParsedCandidate {
  std::optional<Candidate> candidate;  // set when usable
  std::optional<SkippedCandidate> skipped;  // set when skipped
};
Result<ParsedCandidate> parse_candidate(std::string_view value);

// The attribute value for a=candidate (without "candidate:"), e.g.
// "1 1 udp 2130706431 127.0.0.1 40012 typ host".
std::string format_candidate(const Candidate& candidate);

// ice-ufrag: 4..256 ice-chars (ALPHA / DIGIT / "+" / "/"); ice-pwd: 22..256.
Error check_ufrag(std::string_view ufrag);
Error check_pwd(std::string_view pwd);

// Fresh credentials from the kernel's CSPRNG: an 8-character ufrag
// (48 bits; RFC 8445 asks for at least 24) and a 24-character pwd (144
// bits; at least 128).
struct Credentials {
  std::string ufrag;
  std::string pwd;
};
Result<Credentials> random_credentials();

// a=ice-options: space-separated option tags. We do no trickle, so a peer's
// "trickle" only tells us it may send candidates later, which we never wait
// for: it must send a=end-of-candidates or give all in the SDP.
struct IceOptions {
  bool trickle = false;
  bool ice2 = false;  // RFC 8445 agent
  std::vector<std::string> others;
};
Result<IceOptions> parse_ice_options(std::string_view value);

// All ICE attributes of one m= section (with the session-level ones, which
// RFC 8839 lets the media level override), collected line by line from the
// far end's SDP.
class RemoteDescription {
 public:
  // At most this many candidates are kept (libnice takes 25 per component);
  // more are counted as skipped.
  static constexpr size_t max_candidates = 25;

  // One attribute of the media section: name without "a=", value after the
  // first ':' (empty for flag attributes). Attributes that are not ICE's
  // are ignored; a broken ICE attribute is an error (the caller decides
  // whether it fails the call). session_level: from before the first m=.
  Error add_attribute(std::string_view name, std::string_view value, bool session_level = false);

  // Credentials and at least one usable candidate present; else why not.
  Error check_complete() const;

  const std::string& ufrag() const { return media_ufrag_ ? *media_ufrag_ : session_ufrag_; }
  const std::string& pwd() const { return media_pwd_ ? *media_pwd_ : session_pwd_; }
  const IceOptions& options() const { return options_; }
  const std::vector<Candidate>& candidates() const { return candidates_; }
  // Skipped lines and why (the first 8 distinct reasons).
  size_t skipped_count() const { return skipped_count_; }
  const std::vector<std::string>& skipped_reasons() const { return skipped_reasons_; }
  bool end_of_candidates() const { return end_of_candidates_; }
  bool ice_lite() const { return ice_lite_; }

 private:
  void skip(std::string reason);

  std::optional<std::string> media_ufrag_, media_pwd_;
  std::string session_ufrag_, session_pwd_;
  IceOptions options_;
  std::vector<Candidate> candidates_;
  size_t skipped_count_ = 0;
  std::vector<std::string> skipped_reasons_;
  bool end_of_candidates_ = false;
  bool ice_lite_ = false;
};

}  // namespace sipcall::media::ice
