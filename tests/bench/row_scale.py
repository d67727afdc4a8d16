"""Row 5 of the benchmark: many registrations, and many calls
(scale_calls.py), held by one sip-call process.

  sip-call register --accounts FILE --keep   over ws, N = 1, 100, 500, 1000
  sip-call answer --parallel N --echo        over udp, N = 1, 10, 50, 100 calls from sipp

One run starts the process with N accounts (users 1000..), waits for its
summary event (every REGISTER answered), reads its resident memory while it
holds them (VmRSS of /proc/PID/status), checks at the PBX that the first
and the last account are bound, stops it with SIGTERM and checks it exited
0 with every binding removed.  Figures: wall time from spawn to all
registered, RSS while held; memory per registration, (RSS(N) - RSS(1)) / N,
is a note.  No peer: none of them holds many registrations in one process."""

import json
import os
import selectors
import signal
import subprocess
import time

import scale_calls
from measure import Sample, failed, peak_rss_kb, vm_rss_kb
from targets import check, summary_median

COUNTS = (1, 100, 500, 1000)
FIRST_USER = 1000
TRANSPORT = "ws"
RUNS = 5
WARMUP = 0
REGISTERED_WITHIN_S = 60


def read_json_until(proc, predicate, timeout):
    """Reads proc's stdout JSON lines until one satisfies predicate; that line, or None."""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    partial = b""
    while time.monotonic() < deadline:
        if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
            break
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        *whole, partial = (partial + chunk).split(b"\n")
        for line in whole:
            if line.strip() and predicate(json.loads(line)):
                return json.loads(line)
    return None


class Case:
    tool = "sip-call"
    metrics = [("scale: all registered", "ms"), ("scale: RSS held", "MB")]

    def __init__(self, count, missing):
        self.count = count
        self.variant = f"{TRANSPORT} x{count}"
        self.missing = missing
        self.users = [str(FIRST_USER + k) for k in range(count)]

    def run_once(self, ctx):
        pbx = ctx.pbx
        path = os.path.join(ctx.workdir, f"accounts-{self.count}.txt")
        with open(path, "w") as f:
            f.writelines(f"{u} {pbx.password(u)}\n" for u in self.users)
        argv = [ctx.sip_call, "--server", pbx.url(TRANSPORT), "--domain", pbx.domain, "--json",
                "register", "--accounts", path, "--keep", "--expires", "300"]
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        try:
            summary = read_json_until(proc, lambda o: o.get("event") == "summary", REGISTERED_WITHIN_S)
            wall_ms = (time.perf_counter() - start) * 1000.0
            if summary is None:
                return self._failed(f"no summary within {REGISTERED_WITHIN_S} s")
            if summary["registered"] != self.count:
                return self._failed(f"{summary['registered']} of {self.count} registered")
            rss_kb, peak_kb = vm_rss_kb(proc.pid), peak_rss_kb(proc.pid)
            for u in (self.users[0], self.users[-1]):
                if len(pbx.bindings(u)) != 1:
                    return self._failed(f"PBX holds no binding of {u} while held")
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=10)
        if proc.returncode != 0:
            tail = " | ".join(err.decode(errors="replace").strip().splitlines()[-2:])
            return self._failed(f"sip-call exited {proc.returncode}: {tail[:200]}")
        lines = [ln for ln in out.decode().splitlines() if ln.strip()]
        report = json.loads(lines[-1]) if lines else {}
        if report.get("unregistered") != self.count:
            return self._failed(f"unregistered {report.get('unregistered')} of {self.count}")
        for u in (self.users[0], self.users[-1]):
            if pbx.bindings(u):
                return self._failed(f"binding of {u} still there after the run")
        return {"scale: all registered": Sample(value=wall_ms, rss_kb=peak_kb),
                "scale: RSS held": Sample(value=rss_kb / 1024.0, rss_kb=peak_kb)}

    def _failed(self, why):
        return {row: failed(why) for row, _ in self.metrics}


def cases(ctx):
    missing = None if os.access(ctx.sip_call, os.X_OK) else f"{ctx.sip_call} not built (ninja -C build)"
    return [Case(n, missing) for n in COUNTS] + scale_calls.cases(ctx)


def _rss(summaries, count):
    return summary_median(summaries, "scale: RSS held", "sip-call", f"{TRANSPORT} x{count}")


def per_item_kb(rss_mb_1, rss_mb_n, count):
    """(RSS(count) - RSS(1)) / count in KiB, or None without both figures."""
    if rss_mb_1 is None or rss_mb_n is None or count <= 1:
        return None
    return (rss_mb_n - rss_mb_1) * 1024.0 / count


def per_registration_kb(summaries, count):
    """Memory per registration in KiB (medians), or None."""
    return per_item_kb(_rss(summaries, 1), _rss(summaries, count), count)


def per_call_kb(summaries, count):
    """Memory per call in KiB (medians), or None."""
    def rss(n):
        return summary_median(summaries, scale_calls.RSS_ROW, "sip-call", scale_calls.variant(n))
    return per_item_kb(rss(1), rss(count), count)


def notes(summaries):
    out = []
    for n in COUNTS[1:]:
        kb = per_registration_kb(summaries, n)
        if kb is not None:
            out.append(f"scale: memory per registration over {TRANSPORT} with {n} held: {kb:.1f} KiB "
                       f"((RSS({n}) - RSS(1)) / {n}, medians)")
    for n in scale_calls.COUNTS[1:]:
        kb = per_call_kb(summaries, n)
        if kb is not None:
            out.append(f"scale: memory per call with {n} calls up ({scale_calls.variant(n)}): {kb:.1f} KiB "
                       f"((RSS({n}) - RSS(1)) / {n}, medians)")
    return out


def targets(summaries):
    rss = _rss(summaries, 1000)
    return [check(f"1,000 registrations over {TRANSPORT} in one process: RSS < 200 MB", rss,
                  test=lambda a: a < 200.0)]
