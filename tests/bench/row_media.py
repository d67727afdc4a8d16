"""Row 3 of the benchmark: what a call costs, with opus and with PCMU.

  media caller / media callee   CPU ms per second of call (user + system, the
                                whole process: start, registration, call and
                                exit over the call's length) and peak RSS,
                                caller and callee measured separately;
                                sip-call dial -> sip-call answer against
                                baresip -> baresip, both sending a WAV file
                                (no sound device)
  callgrind caller              instructions per second of audio of
                                `sip-call dial` under callgrind: two calls,
                                1 s and --callgrind-seconds long, and the
                                difference of their counts over the
                                difference of the audio they sent (packets
                                x 20 ms), so start-up and registration cancel
                                out.  Per second of audio, not of call: under
                                callgrind an opus call falls behind real time
                                and its media clock skips the ticks it missed

Audio: per codec one WAV at the codec's own rate (48 kHz for opus, 8 kHz for
PCMU; mono), a 440 Hz tone for the caller and 1000 Hz for the callee,
played by sip-call (--play --loop) and by baresip's aufile module.  Neither
side plays what it receives on a device: sip-call has --no-playback,
baresip an unconnected aubridge player; baresip records nothing (no sndfile
module) and does not trace SIP.

Call length: sip-call's caller hangs up after --duration; a baresip caller
hangs up when its source file ends, so its file is exactly the call's
length (the callee's is a minute longer).  The seconds a figure is divided
by are each side's own: sip-call's reports (call_ms), baresip's
CALL_ESTABLISHED to CALL_CLOSED events.

How the processes are measured: every process's CPU comes from wait4 when
it is reaped after its exit (sip-call's exit by itself after the call and
unregistering; baresip is stopped with SIGTERM after the call, unregisters
and exits).  Peak RSS: sip-call runs under GNU time (%M, as in the
register row); baresip is started by its peer class (a fork of Python,
whose memory wait4's ru_maxrss would count), so its VmHWM is read from /proc
just before it is stopped -- the same kernel counter, without GNU time's
1-2 MB floor.

Opus settings: sip-call encodes mono at 32 kb/s, VOIP application, in-band
FEC (10 % expected loss), libopus's default complexity (9).  baresip is set
to the same (opus_* lines of its config below) so that the figures compare
implementations, not encoder settings; by default baresip would encode
stereo at a higher rate and cost more."""

import os
import re
import shutil

from calls import baresip_missing, baresip_pair, bindings_gone, encoder_error, sip_call_call, sip_call_missing
from measure import Sample, failed, peak_rss_kb, rusage_cpu_ms
from targets import check, summary_of
from tones import write_tone_wav

RUNS = 5
WARMUP = 0              # a 30 s call dwarfs any first-run effect
CODECS = (("opus", 48000), ("pcmu", 8000))
CALLGRIND_SHORT_SECONDS = 1.0
MIN_CALL_SHARE = 0.9    # a call shorter than this share of the asked length failed
MIN_CALLGRIND_SHARE = 0.5   # under callgrind: audio sent per second of call, at least
PTIME_MS = 20
BARESIP_OPUS = {"opus_bitrate": "32000", "opus_stereo": "no", "opus_sprop_stereo": "no",
                "opus_inbandfec": "yes", "opus_packet_loss": "10", "opus_application": "voip",
                "opus_complexity": "9"}
RSS_LIMIT_MB = 20.0

CALLER_ROW, CALLEE_ROW, CALLGRIND_ROW = "media caller", "media callee", "callgrind caller"
CPU_UNIT = "CPU ms/s"


def source_wavs(ctx, codec, rate):
    """(caller WAV, callee WAV) for a codec, written once per benchmark."""
    seconds = ctx.args.call_seconds
    caller = os.path.join(ctx.workdir, f"media-{codec}-caller.wav")
    callee = os.path.join(ctx.workdir, f"media-{codec}-callee.wav")
    if not os.path.exists(caller):
        write_tone_wav(caller, 440, seconds=seconds, rate=rate)
        write_tone_wav(callee, 1000, seconds=seconds + 60, rate=rate)
    return caller, callee


def cost(cpu_ms, rss_kb, call_ms):
    """The Sample of one process: CPU ms per second of call."""
    return Sample(value=cpu_ms / (call_ms / 1000.0), cpu_ms=cpu_ms, rss_kb=rss_kb)


