"""Row 6 of the benchmark (issue 12): what secure media costs, one call on
loopback through the test PBX (which leaves SDP alone), over udp with
PCMU, in three variants, each by sip-call and by baresip side by side:

  plain       sip-call --media-security none   baresip without mediaenc    RTP/AVP
  sdes-srtp   sip-call --media-security sdes   baresip mediaenc=srtp-mand  SRTP keyed in the SDP
  dtls-srtp   sip-call --media-security dtls   baresip mediaenc=dtls_srtp  ICE + DTLS-SRTP
                                               medianat=ice

sip-call: `dial` -> `answer` (fresh processes per call, as in the other
rows).  Set-up, from the caller's own report, is its first INVITE to the
first authentic audio packet (timings.answer_ms + media.first_rtp_ms: the
200 and then ICE, DTLS and the first SRTP packet that passed its check).

baresip (1.0) -> baresip (auto-answer), fresh peers per call, no SIP
trace, no recordings, menu's per-call status line off (statmode_default
off: a terminal display sip-call does not have).  Set-up is the caller's
first INVITE as the PBX received it (its log's time=, Kamailio's $TV) to
the caller's CALL_RTPESTAB event as the harness received it over
ctrl_tcp (the same wall clock).  baresip raises that event from its RTP
handler on the first RTP packet of the call's audio stream (src/stream.c,
"incoming rtp for 'audio' established"); with srtp and dtls_srtp the
packet has by then passed the module's receive helper, which decrypts and
authenticates it and drops what fails (modules/srtp/srtp.c,
modules/dtls_srtp/srtp.c), so it is the first decrypted audio packet.
Against sip-call's figure it adds the PBX's loopback hop of the INVITE and
the event's way to the harness (well below a millisecond each on an idle
machine, with the control connection ACKing at once: see
tests/pbx/baresip_ctrl.py; with Linux's delayed ACK against ctrl_tcp's
Nagle an event came up to 40 ms late), and it starts at the PBX's
receipt, not at the caller's send.

baresip's ice module leaves loopback out of its candidates, so the
dtls-srtp case runs in a network namespace of its own (tests/pbx/netns.py)
with lo and a documentation address (198.51.100.1 on a dummy interface),
a second test PBX in it (started once for the row's runs); traffic between
two local addresses still goes over the kernel's loopback device.  The
other baresip cases use the benchmark's PBX, as sip-call does.

CPU is what one more second of call costs the caller (ms/s): each run
makes a short and a long call and divides the difference of the caller
process's CPU by the difference of the calls' lengths, so start-up,
registration and the one-time set-up of libsrtp, the certificate and
ICE cancel out (they are in the CPU ms column: the short call's whole
process).  sip-call: wait4 of `dial` and its report's call_ms.  baresip:
its CPU from just before the dial (the process's CPU clock,
clock_getcpuclockid) to its reaping with wait4 after the call (SIGTERM:
it unregisters and exits), over its CALL_ESTABLISHED to CALL_CLOSED
events (the caller's file, exactly the call's length, ends the call).
From the dial, not from the start: dtls_srtp makes a 2048-bit RSA
certificate when it loads, whose CPU varies by hundreds of ms from one
process to the next and would not cancel out.  Peak RSS of the caller,
the larger of the two calls: sip-call under GNU time (%M), baresip's
VmHWM from /proc just before it is stopped.

Every run is checked: sip-call's processes exit 0 and the caller's report
shows the intended media.security; both baresips encoded PCMU, saw audio
arrive (CALL_RTPESTAB), logged the intended security (srtp: "SRTP is
Enabled"; dtls_srtp: the fingerprint verified, "DTLS-SRTP complete" and
ICE connected; plain: neither) and no RTP packet that failed to decrypt
(baresip's own RTCP at the edges of a call, before the far end's keys
and after its hang-up, fails now and then and is not counted), the
caller's call lasted at least 90 % of its length; no user is registered
afterwards.

Targets (issue 12, sip-call's): SRTP adds at most 10 % CPU per
call-second, a DTLS-SRTP call stays within 12 MB."""

