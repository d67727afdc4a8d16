#include "mos.h"

#include <algorithm>

namespace sipcall::media {

CodecImpairment codec_impairment(const std::string& codec) {
  // G.711 with packet loss concealment: Ie 0, Bpl 25.1 (G.113 App. I).
  if (codec == "pcmu" || codec == "pcma") return {0, 25.1};
  // Opus has no G.113 entry; at 32 kbit/s wideband with FEC it is at least
  // as good as G.711 with PLC, so the same numbers are a safe floor.
  if (codec == "opus") return {0, 25.1};
  return {11, 10};
}

double r_factor(const CodecImpairment& codec, double one_way_delay_ms, double loss_fraction) {
  constexpr double kR0 = 93.2;  // default basic signal-to-noise ratio, simplified Is = 0
  const double d = std::max(0.0, one_way_delay_ms);
  // Delay impairment Id, the usual two-slope approximation of G.107's Idd.
  const double id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0.0);
  const double ppl = std::clamp(loss_fraction, 0.0, 1.0) * 100.0;  // [%]
  const double ie_eff = codec.ie + (95.0 - codec.ie) * ppl / (ppl + codec.bpl);  // random loss, BurstR = 1
  return std::clamp(kR0 - id - ie_eff, 0.0, 100.0);
}

double mos_from_r(double r) {
  if (r <= 0) return 1.0;
  if (r >= 100) return 4.5;
  return 1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6;
}

}  // namespace sipcall::media
