#include "sipcall/report/reporter.h"

namespace sipcall {

void Reporter::add_secret(const std::string& secret) { secret_ = secret; }

std::string Reporter::redact(std::string text) const {
  if (secret_.empty()) return text;
  for (size_t pos = text.find(secret_); pos != std::string::npos; pos = text.find(secret_, pos))
    text.replace(pos, secret_.size(), "<redacted>"), pos += 10;
  return text;
}

void Reporter::write(std::FILE* f, const std::string& text) {
  std::string out = text;
  if (out.empty() || out.back() != '\n') out += '\n';
  std::fwrite(out.data(), 1, out.size(), f);
  std::fflush(f);
}

void Reporter::line(const std::string& text) { write(human_, text); }
void Reporter::warn(const std::string& text) { write(human_, "sip-call: warning: " + text); }

void Reporter::trace(const SipTrace& t) {
  if (!verbose_) return;
  char head[160];
  std::snprintf(head, sizeof head, "%s %s %s (+%ld ms)\n", t.outgoing ? "-->" : "<--",
                t.outgoing ? "sent to" : "received from", t.peer.c_str(), t.elapsed_ms);
  // Whatever a server echoes back is redacted too, not only our own headers.
  write(human_, std::string(head) + redact(redact_sip_message(t.text)));
}

void Reporter::event(const JsonObject& e) {
  if (json_) write(machine_, e.str());
}

void Reporter::report(const JsonObject& r) {
  if (json_) write(machine_, r.str());
}

void Reporter::listing(const std::string& text) {
  if (!json_) write(machine_, text);
}

}  // namespace sipcall
