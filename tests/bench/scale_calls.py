"""The calls half of the scale row: many calls held by one sip-call process.

  sipp (N calls at once, PCMU RTP) -> sip-call answer --parallel N --echo   over udp

One run starts `answer --parallel N --calls N --echo` (callee 1990), waits
until it is registered, then starts one sipp (sipp_call_rtp.xml, caller 1991)
that places N calls within about a second, each sending a looped 440 Hz
mu-law file with sipp's rtpstream and hanging up after HOLD_S.  When answer
has reported all N answered, and again SETTLE_S later (every call's buffers
in use by then), its VmRSS is read; the larger is the figure.  answer exits
by itself after the N-th call; its CPU (user + system, wait4) over the
seconds of call it reports (the sum of every call's call_ms) is the second
figure.  A run fails unless sipp and answer exit 0, answer lists N ok calls
that were all up at one moment, and every call received at least 90 % of
the 20 ms packets sipp sends in HOLD_S and sent at least 90 % of those of
its own length (RTP both ways).  Memory per call, (RSS(N) -
RSS(1)) / N, is a note."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from measure import Sample, failed, rusage_cpu_ms, vm_rss_kb

COUNTS = (1, 10, 50, 100)
TRANSPORT = "udp"
CALLEE, CALLER = "1990", "1991"
HOLD_S = 10
SETTLE_S = 2
SCENARIO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sipp_call_rtp.xml")
AUDIO = "scale_tone.ul"       # the name sipp_call_rtp.xml plays, in sipp's working directory
RSS_ROW, CPU_ROW = "scale: calls, RSS held", "scale: calls, CPU"
MIN_PACKET_SHARE = 0.9
# The PBX's workers may relay a 180 after the 200 that followed it at once,
# which sipp takes for an unexpected message and aborts the call: ringing
# this long keeps them in order.
ANSWER_DELAY_MS = 200
ANSWER_EXIT_S = 30          # after sipp: answer's last BYEs and its unregistration


def missing(ctx):
    if not os.access(ctx.sip_call, os.X_OK):
        return f"{ctx.sip_call} not built (ninja -C build)"
    for tool in ("sipp", "sox"):
        if not shutil.which(tool):
            return f"{tool} not installed (bash tests/bench/setup.sh)"
    return None


def variant(count):
    return f"{TRANSPORT} pcmu x{count}"


class JsonLines:
    """Reads a process's stdout JSON lines on a thread of its own, so that
    the process never blocks on a full pipe while we wait for something
    else (a hundred calls print far more than a pipe holds)."""

    def __init__(self, proc):
        self.lines = []
        self._changed = threading.Condition()
        self._eof = False
        self._thread = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for raw in stream:
            if raw.strip():
                with self._changed:
                    self.lines.append(json.loads(raw))
                    self._changed.notify_all()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    def wait_for(self, predicate, timeout):
        """True once predicate(self.lines) holds, False after timeout or EOF."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self.lines) or self._eof, timeout) and \
                predicate(self.lines)

    def wait_eof(self, timeout):
        with self._changed:
            self._changed.wait_for(lambda: self._eof, timeout)


def count_events(name):
    return lambda lines: sum(1 for o in lines if o.get("event") == name)


def audio_file(ctx):
    path = os.path.join(ctx.workdir, AUDIO)
    if not os.path.exists(path):
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-e", "u-law", "-t", "raw", path,
                        "synth", "2", "sine", "440", "vol", "0.5"], check=True, timeout=30)
    return path


def check_report(report, count):
    """None when answer's report shows `count` ok calls, all up at one
    moment, each with RTP both ways; else why not.  What a call received is
    held against what sipp streams in HOLD_S (with many calls sipp's BYE
    comes late, and the call's own length would ask for packets sipp never
    sent), what it sent against the call's own length."""
    calls = report.get("calls", [])
    if report.get("exit_code") != 0 or len(calls) != count:
        return f"answer: exit {report.get('exit_code')}, {len(calls)} of {count} calls: {report.get('error')}"
    for c in calls:
        if c.get("result") != "ok":
            return f"call {c.get('number')}: {c.get('error')}"
        m = c["media"]
        received, sent = HOLD_S * 1000 / 20.0, c["call_ms"] / 20.0
        if m["packets_received"] < MIN_PACKET_SHARE * received or m["packets_sent"] < MIN_PACKET_SHARE * sent:
            return (f"call {c['number']}: RTP received {m['packets_received']} of ~{received:.0f}, "
                    f"sent {m['packets_sent']} of ~{sent:.0f}")
    if max(c["answered_ms"] for c in calls) >= min(c["ended_ms"] for c in calls):
        return "the calls were never all up at once"
    return None


