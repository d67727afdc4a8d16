#!/usr/bin/python3
"""sip-call side by side with the tools users would pick instead (issue 5).

    python3 tests/bench/bench.py [--runs N] [--only ROW] [--json FILE]
                                 [--call-seconds S] [--callgrind-seconds S]

Starts the test PBX (tests/pbx/testpbx.py), runs every case of the chosen
rows N times, interleaved so that a noisy moment of the machine hits every
tool alike, and prints one table.  Set-up: tests/bench/setup.sh.  See
tests/bench/README.md for the rows, the columns and the caveats.

A row is a module with
    cases(ctx)          -> objects with .tool .variant (transport, codec...)
                           .missing (None or why the tool cannot run here)
                           .metrics ([(row, unit)]: what one run measures)
                           and .run_once(ctx) -> {row: measure.Sample}
    targets(summaries)  -> [(text, met)], summaries keyed by (row, tool, variant)
optionally RUNS and WARMUP (its default runs and warm-up runs per case) and
notes(summaries) -> [text], and one entry in ROWS.  ctx has .pbx (a started
TestPbx), .sip_call (path), .args (the command line), .workdir (a temp
directory for the run) and .resources (a contextlib.ExitStack closed when
the row's runs end, also when they fail: a case that needs a network
namespace, a PBX or a browser of its own enters it there once and keeps it
for all its runs).
"""

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.normpath(os.path.join(HERE, os.pardir, "pbx")))

import report  # noqa: E402
import row_dial  # noqa: E402
import row_latency  # noqa: E402
import row_media  # noqa: E402
import row_register  # noqa: E402
import row_scale  # noqa: E402
import row_secure  # noqa: E402
from measure import failed, run_process, sample_of, summarize  # noqa: E402
from testpbx import TestPbx  # noqa: E402

ROWS = {
    "register": row_register,
    "dial": row_dial,
    "media": row_media,
    "latency": row_latency,
    "scale": row_scale,
    "secure": row_secure,
}
MIN_RUNS = 5
DEFAULT_RUNS = 10
DEFAULT_WARMUP = 1


class Context:
    def __init__(self, pbx, sip_call, args, workdir):
        self.pbx = pbx
        self.sip_call = sip_call
        self.args = args
        self.workdir = workdir
        self.resources = None       # the current row's ExitStack (main())


def sip_call_path():
    """The binary under test: $SIP_CALL_BIN, else build/sip-call (as the
    integration tests)."""
    return os.environ.get("SIP_CALL_BIN") or os.path.normpath(
        os.path.join(HERE, os.pardir, os.pardir, "build", "sip-call"))


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, help=f"measured runs per case (>= {MIN_RUNS}; default: the row's, "
                                            f"{DEFAULT_RUNS} or {row_media.RUNS} for media)")
    p.add_argument("--warmup", type=int, help="unmeasured runs per case first (default: the row's, "
                                              f"{DEFAULT_WARMUP} or {row_media.WARMUP} for media)")
    p.add_argument("--only", action="append", choices=list(ROWS), help="run only this row (repeatable)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    p.add_argument("--call-seconds", type=float, default=30.0,
                   help="length of each call of the media row (default 30)")
    p.add_argument("--callgrind-seconds", type=float, default=5.0,
                   help="the longer of the two calls run under callgrind (default 5; the shorter is 1 s)")
    p.add_argument("--keep-callgrind", dest="callgrind_dir", metavar="DIR",
                   help="keep the callgrind output files in DIR (for callgrind_annotate)")
    args = p.parse_args(argv)
    if args.runs is not None and args.runs < MIN_RUNS:
        p.error(f"--runs must be at least {MIN_RUNS} (each figure is a median)")
    if args.warmup is not None and args.warmup < 0:
        p.error("--warmup must be >= 0")
    if args.call_seconds < 5:
        p.error("--call-seconds must be at least 5")
    if args.callgrind_seconds < row_media.CALLGRIND_SHORT_SECONDS + 1:
        p.error(f"--callgrind-seconds must be at least {row_media.CALLGRIND_SHORT_SECONDS + 1}")
    return args


def runs_of(module, args):
    """(runs, warm-up runs) per case of a row: the command line's, else the
    row's own defaults (a 30 s call is not worth 10 runs)."""
    runs = args.runs if args.runs is not None else getattr(module, "RUNS", DEFAULT_RUNS)
    warmup = args.warmup if args.warmup is not None else getattr(module, "WARMUP", DEFAULT_WARMUP)
    return runs, warmup