import os
import re

from calls import baresip_missing, baresip_pair, bindings_gone, encoder_error, sip_call_call, sip_call_missing
from measure import Sample, failed, peak_rss_kb, process_cpu_ms, rusage_cpu_ms
from netns import NetNamespace
from targets import check, summary_of
from testpbx import TestPbx
from tones import write_tone_wav


SETUP_ROW, CPU_ROW = "secure set-up", "secure CPU"
METRICS = [(SETUP_ROW, "ms"), (CPU_ROW, "ms/s")]
SHORT_SECONDS, LONG_SECONDS = 2, 7
RUNS = 5
WARMUP = 1
MIN_CALL_SHARE = 0.9        # a baresip call shorter than this share of its length failed
CODEC = "pcmu"

# (case, sip-call's --media-security, the media.security its report must show)
SIP_CALL_VARIANTS = [("plain", "none", "none"), ("sdes-srtp", "sdes", "sdes-srtp"),
                     ("dtls-srtp", "dtls", "dtls-srtp")]
# (case, baresip's mediaenc, medianat)
BARESIP_VARIANTS = [("plain", None, None), ("sdes-srtp", "srtp-mand", None), ("dtls-srtp", "dtls_srtp", "ice")]
BARESIP_CONFIG = {"statmode_default": "off"}


def cpu_per_extra_second(short_cpu_ms, long_cpu_ms, short_call_ms, long_call_ms):
    """(CPU ms per extra second of call, None), or (None, why not) when the
    long call was not at least a second longer."""
    extra_s = (long_call_ms - short_call_ms) / 1000.0
    if extra_s < 1:
        return None, f"the long call lasted only {extra_s:.1f} s more than the short"
    return (long_cpu_ms - short_cpu_ms) / extra_s, None


def samples(setup_ms, cpu_per_s, cpu_ms, rss_kb):
    return {SETUP_ROW: Sample(value=setup_ms, cpu_ms=cpu_ms, rss_kb=rss_kb),
            CPU_ROW: Sample(value=cpu_per_s, cpu_ms=cpu_ms, rss_kb=rss_kb)}


def all_failed(error):
    return {row: failed(error) for row, _ in METRICS}


# -- sip-call ---------------------------------------------------------------------


