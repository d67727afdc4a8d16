"""Row 6 of the benchmark (issue 12): what secure media costs, one call on
loopback through the test PBX (which leaves SDP alone), over udp with
PCMU, in three variants, each by sip-call and by baresip side by side,
and WebRTC media with a browser:

  plain       sip-call --media-security none   baresip without mediaenc    RTP/AVP
  sdes-srtp   sip-call --media-security sdes   baresip mediaenc=srtp-mand  SRTP keyed in the SDP
  dtls-srtp   sip-call --media-security dtls   baresip mediaenc=dtls_srtp  ICE + DTLS-SRTP
                                               medianat=ice
  dtls-srtp to browser   sip-call dial --media-security dtls -> Chromium + JsSIP (answers)
  browser pair           Chromium + JsSIP -> Chromium + JsSIP (rows of their own, below)

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

The browser (tests/browser: Debian's Chromium, JsSIP on wss, driven by
puppeteer-core) runs only in a network namespace with nothing but lo,
with a test PBX of its own there; both browsers (1410 calls, 1411
answers) are started and registered once for the row's runs.
  - sip-call -> browser: sip-call dials over udp from inside the
    namespace; the same figures as sip-call's cases, from its report
    (the browser's answer, ICE gathering included, is in the set-up).
  - browser pair: the caller page's performance.now() just before JsSIP's
    call() to its RTCPeerConnection's first iceConnectionState
    "connected" ("secure ICE connected") and first connectionState
    "connected", ICE and DTLS ("secure DTLS connected").  Not INVITE to
    first audio: the page sees no packet (getStats counts, but polling
    it would be the figure's resolution), so these rows are the browser
    pair's own.  Includes getUserMedia, ICE gathering, the INVITE and
    the far browser's answer.  No CPU or RSS: Chromium is a dozen
    processes shared by every call of the row.

Every run is checked: sip-call's processes exit 0 and the caller's report
shows the intended media.security; both baresips encoded PCMU, saw audio
arrive (CALL_RTPESTAB), logged the intended security (srtp: "SRTP is
Enabled"; dtls_srtp: the fingerprint verified, "DTLS-SRTP complete" and
ICE connected; plain: neither) and no RTP packet that failed to decrypt
(baresip's own RTCP at the edges of a call, before the far end's keys
and after its hang-up, fails now and then and is not counted), the
caller's call lasted at least 90 % of its length; with a browser, its
call was confirmed with UDP/TLS/RTP/SAVPF and a fingerprint both ways,
it heard the other side's tone, and it ended by the far end's hang-up,
and sip-call's report shows PCMU, DTLS-SRTP and no unauthenticated
packet; no sip-call or baresip user is registered afterwards (the
browsers stay registered for the row's runs).

Targets (issue 12, sip-call's): SRTP adds at most 10 % CPU per
call-second, a DTLS-SRTP call stays within 12 MB."""

import os
import re
import shutil
import sys

from calls import (account_args, baresip_missing, baresip_pair, bindings_gone, encoder_error, sip_call_call,
                   sip_call_env, sip_call_missing)
from measure import Sample, failed, peak_rss_kb, process_cpu_ms, rusage_cpu_ms, start_process
from netns import NetNamespace
from peerproc import PeerError
from targets import check, summary_of
from testpbx import TestPbx
from tones import write_tone_wav

BROWSER_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "browser"))
sys.path.insert(0, BROWSER_DIR)
import browser_peer  # noqa: E402  (tests/browser: Chromium + JsSIP)

SETUP_ROW, CPU_ROW = "secure set-up", "secure CPU"
METRICS = [(SETUP_ROW, "ms"), (CPU_ROW, "ms/s")]
ICE_ROW, DTLS_ROW = "secure ICE connected", "secure DTLS connected"
BROWSER_METRICS = [(ICE_ROW, "ms"), (DTLS_ROW, "ms")]
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


# -- the browser (Chromium + JsSIP, tests/browser) ------------------------------------

BROWSER_CALLER, BROWSER_CALLEE, SIP_CALL_TO_BROWSER = "1410", "1411", "1412"
BROWSER_CALLER_HZ, BROWSER_CALLEE_HZ = 1000, 1500    # sip-call's caller plays 440 Hz
TONE_TOLERANCE_HZ = 15


