// A command's final report: the fields it gathered, then result, exit code,
// error and total time, written once by finish(). Internal to src/commands.
#pragma once

#include <string>

#include "command_clock.h"
#include "sipcall/error.h"
#include "sipcall/report/exit_codes.h"
#include "sipcall/report/reporter.h"

namespace sipcall {

class EventQueue;

class CommandReport {
 public:
  CommandReport(Reporter& reporter, const std::string& command);
  JsonObject& fields() { return fields_; }
  JsonObject& timings() { return timings_; }
  Clock::time_point started() const { return started_; }
  // From now on the report says how many requests `queue` saw dropped.
  void count_ignored_requests(const EventQueue& queue) { queue_ = &queue; }
  // Prints `error` (if any) as the one human error line and writes the report.
  ExitCode finish(ExitCode code, const std::string& error);
  // finish() with the code and message of `error`.
  ExitCode fail(const Error& error) { return finish(exit_code_of(error), error.message()); }

 private:
  Reporter& reporter_;
  Clock::time_point started_ = Clock::now();
  JsonObject fields_;
  JsonObject timings_;
  const EventQueue* queue_ = nullptr;
};

}  // namespace sipcall
