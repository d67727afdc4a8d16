#include "call_report.h"

#include <cctype>
#include <cstdio>

namespace sipcall {

namespace {

// "sdes-srtp" -> "SDES-SRTP".
std::string security_label(std::string name) {
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

JsonObject media_report(const CallResult& r, const media::MediaParams& p) {
  JsonObject m;
  const auto& s = r.stats;
  m.add("codec", p.codec.name).add("payload_type", p.codec.payload_type).add("clock_rate", p.codec.clock_rate)
      .add("ptime_ms", p.ptime_ms).add("remote_address", p.remote_address).add("remote_rtp_port", p.remote_rtp_port)
      .add("rtcp_mux", p.rtcp_mux).add("telephone_event_pt", p.telephone_event_pt)
      .add("packets_sent", static_cast<long long>(s.packets_sent)).add("bytes_sent", static_cast<long long>(s.bytes_sent))
      .add("packets_send_failed", static_cast<long long>(s.packets_send_failed))
      .add("packets_received", static_cast<long long>(s.packets_received))
      .add("bytes_received", static_cast<long long>(s.bytes_received))
      .add("packets_lost", static_cast<long long>(s.packets_lost)).add("loss_percent", s.loss_fraction * 100)
      .add("jitter_ms", s.jitter_ms);
  if (s.rtt_ms >= 0) m.add("rtt_ms", s.rtt_ms);
  else m.add_null("rtt_ms");
  m.add("mos", s.mos).add("first_rtp_ms", static_cast<long long>(s.first_rtp_ms))
      .add("packets_invalid", static_cast<long long>(s.packets_invalid))
      .add("packets_ignored", static_cast<long long>(s.packets_ignored))
      .add("packets_from_strangers", static_cast<long long>(s.packets_from_strangers))
      .add("packets_unauthenticated", static_cast<long long>(s.packets_unauthenticated))
      .add("rtcp_received", static_cast<long long>(s.rtcp_received))
      .add("security", s.security);
  if (s.srtp_suite.empty()) m.add_null("srtp_suite");
  else m.add("srtp_suite", s.srtp_suite);
  if (!s.send_error.empty()) m.add("send_error", s.send_error);
  if (!s.transport_error.empty()) m.add("transport_error", s.transport_error);
  // WebRTC media: the selected ICE pair ("host 127.0.0.1:40012" each end).
  if (!s.ice_local.empty()) m.add("ice", JsonObject().add("local", s.ice_local).add("remote", s.ice_remote));
  else m.add_null("ice");
  if (r.expected_tone_hz > 0)
    m.add("expect_tone", JsonObject().add("hz", r.expected_tone_hz).add("found", r.tone.found).add("ratio", r.tone.ratio)
                             .add("dominant_hz", r.tone.dominant_hz).add("level_dbfs", r.tone.level_dbfs));
  return m;
}

std::string media_summary(const CallResult& r, const media::MediaParams& p) {
  const auto& s = r.stats;
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "audio: %s/%d pt %d, sent %llu, received %llu packets (%.1f %% lost), jitter %.1f ms, RTT %s, MOS %.2f",
                p.codec.name.c_str(), p.codec.clock_rate, p.codec.payload_type,
                static_cast<unsigned long long>(s.packets_sent), static_cast<unsigned long long>(s.packets_received),
                s.loss_fraction * 100, s.jitter_ms,
                s.rtt_ms >= 0 ? (std::to_string(static_cast<int>(s.rtt_ms + 0.5)) + " ms").c_str() : "n/a", s.mos);
  std::string text = buf;
  // Plain calls keep their lines as they were; SRTP says so, and how.
  if (!s.srtp_suite.empty()) text += "\nmedia: " + security_label(s.security) + " " + s.srtp_suite;
  if (!s.ice_local.empty()) {
    std::snprintf(buf, sizeof buf, ", ICE %s <-> %s (ICE %.0f ms, DTLS %.0f ms)", s.ice_local.c_str(),
                  s.ice_remote.c_str(), s.ice_ms, s.dtls_ms);
    text += buf;
  }
  if (s.packets_unauthenticated > 0)
    text += "\ndropped " + std::to_string(s.packets_unauthenticated) +
            " packets that failed SRTP authentication or replay protection";
  if (s.packets_send_failed > 0)
    text += "\nsend errors: " + std::to_string(s.packets_send_failed) + " RTP packets refused (" + s.send_error + ")";
  if (s.packets_from_strangers > 0)
    text += "\nignored " + std::to_string(s.packets_from_strangers) +
            " datagrams from sources other than the far end's media address";
  if (r.expected_tone_hz > 0) {
    std::snprintf(buf, sizeof buf, "\ntone check: %g Hz %s (%.0f %% of the received power, strongest %g Hz, %.0f dBFS)",
                  r.expected_tone_hz, r.tone.found ? "found" : "NOT found", r.tone.ratio * 100, r.tone.dominant_hz,
                  r.tone.level_dbfs);
    text += buf;
  }
  return text;
}

}  // namespace

void add_call_report(JsonObject& report, const CallResult& r, const media::MediaParams& params) {
  report.add("media", media_report(r, params)).add("dtmf_sent", r.dtmf_sent).add("dtmf_received", r.dtmf_received);
  if (r.bye_status >= 0) report.add("bye_status", r.bye_status).add("bye_reason", r.bye_reason);
}

void print_call_summary(Reporter& reporter, const CallResult& r, const media::MediaParams& params,
                        const std::string& peer, const std::string& prefix) {
  std::string summary = media_summary(r, params);
  for (size_t nl = summary.find('\n'); nl != std::string::npos; nl = summary.find('\n', nl + 1))
    summary.insert(nl + 1, prefix);
  reporter.line(prefix + summary);
  if (!r.dtmf_received.empty()) reporter.line(prefix + "DTMF received: " + r.dtmf_received);
  std::string bye;
  if (r.bye_status == 0) bye = " (our BYE got no answer)";
  else if (r.bye_status >= 300) bye = " (our BYE got " + std::to_string(r.bye_status) + " " + r.bye_reason + ")";
  reporter.line(prefix + (r.hangup_by == "remote" ? peer + " hung up" : std::string("hung up")) + " after " +
                std::to_string(r.duration_ms) + " ms" + bye);
}

}  // namespace sipcall