def browser_missing():
    """None when the browser peer can run here, else why not."""
    if os.geteuid() != 0:
        return "needs root (the browser runs only in a network namespace)"
    if not os.access(browser_peer.CHROMIUM, os.X_OK):
        return f"chromium not installed ({browser_peer.CHROMIUM}; apt-get install chromium)"
    if not shutil.which(browser_peer.NODE):
        return "node not installed (tests/bench/setup.sh)"
    if not shutil.which("certutil"):
        return "certutil not installed (apt-get install libnss3-tools)"
    for module in ("jssip", "puppeteer-core", "esbuild"):
        if not os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", module)):
            return f"{module} missing: run `npm ci` in tests/browser"
    return None


class BrowserNet:
    """A namespace with nothing but lo, a test PBX in it and two registered
    browsers (BROWSER_CALLER, BROWSER_CALLEE), shared by the browser cases
    and kept for the row's runs in ctx.resources (stopped and removed when
    the row ends, also on failure); made again if anything of it died."""

    def __init__(self):
        self._parts = None

    def get(self, ctx):
        """(namespace, pbx, caller browser, callee browser)."""
        if self._parts is not None:
            _, pbx, a, b = self._parts
            if pbx.running() and a.running() and b.running():
                return self._parts
        ns = ctx.resources.enter_context(NetNamespace())
        pbx = ctx.resources.enter_context(ns.started(TestPbx()))
        browsers = []
        for ext, hz in ((BROWSER_CALLER, BROWSER_CALLER_HZ), (BROWSER_CALLEE, BROWSER_CALLEE_HZ)):
            browser = ctx.resources.enter_context(browser_peer.BrowserPeer(pbx, ext, ns, tone_hz=hz))
            browser.register()
            pbx.wait_for_bindings(ext, 1)
            browsers.append(browser)
        self._parts = (ns, pbx, *browsers)
        return self._parts


def heard_error(browser, hz, who):
    """None when the browser hears a tone of hz now, else why not."""
    m = browser.heard(500)
    if abs(m["frequency_hz"] - hz) >= TONE_TOLERANCE_HZ or m["level_dbfs"] <= -40 or m["tone_share"] <= 0.8:
        return f"{who} did not hear {hz} Hz: {m}"
    return None


def webrtc_sdp_error(call, who):
    """None when a browser call's SDP both ways is WebRTC media (DTLS-SRTP:
    UDP/TLS/RTP/SAVPF with a fingerprint), else why not."""
    for side in ("local_sdp", "remote_sdp"):
        sdp = call.get(side) or ""
        if "UDP/TLS/RTP/SAVPF" not in sdp or "a=fingerprint:" not in sdp:
            return f"{who}: the {side.split('_')[0]} SDP is not DTLS-SRTP"
    return None


def wait_new_call(browser, before, timeout=15.0):
    """The browser's call after its first `before` ones (its last call is
    the previous run's until the new INVITE arrives), once confirmed; one
    that ended or failed first raises PeerError."""
    def confirmed(state):
        if len(state["calls"]) <= before:
            return False
        call = state["calls"][before]
        if call["status"] in ("ended", "failed"):
            raise PeerError(f"the browser's call {call['status']} ({call['originator']}, {call['status_code'] or ''} "
                            f"{call['cause']}) before it was confirmed")
        return call["status"] == "confirmed"
    return browser.wait_until(confirmed, timeout, what="a new call confirmed")["calls"][before]


def _ended_error(browser, who):
    """Waits for the browser's last call to end; None when the far end hung up."""
    ended = browser.wait_call(("ended", "failed"), timeout=10.0)
    if ended["status"] != "ended" or ended["originator"] != "remote":
        return f"{who}'s call {ended['status']} ({ended['originator']}, {ended['cause']})"
    return None