class Case:
    metrics = [(CALLER_ROW, CPU_UNIT), (CALLEE_ROW, CPU_UNIT)]

    def __init__(self, tool, codec, rate, users, call, missing):
        self.tool = tool
        self.variant = codec
        self.codec = codec
        self.rate = rate
        self.users = users
        self._call = call       # (case, ctx) -> {row: Sample}
        self.missing = missing

    def run_once(self, ctx):
        return self._call(self, ctx)


def _media_error(report, codec, seconds, who):
    """Why a sip-call report shows a call without the expected media, or None."""
    media = (report or {}).get("media") or {}
    expected = seconds * 1000.0 / PTIME_MS
    if media.get("codec") != codec:
        return f"{who}: codec {media.get('codec')}, not {codec}"
    if media.get("packets_received", 0) < MIN_CALL_SHARE * expected:
        return f"{who}: {media.get('packets_received')} packets received, expected about {expected:.0f}"
    return None


def _sip_call(case, ctx):
    caller, callee = case.users
    seconds = ctx.args.call_seconds
    caller_wav, callee_wav = source_wavs(ctx, case.codec, case.rate)
    call = sip_call_call(ctx, caller, callee,
                         dial_args=["--duration", f"{seconds:g}s", "--play", caller_wav, "--loop",
                                    "--codecs", case.codec],
                         answer_args=["--play", callee_wav, "--loop", "--codecs", case.codec],
                         timeout=seconds + 30)
    error = call.error
    if error is None:
        answered = (call.callee_report or {}).get("calls") or [{}]
        error = (_media_error(call.caller_report, case.codec, seconds, "caller")
                 or _media_error(answered[0], case.codec, seconds, "callee"))
    if error is not None:
        return {row: failed(error) for row, _ in case.metrics}
    caller_ms = call.caller_report["timings"]["call_ms"]
    callee_ms = answered[0]["call_ms"]
    return {CALLER_ROW: cost(call.caller.cpu_ms, call.caller.rss_kb, caller_ms),
            CALLEE_ROW: cost(call.callee.cpu_ms, call.callee.rss_kb, callee_ms)}


def _baresip(case, ctx):
    caller, callee = case.users
    seconds = ctx.args.call_seconds
    caller_wav, callee_wav = source_wavs(ctx, case.codec, case.rate)
    # Mono opus is "opus/48000/1" in baresip (opus_stereo no).
    codec, extra = ("opus/48000/1", BARESIP_OPUS) if case.codec == "opus" else (case.codec, None)
    with baresip_pair(ctx, caller, callee, codec, caller_wav, callee_wav, extra) as (a, b):
        a.dial(callee)
        started = {p: p.wait_established()["time"] for p in (a, b)}
        for p in (a, b):
            p.wait_event("CALL_RTPESTAB", timeout=5.0)       # audio arrived on both sides
        # The caller's source file ends the call.
        ended = {p: p.wait_closed(timeout=seconds + 15)["time"] for p in (a, b)}
        rss_kb = {p: peak_rss_kb(p.process.pid) for p in (a, b)}
        error = encoder_error((a, b), case.codec)
    # Stopped (SIGTERM: baresip unregisters and exits) and reaped with wait4.
    if a.process.rusage is None or b.process.rusage is None:
        return {row: failed("baresip was reaped without its resource usage") for row, _ in case.metrics}
    cpu_ms = {p: rusage_cpu_ms(p.process.rusage) for p in (a, b)}
    error = error or bindings_gone(ctx.pbx, (caller, callee))
    call_ms = {p: (ended[p] - started[p]) * 1000.0 for p in (a, b)}
    if error is None and call_ms[a] < MIN_CALL_SHARE * seconds * 1000.0:
        error = f"baresip's call lasted {call_ms[a] / 1000:.1f} s, not {seconds:.0f} s"
    if error is not None:
        return {row: failed(error) for row, _ in case.metrics}
    return {CALLER_ROW: cost(cpu_ms[a], rss_kb[a], call_ms[a]), CALLEE_ROW: cost(cpu_ms[b], rss_kb[b], call_ms[b])}


# -- callgrind ------------------------------------------------------------------

_TOTAL_RE = re.compile(r"^(?:summary|totals):\s*(\d+)", re.M)


def callgrind_total(path):
    """Instructions executed (the Ir total) of a callgrind output file."""
    with open(path) as f:
        m = _TOTAL_RE.search(f.read())
    if not m:
        raise ValueError(f"{path}: no summary/totals line")
    return int(m.group(1))


