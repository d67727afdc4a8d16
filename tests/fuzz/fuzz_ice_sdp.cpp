// ICE's SDP attributes from the far end (src/media/ice/ice_sdp.h): the input
// is lines of "name:value" (or a bare name), each given to a
// RemoteDescription; lines before one that is just "m" are session level.
// Every line is also parsed as a candidate value and as ufrag/pwd on its
// own. A usable candidate must be in bounds and survive format + parse
// unchanged; the description never keeps more than it promises.
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "ice_sdp.h"

using namespace sipcall;
using namespace sipcall::media::ice;
using sipcall::fuzz::check;

namespace {

void check_error(const Error& e) {
  check(e.kind() == ErrorKind::unusable_sdp, "bad ICE attribute is not an SDP error");
  check(!e.message().empty() && e.message().size() < 400, "error message empty or unbounded");
}

void check_candidate_line(std::string_view line) {
  auto p = parse_candidate(line);
  if (!p.ok()) {
    check_error(p.error());
    return;
  }
  check(p->candidate.has_value() != p->skipped.has_value(), "a candidate must be usable or skipped, not both");
  if (p->skipped) {
    check(!p->skipped->reason.empty(), "skipped without a reason");
    return;
  }
  const Candidate& c = *p->candidate;
  check(!c.foundation.empty() && c.foundation.size() <= 32, "foundation out of bounds");
  check(c.component >= 1 && c.component <= 256, "component out of bounds");
  check(c.priority >= 1 && c.priority <= 0x7fffffffu, "priority out of bounds");
  check(c.port != 0, "port 0 accepted");
  check(c.related_address || c.related_port == 0, "rport without raddr");
  auto again = parse_candidate(format_candidate(c));
  check(again.ok() && again->candidate && *again->candidate == c, "format + parse changed the candidate");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  RemoteDescription remote;
  bool session_level = true;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line == "m") {
      session_level = false;
      continue;
    }
    const size_t colon = line.find(':');
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    if (auto e = remote.add_attribute(name, value, session_level)) check_error(e);
    check_candidate_line(line);
    if (check_ufrag(value).ok()) check(value.size() >= 4 && value.size() <= 256, "ufrag length");
    if (check_pwd(value).ok()) check(value.size() >= 22 && value.size() <= 256, "pwd length");
    if (auto o = parse_ice_options(value); !o.ok()) check_error(o.error());
  }
  check(remote.candidates().size() <= RemoteDescription::max_candidates, "kept more candidates than the bound");
  for (const auto& c : remote.candidates()) check(c.component == 1, "kept a component other than 1");
  check(remote.skipped_reasons().size() <= 8 && remote.skipped_reasons().size() <= remote.skipped_count(),
        "skipped reasons unbounded");
  if (remote.check_complete().ok())
    check(!remote.ufrag().empty() && !remote.pwd().empty() && !remote.candidates().empty(), "complete but empty");
  return 0;
}
