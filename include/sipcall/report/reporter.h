// Everything sip-call tells the user goes through the Reporter: human lines on
// stderr, and with --json one JSON object per line on stdout (event lines
// while running, the report last). A command whose output is itself the
// product (`devices`) prints it as a listing on stdout instead of a report. It also holds the redaction rule for text
// that came from outside (SIP traces): digest responses and the password
// itself are replaced. Lines that sip-call composes never contain the
// password, and are not rewritten (a short password could match any word).
#pragma once

#include <cstdio>
#include <string>

#include "sipcall/report/json_writer.h"
#include "sipcall/sip/sip_trace.h"

namespace sipcall {

class Reporter {
 public:
  Reporter(bool json, bool verbose, std::FILE* human = stderr, std::FILE* machine = stdout)
      : json_(json), verbose_(verbose), human_(human), machine_(machine) {}

  // Anything equal to `secret` is replaced in later traces.
  void add_secret(const std::string& secret);

  void line(const std::string& text);            // one human line
  void warn(const std::string& text);            // "sip-call: warning: ..."
  void trace(const SipTrace& trace);             // with -v: the whole message, redacted
  void event(const JsonObject& event);           // with --json: an event line
  void report(const JsonObject& report);         // with --json: the final report
  void listing(const std::string& text);         // without --json: the product, on stdout
  bool json() const { return json_; }
  bool verbose() const { return verbose_; }

  std::string redact(std::string text) const;

 private:
  void write(std::FILE* f, const std::string& text);
  bool json_;
  bool verbose_;
  std::FILE* human_;
  std::FILE* machine_;
  std::string secret_;
};

}  // namespace sipcall
