// tone-check: does a recording contain the tone it should? For integration
// tests of the real binary. Looks only at the second half of the file (the
// first half holds call setup and jitter-buffer settling) and prints
//   {"rms": R, "dominant_hz": F, "ratio": P, "reject_ratio": Q, "pass": true}
// where ratio is the power share of the first --expect frequency.
//
// usage: tone-check FILE [--expect HZ]... [--reject HZ]... [--channel N]
//                   [--min-rms N] [--min-ratio R] [--max-reject R]
// exit: 0 all checks pass, 1 a check failed or the file is unreadable.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sipcall/media/audio/tone_detect.h"
#include "sipcall/media/audio/wav_file.h"

using namespace sipcall::media;

namespace {
struct Options {
  std::string path;
  std::vector<double> expect, reject;  // [Hz]
  int channel = -1;                    // -1 = all channels mixed
  double min_rms = 300;                // below this the half is "silence" [int16 units]
  double min_ratio = 0.3;              // expected tone's minimum power share
  double max_reject = 0.1;             // rejected tone's maximum power share
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--expect" && has_value) o.expect.push_back(std::atof(argv[++i]));
    else if (a == "--reject" && has_value) o.reject.push_back(std::atof(argv[++i]));
    else if (a == "--channel" && has_value) o.channel = std::atoi(argv[++i]);
    else if (a == "--min-rms" && has_value) o.min_rms = std::atof(argv[++i]);
    else if (a == "--min-ratio" && has_value) o.min_ratio = std::atof(argv[++i]);
    else if (a == "--max-reject" && has_value) o.max_reject = std::atof(argv[++i]);
    else if (o.path.empty() && a.rfind("--", 0) != 0) o.path = a;
    else return false;
  }
  return !o.path.empty();
}

std::string json_escape(const std::string& in) {
  std::string out;
  for (char c : in) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out;
}

int fail(const std::string& message) {
  std::printf("{\"error\": \"%s\", \"pass\": false}\n", json_escape(message).c_str());
  return 1;
}
}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr, "usage: tone-check FILE [--expect HZ]... [--reject HZ]... [--channel N] "
                         "[--min-rms N] [--min-ratio R] [--max-reject R]\n");
    return fail("bad arguments");
  }
  auto wav = read_wav(o.path);
  if (!wav.ok()) return fail(wav.error().message());
  if (o.channel >= wav->channels) return fail("file has only " + std::to_string(wav->channels) + " channel(s)");
  const std::vector<int16_t>& all = o.channel >= 0 ? wav->per_channel[static_cast<size_t>(o.channel)] : wav->samples;
  const std::vector<int16_t> half(all.begin() + static_cast<long>(all.size() / 2), all.end());
  if (half.size() < static_cast<size_t>(wav->sample_rate / 10)) return fail("recording shorter than 200 ms");

  const double level = rms(half);
  const double dominant = dominant_frequency(half, wav->sample_rate, 100, std::min(4000, wav->sample_rate / 2 - 10), 5);
  bool pass = level >= o.min_rms;
  double ratio = o.expect.empty() ? tone_power_ratio(half, wav->sample_rate, dominant) : 0;
  for (size_t i = 0; i < o.expect.size(); ++i) {
    const double r = tone_power_ratio(half, wav->sample_rate, o.expect[i]);
    if (i == 0) ratio = r;
    pass = pass && r >= o.min_ratio;
  }
  double worst_reject = 0;
  for (double hz : o.reject) worst_reject = std::max(worst_reject, tone_power_ratio(half, wav->sample_rate, hz));
  pass = pass && worst_reject <= o.max_reject;

  std::printf("{\"rms\": %.1f, \"dominant_hz\": %.1f, \"ratio\": %.3f, \"reject_ratio\": %.3f, \"pass\": %s}\n", level,
              dominant, ratio, worst_reject, pass ? "true" : "false");
  return pass ? 0 : 1;
}
