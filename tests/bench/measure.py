"""Measures processes for the benchmark: wall time from spawn to exit, user+sys
CPU (os.wait4's rusage) and peak RSS (GNU time) of the child, the peak RSS
of a process someone else started (/proc), and the statistics the table
prints.  Stdlib and /usr/bin/time only."""

import ctypes
import json
import math
import os
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field


@dataclass
class ProcessRun:
    """One process, started by start_process() and reaped by its wait()."""
    argv: list
    exit_code: int          # negative: killed by that signal
    wall_ms: float          # from just before spawn to reaped
    cpu_ms: float           # ru_utime + ru_stime of the child
    rss_kb: int             # peak RSS of the tool (GNU time's %M, KiB)
    timed_out: bool
    output: str             # stdout then stderr, for error messages
    stdout: str = ""

    def failure(self):
        """None when the process exited 0, else a one-line reason."""
        if self.timed_out:
            return f"{os.path.basename(self.argv[0])} timed out"
        if self.exit_code != 0:
            tail = " | ".join(self.output.strip().splitlines()[-2:])
            return f"{os.path.basename(self.argv[0])} exited {self.exit_code}: {tail[:200]}"
        return None

    def report(self):
        """The last stdout line as JSON (sip-call --json's report), or None."""
        lines = [ln for ln in self.stdout.splitlines() if ln.strip()]
        try:
            return json.loads(lines[-1]) if lines else None
        except ValueError:
            return None


# GNU time forks the measured program.  ru_maxrss counts the memory of the
# process that forked (fork copies it; exec keeps the high-water mark), so
# spawned from Python every tool would start at Python's ~20 MB; GNU time
# starts at ~1-2 MB, the floor of the RSS column.
GNU_TIME = "/usr/bin/time"


class Spawned:
    """A process started under GNU time with stdin closed and its output in
    temp files (not pipes, so the child never blocks on us); wait() reaps it
    into a ProcessRun.  Always wait() (or kill() and wait()) once."""

    def __init__(self, argv, env=None):
        if not os.access(GNU_TIME, os.X_OK):
            raise RuntimeError(f"{GNU_TIME} missing: run tests/bench/setup.sh")
        self.argv = list(argv)
        self._out = tempfile.TemporaryFile()
        self._err = tempfile.TemporaryFile()
        self._rss = tempfile.NamedTemporaryFile(mode="r")
        self._start = time.perf_counter()
        self.proc = subprocess.Popen([GNU_TIME, "-f", "%M", "-o", self._rss.name, "--", *self.argv],
                                     stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err, env=env,
                                     start_new_session=True)
        self._expired = threading.Event()

    def running(self):
        """True until the process has exited (it is not reaped here)."""
        try:
            # WNOWAIT: look, but leave the reaping (and its rusage) to wait()
            return os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
        except ChildProcessError:
            return False

    def kill(self):
        """SIGKILL to GNU time and the tool under it."""
        try:
            os.killpg(self.proc.pid, 9)
        except ProcessLookupError:
            pass

    def wait(self, timeout=30.0):
        """Reaps the process (killed after timeout seconds).  Wall time and
        CPU come from our own clock and wait4 (CPU includes the reaped
        child)."""
        def expire():
            self._expired.set()
            self.kill()
        killer = threading.Timer(timeout, expire)
        killer.start()
        try:
            _, status, usage = os.wait4(self.proc.pid, 0)
        finally:
            killer.cancel()
        wall_ms = (time.perf_counter() - self._start) * 1000.0
        # wait4 reaped the child; tell Popen so it never waits for it again.
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        with self._out, self._err, self._rss:
            self._out.seek(0)
            self._err.seek(0)
            stdout = self._out.read().decode(errors="replace")
            stderr = self._err.read().decode(errors="replace")
            rss_lines = self._rss.read().split()
        return ProcessRun(argv=self.argv, exit_code=self.proc.returncode, wall_ms=wall_ms,
                          cpu_ms=rusage_cpu_ms(usage),
                          rss_kb=int(rss_lines[-1]) if rss_lines and rss_lines[-1].isdigit() else 0,
                          timed_out=self._expired.is_set(), output=stdout + stderr, stdout=stdout)


