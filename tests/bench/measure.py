"""Measures processes for the benchmark: wall time from spawn to exit, user+sys
CPU (os.wait4's rusage) and peak RSS (GNU time) of the child, and the
statistics the table prints.  Stdlib and /usr/bin/time only."""

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
    """One process, started and reaped by run_process()."""
    argv: list
    exit_code: int          # negative: killed by that signal
    wall_ms: float          # from just before spawn to reaped
    cpu_ms: float           # ru_utime + ru_stime of the child
    rss_kb: int             # peak RSS of the tool (GNU time's %M, KiB)
    timed_out: bool
    output: str             # stdout then stderr, for error messages

    def failure(self):
        """None when the process exited 0, else a one-line reason."""
        if self.timed_out:
            return f"{os.path.basename(self.argv[0])} timed out"
        if self.exit_code != 0:
            tail = " | ".join(self.output.strip().splitlines()[-2:])
            return f"{os.path.basename(self.argv[0])} exited {self.exit_code}: {tail[:200]}"
        return None


# GNU time forks the measured program.  ru_maxrss counts the memory of the
# process that forked (fork copies it; exec keeps the high-water mark), so
# spawned from Python every tool would start at Python's ~20 MB; GNU time
# starts at ~1-2 MB, the floor of the RSS column.
GNU_TIME = "/usr/bin/time"


def run_process(argv, env=None, timeout=30.0):
    """Runs argv to completion under GNU time with stdin closed and output
    captured in temp files (not pipes, so the child never blocks on us).
    Wall time and CPU come from our own clock and wait4 (CPU includes the
    reaped child); only spawn-to-reap is timed, not the temp-file set-up."""
    if not os.access(GNU_TIME, os.X_OK):
        raise RuntimeError(f"{GNU_TIME} missing: run tests/bench/setup.sh")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode="r") as rss:
        start = time.perf_counter()
        proc = subprocess.Popen([GNU_TIME, "-f", "%M", "-o", rss.name, "--", *argv],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                                start_new_session=True)
        expired = threading.Event()

        def kill():
            expired.set()
            os.killpg(proc.pid, 9)      # GNU time and the tool under it
        killer = threading.Timer(timeout, kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        wall_ms = (time.perf_counter() - start) * 1000.0
        # wait4 reaped the child; tell Popen so it never waits for it again.
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        output = (out.read() + err.read()).decode(errors="replace")
        rss_lines = rss.read().split()
    return ProcessRun(argv=list(argv), exit_code=proc.returncode, wall_ms=wall_ms,
                      cpu_ms=(usage.ru_utime + usage.ru_stime) * 1000.0,
                      rss_kb=int(rss_lines[-1]) if rss_lines and rss_lines[-1].isdigit() else 0,
                      timed_out=expired.is_set(), output=output)


@dataclass
class Sample:
    """One measured run of one tool.  value_ms is what the row measures: for
    one-shot rows the wall time of the process(es); a row that measures an
    event (post-dial delay, say) puts that delay here instead."""
    value_ms: float
    cpu_ms: float
    rss_kb: int
    error: str = None       # None: the run succeeded and was verified


def sample_of(runs, error=None):
    """One Sample from processes run one after the other (sipsak needs one
    process to register and another to unregister): times and CPU add up, RSS
    is the largest.  The first failing process, if any, is the error."""
    failures = [r.failure() for r in runs if r.failure()]
    return Sample(value_ms=sum(r.wall_ms for r in runs), cpu_ms=sum(r.cpu_ms for r in runs),
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
    median_ms: float = None
    p90_ms: float = None
    cpu_ms: float = None     # median
    rss_mb: float = None     # largest peak RSS of all runs (MiB)
    errors: list = field(default_factory=list)
    values_ms: list = field(default_factory=list)   # every successful run, in order

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
        values = [s.value_ms for s in good]
        summary.values_ms = [round(v, 2) for v in values]
        summary.median_ms = statistics.median(values)
        summary.p90_ms = percentile(values, 0.9)
        summary.cpu_ms = statistics.median(s.cpu_ms for s in good)
        summary.rss_mb = max(s.rss_kb for s in good) / 1024.0
    return summary