def measure_once(ctx, case):
    """{row: Sample} of one run; a run that raised (a peer that would not
    start, say) is a failed run of every row it measures, not the end of
    the benchmark."""
    try:
        return case.run_once(ctx)
    except Exception as e:  # noqa: BLE001 -- recorded as the run's error
        reason = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
        return {row: failed(reason) for row, _ in case.metrics}


def run_cases(ctx, cases, runs, warmup):
    """Samples per (case, row): warm-up runs first (discarded: page cache,
    first TLS session on the PBX), then round-robin over the cases."""
    samples = {(id(c), row): [] for c in cases for row, _ in c.metrics}
    for i in range(warmup + runs):
        label = f"warm-up {i + 1}/{warmup}" if i < warmup else f"run {i - warmup + 1}/{runs}"
        print(f"bench: {label}", file=sys.stderr, flush=True)
        for case in cases:
            outcome = measure_once(ctx, case)
            if i >= warmup:
                for row, _ in case.metrics:
                    samples[(id(case), row)].append(outcome.get(row) or failed("no figure measured"))
    return samples


def results_of(cases, samples):
    """One Result per (case, row), grouped by row in the order the rows first
    appear, then by case: the table shows the tools of one row together."""
    order = []
    for case in cases:
        order += [row for row, _ in case.metrics if row not in order]
    out = []
    for row in order:
        for case in cases:
            for metric_row, unit in case.metrics:
                if metric_row == row:
                    summary = summarize(samples.get((id(case), row), []))
                    out.append(report.Result(row, case.tool, case.variant, unit, summary, case.missing))
    return out


def floor(runs):
    """What the harness itself costs: an empty process (`true`) measured the
    same way, so readers can tell tool time from spawn overhead."""
    return summarize([sample_of([run_process(["true"])]) for _ in range(runs)])


def tool_versions(sip_call):
    """One line per tool, best effort: part of the record, never a failure."""
    def first_line(argv):
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired):
            return "not installed"
        lines = [ln.strip() for ln in (r.stdout + r.stderr).splitlines() if ln.strip()]
        return lines[0] if lines else "?"
    def npm_version(directory, package):
        pkg = os.path.join(HERE, directory, "node_modules", package, "package.json")
        if not os.path.exists(pkg):
            return "not installed"
        with open(pkg) as f:
            return json.load(f)["version"]
    jssip = npm_version("jssip", "jssip")
    return {
        "sip-call": first_line([sip_call, "--version"]),
        "sipsak": first_line(["sipsak", "--version"]),
        "sipp": first_line(["sipp", "-v"]),
        "node": first_line(["node", "--version"]) + f", jssip {jssip}",
        "baresip": first_line(["dpkg-query", "-W", "-f", "${Version}", "baresip-core"]),
        "valgrind": first_line(["valgrind", "--version"]),
        # the browser peer (tests/browser): Chromium with the page's own JsSIP
        "chromium": first_line([row_secure.browser_peer.CHROMIUM, "--version"])
        + f", jssip {npm_version(os.path.join(os.pardir, 'browser'), 'jssip')}",
    }


def main(argv=None):
    args = parse_args(argv)
    rows = args.only or list(ROWS)
    sip_call = sip_call_path()
    meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "host": platform.node(), "cpus": os.cpu_count(),
            "kernel": platform.release(), "load_before": os.getloadavg()[0],
            "runs": {name: runs_of(ROWS[name], args) for name in rows},
            "call_seconds": args.call_seconds, "callgrind_seconds": args.callgrind_seconds,
            "versions": tool_versions(sip_call), "notes": []}
    empty = floor(max(runs for runs, _ in meta["runs"].values()))
    meta["floor"] = {"median_ms": empty.median, "cpu_ms": empty.cpu_ms, "rss_mb": empty.rss_mb}
    results = []
    targets = []
    with TestPbx() as pbx, tempfile.TemporaryDirectory(prefix="sip-call-bench-") as workdir:
        ctx = Context(pbx, sip_call, args, workdir)
        for name in rows:
            module = ROWS[name]
            runs, warmup = meta["runs"][name]
            with contextlib.ExitStack() as resources:
                ctx.resources = resources
                cases = module.cases(ctx)
                runnable = [c for c in cases if c.missing is None]
                samples = run_cases(ctx, runnable, runs, warmup)
            ctx.resources = None
            row_results = results_of(cases, samples)
            summaries = {(r.row, r.tool, r.variant): r.summary for r in row_results}
            results += row_results
            targets += [(name, text, met) for text, met in module.targets(summaries)]
            if hasattr(module, "notes"):
                meta["notes"] += module.notes(summaries)
    meta["load_after"] = os.getloadavg()[0]
    print(report.render(meta, results, targets))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report.as_json(meta, results, targets), f, indent=2)
    incomplete = any(r.missing or not r.summary.ok for r in results)
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main())
