// Call quality estimate: the E-model of ITU-T G.107, simplified to the
// terms we can measure (one-way delay, packet loss) with the codec's
// equipment impairment Ie and loss robustness Bpl (ITU-T G.113 App. I).
#pragma once

#include <string>

namespace sipcall::media {

struct CodecImpairment {
  double ie = 0;    // equipment impairment factor
  double bpl = 10;  // packet-loss robustness factor
};

// Known codecs by lower-case name; unknown names get a pessimistic default.
CodecImpairment codec_impairment(const std::string& codec);

// R factor (0..100) for a one-way mouth-to-ear delay [ms] and a random
// packet loss probability (0..1).
double r_factor(const CodecImpairment& codec, double one_way_delay_ms, double loss_fraction);

// MOS-CQE (1..4.5) from an R factor (G.107 Annex B).
double mos_from_r(double r);

inline double estimate_mos(const std::string& codec, double one_way_delay_ms, double loss_fraction) {
  return mos_from_r(r_factor(codec_impairment(codec), one_way_delay_ms, loss_fraction));
}

}  // namespace sipcall::media