class SipCallCase:
    metrics = METRICS
    tool = "sip-call"

    def __init__(self, variant, mode, security, users, missing):
        self.variant = variant
        self.mode = mode
        self.security = security
        self.caller, self.callee = users
        self.missing = missing

    def call(self, ctx, seconds):
        """(caller's ProcessRun, its report) of one call, or (None, why not)."""
        security = ["--media-security", self.mode]
        call = sip_call_call(ctx, self.caller, self.callee,
                             dial_args=["--duration", f"{seconds}s", "--tone", "440", "--codecs", CODEC,
                                        *security],
                             answer_args=["--tone", "1000", "--codecs", CODEC,
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
            return all_failed(short_report)
        long, long_report = self.call(ctx, LONG_SECONDS)
        if long is None:
            return all_failed(long_report)
        setup_ms = short_report["timings"]["answer_ms"] + short_report["media"]["first_rtp_ms"]
        per_s, error = cpu_per_extra_second(short.cpu_ms, long.cpu_ms, short_report["timings"]["call_ms"],
                                            long_report["timings"]["call_ms"])
        if error is not None:
            return all_failed(error)
        return samples(setup_ms, per_s, short.cpu_ms, max(short.rss_kb, long.rss_kb))


# -- baresip ----------------------------------------------------------------------

# srtp: "failed to decrypt RTP packet"; dtls_srtp: "recv: failed to decrypt RTP-packet"
_DECRYPT_FAILED_RE = re.compile(r"srtp: .*failed to decrypt RTP[ -]packet")
_SDES_RE = re.compile(r"srtp: audio: SRTP is Enabled \(cryptosuite=(\S+)\)")
_DTLS_RE = re.compile(r"dtls_srtp: ---> DTLS-SRTP complete \(audio/RTP\) Profile=(\S+)")
_FINGERPRINT_RE = re.compile(r"dtls_srtp: verified \S+ fingerprint OK")
_ICE_RE = re.compile(r"stream: mnat 'ice' connected")


def baresip_security_error(variant, log, who):
    """None when a baresip log shows the call's audio secured as the variant
    asks ("plain": not at all), else why not.  Read from what baresip 1.0's
    srtp and dtls_srtp modules log at info level."""
    if _DECRYPT_FAILED_RE.search(log):
        return f"baresip {who}: an RTP packet failed to decrypt"
    sdes, dtls = _SDES_RE.search(log), _DTLS_RE.search(log)
    if variant == "plain":
        if sdes or dtls or "Using media encryption" in log:
            return f"baresip {who}: media encryption in a plain call"
        return None
    if variant == "sdes-srtp":
        return None if sdes and not dtls else f"baresip {who}: no \"SRTP is Enabled\" for audio in its log"
    if variant == "dtls-srtp":
        if not (dtls and _FINGERPRINT_RE.search(log)) or "srtp_install:" in log:
            return f"baresip {who}: no verified DTLS-SRTP for audio in its log"
        return None if _ICE_RE.search(log) else f"baresip {who}: ICE never connected"
    raise ValueError(variant)


def first_invite_time(pbx, mark, caller, callee):
    """(wall time, None) at which the PBX received the caller's first INVITE
    to callee since mark (by its receive time: Kamailio's workers share one
    log), once the callee's 200 to it is there too; else (None, why not)."""
    messages = [m for m in pbx.messages(since=mark)
                if m["method"] == "INVITE" and m["from"] == caller and m["to"] == callee]
    invites = [m for m in messages if m["type"] == "request"]
    if not invites or not any(m["type"] == "reply" and m["status"] == 200 for m in messages):
        return None, f"PBX received no INVITE from {caller} to {callee} with a 200"
    if any(m["time"] is None for m in invites):
        return None, "PBX log has no receive times (time=)"
    return min(m["time"] for m in invites), None


def _caller_wav(ctx, seconds):
    """The baresip caller's source: exactly the call's length (its end ends
    the call), 440 Hz at 8 kHz; written once per benchmark."""
    path = os.path.join(ctx.workdir, f"secure-caller-{seconds}s.wav")
    if not os.path.exists(path):
        write_tone_wav(path, 440, seconds=seconds, rate=8000)
    return path


class BaresipCall:
    """What one baresip call measured: the caller process's whole CPU and
    the part of it from just before the dial to its exit (ms), its peak
    RSS, the call's length and set-up (ms), or the error."""

    def __init__(self, cpu_ms=None, dial_cpu_ms=None, rss_kb=None, call_ms=None, setup_ms=None, error=None):
        self.cpu_ms, self.dial_cpu_ms, self.rss_kb = cpu_ms, dial_cpu_ms, rss_kb
        self.call_ms, self.setup_ms, self.error = call_ms, setup_ms, error


class BaresipCase:
    metrics = METRICS
    tool = "baresip"

    def __init__(self, variant, mediaenc, medianat, users, missing):
        self.variant = variant
        self.mediaenc = mediaenc
        self.medianat = medianat
        self.caller, self.callee = users
        self.missing = missing
        self._netns = None      # (NetNamespace, TestPbx) of the ICE case, for the row's runs

    def _network(self, ctx):
        """(pbx, namespace or None) the call runs through.  With ICE: a
        namespace with lo and the documentation address and a PBX in it,
        made on the first run and kept in ctx.resources (stopped and
        removed when the row ends); made again if its PBX died."""
        if not self.medianat:
            return ctx.pbx, None
        if self._netns is None or not self._netns[1].running():
            ns = ctx.resources.enter_context(NetNamespace(doc_address=True))
            pbx = ctx.resources.enter_context(ns.started(TestPbx()))
            self._netns = (ns, pbx)
        ns, pbx = self._netns
        return pbx, ns

    def call(self, ctx, seconds):
        pbx, ns = self._network(ctx)
        peer_args = dict(mediaenc=self.mediaenc, medianat=self.medianat, rtcp_mux=bool(self.medianat))
        mark = pbx.mark()
        with baresip_pair(ctx, self.caller, self.callee, CODEC, caller_wav=_caller_wav(ctx, seconds),
                          extra_config=BARESIP_CONFIG, pbx=pbx, netns=ns, **peer_args) as (a, b):
            before_dial = process_cpu_ms(a.process.pid)
            a.dial(self.callee)
            established = a.wait_established()["time"]
            b.wait_established()
            first_audio = a.wait_event("CALL_RTPESTAB", timeout=10.0)["wall_time"]
            b.wait_event("CALL_RTPESTAB", timeout=10.0)
            closed = a.wait_closed(timeout=seconds + 15)["time"]
            b.wait_closed()
            rss_kb = peak_rss_kb(a.process.pid)
            error = (encoder_error((a, b), CODEC)
                     or baresip_security_error(self.variant, a.log_text(), "caller")
                     or baresip_security_error(self.variant, b.log_text(), "callee"))
        # Both stopped (SIGTERM: baresip unregisters and exits) and reaped with wait4.
        if error is None and a.process.rusage is None:
            error = "baresip was reaped without its resource usage"
        error = error or bindings_gone(pbx, (self.caller, self.callee))
        call_ms = (closed - established) * 1000.0
        if error is None and call_ms < MIN_CALL_SHARE * seconds * 1000.0:
            error = f"baresip's call lasted {call_ms / 1000:.1f} s, not {seconds} s"
        invite, invite_error = first_invite_time(pbx, mark, self.caller, self.callee)
        error = error or invite_error
        if error is not None:
            return BaresipCall(error=error)
        cpu_ms = rusage_cpu_ms(a.process.rusage)
        return BaresipCall(cpu_ms=cpu_ms, dial_cpu_ms=cpu_ms - before_dial, rss_kb=rss_kb, call_ms=call_ms,
                           setup_ms=(first_audio - invite) * 1000.0)

    def run_once(self, ctx):
        short = self.call(ctx, SHORT_SECONDS)
        if short.error is not None:
            return all_failed(short.error)
        long = self.call(ctx, LONG_SECONDS)
        if long.error is not None:
            return all_failed(long.error)
        per_s, error = cpu_per_extra_second(short.dial_cpu_ms, long.dial_cpu_ms, short.call_ms, long.call_ms)
        if error is not None:
            return all_failed(error)
        return samples(short.setup_ms, per_s, short.cpu_ms, max(short.rss_kb, long.rss_kb))


def _netns_missing():
    if os.geteuid() != 0:
        return "needs root (a network namespace for baresip's ICE)"
    return None


# -- the row ----------------------------------------------------------------------


def cases(ctx):
    out = []
    missing = sip_call_missing(ctx)
    for i, (variant, mode, security) in enumerate(SIP_CALL_VARIANTS):
        out.append(SipCallCase(variant, mode, security, (str(1200 + 2 * i), str(1201 + 2 * i)), missing))
    for i, (variant, mediaenc, medianat) in enumerate(BARESIP_VARIANTS):
        missing = baresip_missing() or (_netns_missing() if medianat else None)
        out.append(BaresipCase(variant, mediaenc, medianat, (str(1400 + 2 * i), str(1401 + 2 * i)), missing))
    return out


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