class SipCallToBrowserCase(SipCallCase):
    """sip-call dial --media-security dtls (udp) -> a browser that answers
    (wss), in the browser's namespace: the same figures as sip-call's own
    cases, from the caller's report."""

    def __init__(self, net, missing):
        super().__init__("dtls-srtp to browser", "dtls", "dtls-srtp", (SIP_CALL_TO_BROWSER, BROWSER_CALLEE),
                         missing)
        self.net = net

    def call(self, ctx, seconds):
        ns, pbx, _, callee = self.net.get(ctx)
        before = len(callee.state()["calls"])
        callee.answer_next()
        with ns.entered():
            dial = start_process([ctx.sip_call, *account_args(ctx, self.caller, pbx=pbx), "--json", "dial",
                                  self.callee, "--no-playback", "--duration", f"{seconds}s", "--tone", "440",
                                  "--codecs", CODEC, "--media-security", self.mode],
                                 env=sip_call_env(ctx, self.caller, pbx=pbx))
        try:
            answered = wait_new_call(callee, before)
            callee.wait_heard()
            error = webrtc_sdp_error(answered, "the browser") or heard_error(callee, 440, "the browser")
            run = dial.wait(timeout=seconds + 30)
        except BaseException:
            dial.kill()
            dial.wait()
            raise
        report = run.report() or {}
        media = report.get("media") or {}
        error = (run.failure() or error or _ended_error(callee, "the browser")
                 or bindings_gone(pbx, (self.caller,)))
        if error is None and media.get("security") != self.security:
            error = f"the call's media.security was {media.get('security')}, not {self.security}"
        if error is None and media.get("codec") != CODEC:
            error = f"the call's codec was {media.get('codec')}, not {CODEC}"
        if error is None and (not media.get("packets_received") or media.get("packets_unauthenticated")):
            error = (f"sip-call received {media.get('packets_received')} packets, "
                     f"{media.get('packets_unauthenticated')} unauthenticated")
        return (None, error) if error is not None else (run, report)


def browser_setup_ms(call):
    """(ms from the JsSIP call() to ICE connected, ms to connected (ICE and
    DTLS)) of a browser's outgoing call, from the page's performance.now()
    stamps, or None where it has none."""
    def since_dial(key):
        if call.get("dial_ms") is None or call.get(key) is None:
            return None
        return call[key] - call["dial_ms"]
    return since_dial("ice_connected_ms"), since_dial("connected_ms")


class BrowserPairCase:
    """browser -> browser (JsSIP in Chromium, DTLS-SRTP, wss to the PBX, ICE
    on the namespace's 127.0.0.1): from the caller's JsSIP call() to its
    RTCPeerConnection's iceConnectionState connected, and to its
    connectionState connected (ICE and DTLS), by the page's clock."""
    tool = "browser"
    variant = "dtls-srtp"
    metrics = BROWSER_METRICS

    def __init__(self, net, missing):
        self.net = net
        self.missing = missing

    def run_once(self, ctx):
        _, pbx, a, b = self.net.get(ctx)
        before = len(b.state()["calls"])
        b.answer_next()
        a.call(b.ext)
        try:
            call = a.wait_call("confirmed", timeout=15.0)
            wait_new_call(b, before)
            call = a.wait_until(lambda s: s["calls"][-1]["connected_ms"] is not None, timeout=10.0,
                                what="the caller's connectionState connected")["calls"][-1]
            a.wait_heard()
            b.wait_heard()
            error = (webrtc_sdp_error(call, "the caller") or heard_error(a, BROWSER_CALLEE_HZ, "the caller")
                     or heard_error(b, BROWSER_CALLER_HZ, "the callee"))
        finally:
            a.hangup()
        error = error or _ended_error(b, "the callee")
        ice_ms, dtls_ms = browser_setup_ms(call)
        if error is None and ice_ms is None:
            error = "the caller's page has no ICE connected time"
        if error is not None:
            return {row: failed(error) for row, _ in BROWSER_METRICS}
        return {ICE_ROW: Sample(value=ice_ms), DTLS_ROW: Sample(value=dtls_ms)}


# -- the row ----------------------------------------------------------------------


def cases(ctx):
    out = []
    missing = sip_call_missing(ctx)
    for i, (variant, mode, security) in enumerate(SIP_CALL_VARIANTS):
        out.append(SipCallCase(variant, mode, security, (str(1200 + 2 * i), str(1201 + 2 * i)), missing))
    for i, (variant, mediaenc, medianat) in enumerate(BARESIP_VARIANTS):
        missing = baresip_missing() or (_netns_missing() if medianat else None)
        out.append(BaresipCase(variant, mediaenc, medianat, (str(1400 + 2 * i), str(1401 + 2 * i)), missing))
    net = BrowserNet()
    missing = browser_missing()
    out.append(SipCallToBrowserCase(net, sip_call_missing(ctx) or missing))
    out.append(BrowserPairCase(net, missing))
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
