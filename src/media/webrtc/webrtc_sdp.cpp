#include "media/webrtc/webrtc_sdp.h"

#include <optional>

#include "media/ice/ice_sdp.h"

namespace sipcall::media::webrtc {

std::vector<SdpAttribute> local_attributes(const LocalDescription& local) {
  std::vector<SdpAttribute> out;
  out.push_back({"ice-ufrag", local.credentials.ufrag});
  out.push_back({"ice-pwd", local.credentials.pwd});
  out.push_back({"ice-options", "ice2"});
  out.push_back({"fingerprint", dtls::format_fingerprint(local.fingerprint)});
  out.push_back({"setup", std::string(dtls::setup_name(local.setup))});
  for (const auto& c : local.candidates) out.push_back({"candidate", ice::format_candidate(c)});
  out.push_back({"end-of-candidates", ""});
  return out;
}

namespace {

// The DTLS attributes of one level: the fingerprints we can verify, the
// first error of one we cannot, and a=setup.
struct DtlsLevel {
  std::vector<dtls::Fingerprint> fingerprints;
  std::optional<Error> fingerprint_error;
  bool any_fingerprint = false;
  std::optional<dtls::Setup> setup;
};

Error read_dtls(const SdpAttribute& a, DtlsLevel& level) {
  if (a.name == "fingerprint") {
    level.any_fingerprint = true;
    if (level.fingerprints.size() + (level.fingerprint_error ? 1 : 0) >= 8) return {};  // enough to choose from
    auto fp = dtls::parse_fingerprint(a.value);
    if (fp.ok()) level.fingerprints.push_back(fp.value());
    else if (!level.fingerprint_error) level.fingerprint_error = fp.error();
  } else if (a.name == "setup") {
    auto setup = dtls::parse_setup(a.value);
    if (!setup.ok()) return setup.error();
    level.setup = setup.value();
  }
  return {};
}

}  // namespace

Result<RemoteTransport> remote_transport(std::span<const SdpAttribute> session, std::span<const SdpAttribute> media) {
  ice::RemoteDescription ice;
  DtlsLevel session_dtls, media_dtls;
  for (const auto& a : session) {
    if (Error e = ice.add_attribute(a.name, a.value, true); !e.ok()) return e;
    if (Error e = read_dtls(a, session_dtls); !e.ok()) return e;
  }
  for (const auto& a : media) {
    if (Error e = ice.add_attribute(a.name, a.value, false); !e.ok()) return e;
    if (Error e = read_dtls(a, media_dtls); !e.ok()) return e;
  }
  if (Error e = ice.check_complete(); !e.ok()) return e;

  const DtlsLevel& fp_level = media_dtls.any_fingerprint ? media_dtls : session_dtls;
  if (fp_level.fingerprints.empty()) {
    if (fp_level.fingerprint_error) return *fp_level.fingerprint_error;
    return Error::unusable_sdp("DTLS: the SDP has no a=fingerprint for the audio stream");
  }

  RemoteTransport out;
  out.description.ufrag = ice.ufrag();
  out.description.pwd = ice.pwd();
  out.description.candidates = ice.candidates();
  out.description.fingerprints = fp_level.fingerprints;
  out.description.setup = media_dtls.setup.value_or(session_dtls.setup.value_or(dtls::Setup::active));
  out.candidates_skipped = ice.skipped_count();
  out.ice_lite = ice.ice_lite();
  return out;
}

}  // namespace sipcall::media::webrtc
