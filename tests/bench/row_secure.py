"""Row 6 of the benchmark (issue 12): what secure media costs, one call on
loopback through the test PBX (which leaves SDP alone), sip-call dial ->
sip-call answer over udp with PCMU, side by side:

  plain       --media-security none   RTP/AVP
  sdes-srtp   --media-security sdes   SRTP keyed in the SDP
  dtls-srtp   --media-security dtls   ICE + DTLS-SRTP (WebRTC media)

Measured from the caller's own report: set-up is the INVITE to the first
authentic audio packet (timings.answer_ms + media.first_rtp_ms: the 200
and then ICE, DTLS and the first SRTP packet that passed its check).  CPU
is what one more second of call costs the caller (ms/s): each run makes a
short and a long call and divides the difference of their CPU by the
difference of their call_ms, so start-up, registration and the one-time
set-up of libsrtp, the certificate and libnice cancel out (they are in
the CPU ms column, the short call's).  Peak RSS is the largest of the
runs.  Targets (issue 12): SRTP adds at most 10 % CPU per
call-second, a DTLS-SRTP call stays within 12 MB."""

from calls import sip_call_call, sip_call_missing
from measure import Sample, failed
from targets import check, summary_of

# (case, --media-security, the media.security its report must show)
VARIANTS = [("plain", "none", "none"), ("sdes-srtp", "sdes", "sdes-srtp"), ("dtls-srtp", "dtls", "dtls-srtp")]
SETUP_ROW, CPU_ROW = "secure set-up", "secure CPU"
METRICS = [(SETUP_ROW, "ms"), (CPU_ROW, "ms/s")]
SHORT_SECONDS, LONG_SECONDS = 2, 7
RUNS = 5
WARMUP = 1


class Case:
    metrics = METRICS

    def __init__(self, variant, mode, security, users, missing):
        self.tool = "sip-call"
        self.variant = variant
        self.mode = mode
        self.security = security
        self.caller, self.callee = users
        self.missing = missing

    def call(self, ctx, seconds):
        """(caller's ProcessRun, its report) of one call, or (None, why not)."""
        security = ["--media-security", self.mode]
        call = sip_call_call(ctx, self.caller, self.callee,
                             dial_args=["--duration", f"{seconds}s", "--tone", "440", "--codecs", "pcmu",
                                        *security],
                             answer_args=["--tone", "1000", "--codecs", "pcmu",
                                          *(security if self.mode != "dtls" else [])])
        report = call.caller_report or {}
        media = report.get("media") or {}
        if call.error is not None:
            return None, call.error
        if media.get("security") != self.security:
            return None, f"the call's media.security was {media.get('security')}, not {self.security}"
        return call.caller, report

    def run_once(self, ctx):
        short, short_report = self.call(ctx, SHORT_SECONDS)
        if short is None:
            return {row: failed(short_report) for row, _ in METRICS}
        long, long_report = self.call(ctx, LONG_SECONDS)
        if long is None:
            return {row: failed(long_report) for row, _ in METRICS}
        setup_ms = short_report["timings"]["answer_ms"] + short_report["media"]["first_rtp_ms"]
        extra_s = (long_report["timings"]["call_ms"] - short_report["timings"]["call_ms"]) / 1000.0
        if extra_s < 1:
            return {row: failed(f"the long call lasted only {extra_s:.1f} s more than the short") for row, _ in METRICS}
        rss_kb = max(short.rss_kb, long.rss_kb)
        return {SETUP_ROW: Sample(value=setup_ms, cpu_ms=short.cpu_ms, rss_kb=rss_kb),
                CPU_ROW: Sample(value=(long.cpu_ms - short.cpu_ms) / extra_s, cpu_ms=short.cpu_ms, rss_kb=rss_kb)}


def cases(ctx):
    missing = sip_call_missing(ctx)
    return [Case(variant, mode, security, (str(1200 + 2 * i), str(1201 + 2 * i)), missing)
            for i, (variant, mode, security) in enumerate(VARIANTS)]


def targets(summaries):
    plain = summary_of(summaries, CPU_ROW, "sip-call", "plain")
    out = []
    for variant in ("sdes-srtp", "dtls-srtp"):
        secure = summary_of(summaries, CPU_ROW, "sip-call", variant)
        out.append(check(f"{variant}: CPU per call-second at most 10 % above plain RTP",
                         plain and plain.median, secure and secure.median, test=lambda p, s: s <= p * 1.10))
    dtls = summary_of(summaries, SETUP_ROW, "sip-call", "dtls-srtp")
    out.append(check("dtls-srtp call: peak RSS <= 12 MB", dtls and dtls.rss_mb, test=lambda mb: mb <= 12))
    return out