def start_process(argv, env=None):
    return Spawned(argv, env)


def run_process(argv, env=None, timeout=30.0):
    """Runs argv to completion under GNU time; only spawn-to-reap is timed,
    not the temp-file set-up."""
    return start_process(argv, env).wait(timeout)


def _status_kb(pid, field):
    """A KiB figure of /proc/PID/status (VmHWM, VmRSS...)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise ValueError(f"/proc/{pid}/status has no {field}")


def peak_rss_kb(pid):
    """The peak RSS since exec (VmHWM, KiB) of a live process someone else
    started (a peer class): what GNU time's %M reports at exit, without its
    floor.  Read it just before the process is stopped."""
    return _status_kb(pid, "VmHWM")


def vm_rss_kb(pid):
    """The resident memory of a live process now (VmRSS, KiB)."""
    return _status_kb(pid, "VmRSS")


def process_cpu_ms(pid):
    """The CPU time (user + system, every thread, those gone included) a
    live process has used so far, in ms: its POSIX CPU-time clock
    (clock_getcpuclockid), nanosecond-exact, the same account wait4's
    rusage sums up at its exit.  For a cost counted from a moment after
    start-up."""
    clock = ctypes.c_int()
    err = ctypes.CDLL(None).clock_getcpuclockid(pid, ctypes.byref(clock))
    if err != 0:
        raise OSError(err, f"clock_getcpuclockid({pid}): {os.strerror(err)}")
    return time.clock_gettime(clock.value) * 1000.0


def rusage_cpu_ms(rusage):
    return (rusage.ru_utime + rusage.ru_stime) * 1000.0


@dataclass
class Sample:
    """One measured run of one tool for one row.  value is what the row
    measures, in the row's unit: the wall time of a one-shot process, a
    delay seen at the PBX, CPU per second of call...  cpu_ms and rss_kb are
    the process's, when the row measures one (None otherwise)."""
    value: float
    cpu_ms: float = None
    rss_kb: int = None
    error: str = None       # None: the run succeeded and was verified


def failed(error):
    """A Sample for a run that failed: it has no figures."""
    return Sample(value=None, error=error)


def sample_of(runs, error=None):
    """One Sample from processes run one after the other (sipsak needs one
    process to register and another to unregister): times and CPU add up, RSS
    is the largest.  The first failing process, if any, is the error."""
    failures = [r.failure() for r in runs if r.failure()]
    return Sample(value=sum(r.wall_ms for r in runs), cpu_ms=sum(r.cpu_ms for r in runs),
                  rss_kb=max(r.rss_kb for r in runs), error=(failures[0] if failures else error))


def percentile(values, fraction):
    """Nearest-rank percentile (no interpolation: with 10 runs p90 is the 9th)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Summary:
    runs: int
    failed: int
    median: float = None
    p90: float = None
    cpu_ms: float = None     # median
    rss_mb: float = None     # largest peak RSS of all runs (MiB)
    errors: list = field(default_factory=list)
    values: list = field(default_factory=list)   # every successful run, in order

    @property
    def ok(self):
        return self.runs > 0 and self.failed == 0


def summarize(samples):
    """Statistics over the successful samples; failures are counted and
    their reasons kept, so a tool that failed can never look fast."""
    good = [s for s in samples if s.error is None]
    summary = Summary(runs=len(samples), failed=len(samples) - len(good),
                      errors=[s.error for s in samples if s.error is not None])
    if good:
        values = [s.value for s in good]
        summary.values = [round(v, 3) for v in values]
        summary.median = statistics.median(values)
        summary.p90 = percentile(values, 0.9)
        cpu = [s.cpu_ms for s in good if s.cpu_ms is not None]
        rss = [s.rss_kb for s in good if s.rss_kb is not None]
        summary.cpu_ms = statistics.median(cpu) if cpu else None
        summary.rss_mb = max(rss) / 1024.0 if rss else None
    return summary

