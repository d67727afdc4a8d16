// `sip-call devices`: the sound devices PortAudio sees, with the index and
// name that a device option accepts. The list is the command's product, so
// it goes to stdout: a table for people, or the JSON report with --json.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "sipcall/commands/commands.h"
#include "sipcall/report/exit_codes.h"
#include "sipcall/media/audio/portaudio_io.h"

namespace sipcall {

namespace {

using media::AudioDeviceInfo;

std::string defaults_of(const AudioDeviceInfo& d) {
  if (d.is_default_input && d.is_default_output) return "input, output";
  if (d.is_default_input) return "input";
  if (d.is_default_output) return "output";
  return "";
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// Left-aligned columns as wide as their widest cell, two spaces apart; no
// trailing blanks.
std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], row[c].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) line += c + 1 < row.size() ? pad(row[c], width[c] + 2) : row[c];
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string human_listing(const std::vector<AudioDeviceInfo>& devices) {
  if (devices.empty()) return "no audio devices found";
  std::vector<std::vector<std::string>> rows{{"INDEX", "NAME", "HOST API", "IN", "OUT", "RATE", "DEFAULT"}};
  for (const AudioDeviceInfo& d : devices)
    rows.push_back({std::to_string(d.index), d.name, d.host_api, std::to_string(d.max_input_channels),
                    std::to_string(d.max_output_channels), std::to_string(std::lround(d.default_sample_rate)),
                    defaults_of(d)});
  return table(rows);
}

JsonObject device_json(const AudioDeviceInfo& d) {
  return JsonObject()
      .add("index", d.index)
      .add("name", d.name)
      .add("host_api", d.host_api)
      .add("input_channels", d.max_input_channels)
      .add("output_channels", d.max_output_channels)
      .add("default_rate_hz", std::lround(d.default_sample_rate))
      .add("default_input", d.is_default_input)
      .add("default_output", d.is_default_output);
}

}  // namespace

ExitCode run_devices(Reporter& reporter) {
  const auto started = std::chrono::steady_clock::now();
  JsonObject report;
  report.add("command", "devices");

  auto devices = media::list_devices();
  ExitCode code = devices.ok() ? ExitCode::ok : exit_code_of(devices.error());
  if (devices.ok()) {
    std::vector<JsonObject> items;
    for (const AudioDeviceInfo& d : *devices) items.push_back(device_json(d));
    report.add("devices", items);
    reporter.listing(human_listing(*devices));
  } else {
    reporter.line("sip-call: cannot list audio devices: " + devices.error().message());
  }
  report.add("result", code == ExitCode::ok ? "ok" : "error").add("exit_code", static_cast<int>(code))
      .add("exit_reason", exit_code_name(code));
  if (!devices.ok()) report.add("error", devices.error().message());
  report.add("total_ms", static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started).count()));
  reporter.report(report);
  return code;
}

}  // namespace sipcall
