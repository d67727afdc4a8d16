#include "command_report.h"

#include "event_queue.h"
#include "sipcall/report/exit_codes.h"

namespace sipcall {

CommandReport::CommandReport(Reporter& reporter, const std::string& command) : reporter_(reporter) {
  fields_.add("command", command);
}

ExitCode CommandReport::finish(ExitCode code, const std::string& error) {
  if (!error.empty()) reporter_.line("sip-call: " + error);
  fields_.add("timings", timings_).add("result", code == ExitCode::ok ? "ok" : "error")
      .add("exit_code", static_cast<int>(code)).add("exit_reason", exit_code_name(code));
  if (!error.empty()) fields_.add("error", error);
  if (queue_) fields_.add("requests_ignored", queue_->requests_ignored());
  fields_.add("total_ms", ms_since(started_));
  reporter_.report(fields_);
  return code;
}

}  // namespace sipcall