def reap(proc, timeout):
    """Reaps proc with os.wait4 (its rusage), killing it after timeout
    seconds: answer waits for ever for a call sipp never placed."""
    killer = threading.Timer(timeout, proc.kill)
    killer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        killer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage


class Case:
    tool = "sip-call"
    metrics = [(RSS_ROW, "MB"), (CPU_ROW, "ms/call-s")]

    def __init__(self, count, why_missing):
        self.count = count
        self.variant = variant(count)
        self.missing = why_missing

    def run_once(self, ctx):
        pbx = ctx.pbx
        audio_file(ctx)
        host, port = pbx.url(TRANSPORT).split(":")[1:3]
        port = port.split(";")[0]
        answer_argv = [ctx.sip_call, "--server", pbx.url(TRANSPORT), "--user", CALLEE, "--domain", pbx.domain,
                       "--json", "answer", "--parallel", str(self.count), "--calls", str(self.count), "--echo",
                       "--codecs", "pcmu", "--no-playback", "--answer-delay", f"{ANSWER_DELAY_MS}ms"]
        sipp_argv = ["sipp", f"{host}:{port}", "-sf", SCENARIO, "-s", CALLEE, "-au", CALLER,
                     "-ap", pbx.password(CALLER), "-key", "domain", pbx.domain, "-key", "user", CALLER,
                     "-i", "127.0.0.1", "-mi", "127.0.0.1", "-t", "u1", "-m", str(self.count), "-l", str(self.count),
                     "-r", str(self.count), "-rp", "1000", "-d", str(HOLD_S * 1000),
                     "-timeout", f"{HOLD_S + 60}s", "-nostdin"]
        env = dict(os.environ, SIP_CALL_PASSWORD=pbx.password(CALLEE))
        # stderr to a file: a hundred calls' flow lines would fill a pipe.
        with tempfile.TemporaryFile() as answer_err, tempfile.TemporaryFile() as sipp_out:
            answer = subprocess.Popen(answer_argv, stdout=subprocess.PIPE, stderr=answer_err,
                                      stdin=subprocess.DEVNULL, env=env)
            sipp = None
            try:
                out = JsonLines(answer)
                if not out.wait_for(count_events("registered"), 30):
                    return self._failed("answer did not register")
                sipp = subprocess.Popen(sipp_argv, cwd=ctx.workdir, stdout=sipp_out, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
                if not out.wait_for(lambda lines: count_events("answered")(lines) >= self.count, 30):
                    return self._failed(f"answer did not report {self.count} calls answered")
                rss_kb = vm_rss_kb(answer.pid)
                time.sleep(SETTLE_S)  # a measuring interval, not a wait for an event
                rss_kb = max(rss_kb, vm_rss_kb(answer.pid))
                sipp_code = sipp.wait(timeout=HOLD_S + 90)
                usage = reap(answer, ANSWER_EXIT_S)
                out.wait_eof(5)
            finally:
                for p in (sipp, answer):
                    if p is not None and p.poll() is None:
                        p.send_signal(signal.SIGKILL)
                        p.wait(timeout=10)
            if sipp_code != 0:
                sipp_out.seek(0)
                tail = " | ".join(sipp_out.read().decode(errors="replace").strip().splitlines()[-3:])
                return self._failed(f"sipp exited {sipp_code}: {tail[:200]}")
            report = out.lines[-1] if out.lines else {}
            if answer.returncode != 0 or report.get("command") != "answer":
                answer_err.seek(0)
                tail = " | ".join(answer_err.read().decode(errors="replace").strip().splitlines()[-2:])
                return self._failed(f"answer exited {answer.returncode}: {tail[:200]}")
        why = check_report(report, self.count)
        if why:
            return self._failed(why)
        call_s = sum(c["call_ms"] for c in report["calls"]) / 1000.0
        cpu_ms = rusage_cpu_ms(usage)
        return {RSS_ROW: Sample(value=rss_kb / 1024.0, cpu_ms=cpu_ms, rss_kb=rss_kb),
                CPU_ROW: Sample(value=cpu_ms / call_s, cpu_ms=cpu_ms, rss_kb=rss_kb)}

    def _failed(self, why):
        return {row: failed(why) for row, _ in self.metrics}


def cases(ctx):
    why = missing(ctx)
    return [Case(n, why) for n in COUNTS]