class CallgrindCase:
    tool = "sip-call"
    metrics = [(CALLGRIND_ROW, "Minstr/s")]

    def __init__(self, codec, rate, users, missing):
        self.variant = codec
        self.codec = codec
        self.rate = rate
        self.users = users
        self.missing = missing

    def _measure(self, ctx, seconds):
        """(instructions, call ms, packets sent) of one call under callgrind,
        or an error string."""
        caller, callee = self.users
        caller_wav, callee_wav = source_wavs(ctx, self.codec, self.rate)
        out = os.path.join(ctx.workdir, f"callgrind-{self.codec}-{seconds:g}.out")
        call = sip_call_call(ctx, caller, callee,
                             dial_args=["--duration", f"{seconds:g}s", "--play", caller_wav, "--loop",
                                        "--codecs", self.codec],
                             answer_args=["--play", callee_wav, "--loop", "--codecs", self.codec],
                             dial_prefix=["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"],
                             timeout=seconds + 120)
        if call.error is not None:
            return call.error
        report = call.caller_report or {}
        if ctx.args.callgrind_dir:
            os.makedirs(ctx.args.callgrind_dir, exist_ok=True)
            os.replace(out, os.path.join(ctx.args.callgrind_dir, os.path.basename(out)))
            out = os.path.join(ctx.args.callgrind_dir, os.path.basename(out))
        return callgrind_total(out), report["timings"]["call_ms"], report["media"]["packets_sent"]

    def run_once(self, ctx):
        short = self._measure(ctx, CALLGRIND_SHORT_SECONDS)
        long = self._measure(ctx, ctx.args.callgrind_seconds) if not isinstance(short, str) else short
        for outcome in (short, long):
            if isinstance(outcome, str):
                return {CALLGRIND_ROW: failed(outcome)}
        (i1, ms1, sent1), (i2, ms2, sent2) = short, long
        # Per second of audio sent, not of wall time: under callgrind (one
        # core, ~50x slower) an opus call cannot keep up, and the media
        # clock skips the ticks it missed (each tick: read, encode, send,
        # play out one frame).  Far behind, the figure means little.
        audio_s = (sent2 - sent1) * PTIME_MS / 1000.0
        if audio_s < MIN_CALLGRIND_SHARE * (ms2 - ms1) / 1000.0:
            return {CALLGRIND_ROW: failed(f"under callgrind sip-call sent {audio_s:.1f} s of audio in "
                                          f"{(ms2 - ms1) / 1000:.1f} s of call")}
        return {CALLGRIND_ROW: Sample(value=(i2 - i1) / audio_s / 1e6)}


def _valgrind_missing():
    return None if shutil.which("valgrind") else "valgrind not installed (tests/bench/setup.sh)"


def cases(ctx):
    out = []
    users = iter(range(1200, 1300, 2))
    for codec, rate in CODECS:
        u = next(users)
        out.append(Case("sip-call", codec, rate, (str(u), str(u + 1)), _sip_call, sip_call_missing(ctx)))
        u = next(users)
        out.append(Case("baresip", codec, rate, (str(u), str(u + 1)), _baresip, baresip_missing()))
    for codec, rate in CODECS:
        u = next(users)
        out.append(CallgrindCase(codec, rate, (str(u), str(u + 1)), sip_call_missing(ctx) or _valgrind_missing()))
    return out


def targets(summaries):
    """Per codec and side: sip-call's CPU per call-second and peak RSS at or
    below baresip's, and its peak RSS at most 20 MB."""
    out = []
    for codec, _ in CODECS:
        for row in (CALLER_ROW, CALLEE_ROW):
            ours = summary_of(summaries, row, "sip-call", codec)
            theirs = summary_of(summaries, row, "baresip", codec)
            side = row.split()[-1]
            out += [
                check(f"{codec} {side}: sip-call CPU per call-second <= baresip's",
                      ours and ours.median, theirs and theirs.median, test=lambda a, b: a <= b),
                check(f"{codec} {side}: sip-call peak RSS <= baresip's",
                      ours and ours.rss_mb, theirs and theirs.rss_mb, test=lambda a, b: a <= b),
                check(f"{codec} {side}: sip-call peak RSS <= {RSS_LIMIT_MB:.0f} MB",
                      ours and ours.rss_mb, test=lambda a: a <= RSS_LIMIT_MB),
            ]
    return out
