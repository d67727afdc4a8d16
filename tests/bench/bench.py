#!/usr/bin/python3
"""sip-call side by side with the tools users would pick instead (issue 5).

    python3 tests/bench/bench.py [--runs N] [--only register] [--json FILE]

Starts the test PBX (tests/pbx/testpbx.py), runs every (tool, transport) case
of the chosen rows N times, interleaved so that a noisy moment of the machine
hits every tool alike, and prints one table.  Set-up: tests/bench/setup.sh.
See tests/bench/README.md for the columns and the caveats.

A row is a module with
    cases(ctx)          -> objects with .row .tool .transport .missing (None or
                           why the tool cannot run here) and .run_once(ctx) ->
                           measure.Sample (value_ms, cpu_ms, rss_kb, error)
    targets(summaries)  -> [(text, met)], summaries keyed by (tool, transport)
and one entry in ROWS.  ctx has .pbx (a started TestPbx) and .sip_call (path).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.normpath(os.path.join(HERE, os.pardir, "pbx")))

import report  # noqa: E402
import row_register  # noqa: E402
from measure import run_process, sample_of, summarize  # noqa: E402
from testpbx import TestPbx  # noqa: E402

ROWS = {
    "register": row_register,
}
MIN_RUNS = 5


class Context:
    def __init__(self, pbx, sip_call):
        self.pbx = pbx
        self.sip_call = sip_call


def sip_call_path():
    """The binary under test: $SIP_CALL_BIN, else build/sip-call (as the
    integration tests)."""
    return os.environ.get("SIP_CALL_BIN") or os.path.normpath(
        os.path.join(HERE, os.pardir, os.pardir, "build", "sip-call"))


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=10, help=f"measured runs per case (>= {MIN_RUNS}, default 10)")
    p.add_argument("--warmup", type=int, default=1, help="unmeasured runs per case first (default 1)")
    p.add_argument("--only", action="append", choices=sorted(ROWS), help="run only this row (repeatable)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    args = p.parse_args(argv)
    if args.runs < MIN_RUNS:
        p.error(f"--runs must be at least {MIN_RUNS} (each figure is a median)")
    if args.warmup < 0:
        p.error("--warmup must be >= 0")
    return args


def run_cases(ctx, cases, runs, warmup):
    """Samples per case: warm-up runs first (discarded: page cache, first
    TLS session on the PBX), then round-robin over the cases."""
    samples = {id(c): [] for c in cases}
    for i in range(warmup + runs):
        label = f"warm-up {i + 1}/{warmup}" if i < warmup else f"run {i - warmup + 1}/{runs}"
        print(f"bench: {label}", file=sys.stderr, flush=True)
        for case in cases:
            sample = case.run_once(ctx)
            if i >= warmup:
                samples[id(case)].append(sample)
    return samples


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
    jssip = "not installed"
    pkg = os.path.join(HERE, "jssip", "node_modules", "jssip", "package.json")
    if os.path.exists(pkg):
        with open(pkg) as f:
            jssip = json.load(f)["version"]
    return {
        "sip-call": first_line([sip_call, "--version"]),
        "sipsak": first_line(["sipsak", "--version"]),
        "sipp": first_line(["sipp", "-v"]),
        "node": first_line(["node", "--version"]) + f", jssip {jssip}",
    }


def main(argv=None):
    args = parse_args(argv)
    rows = args.only or list(ROWS)
    sip_call = sip_call_path()
    meta = {"date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "host": platform.node(), "cpus": os.cpu_count(),
            "kernel": platform.release(), "load_before": os.getloadavg()[0], "runs": args.runs,
            "warmup": args.warmup, "versions": tool_versions(sip_call)}
    empty = floor(args.runs)
    meta["floor"] = {"median_ms": empty.median_ms, "cpu_ms": empty.cpu_ms, "rss_mb": empty.rss_mb}
    results = []
    targets = []
    with TestPbx() as pbx:
        ctx = Context(pbx, sip_call)
        for name in rows:
            module = ROWS[name]
            cases = module.cases(ctx)
            runnable = [c for c in cases if c.missing is None]
            samples = run_cases(ctx, runnable, args.runs, args.warmup)
            summaries = {}
            for case in cases:
                summary = summarize(samples.get(id(case), []))
                summaries[(case.tool, case.transport)] = summary
                results.append(report.Result(case.row, case.tool, case.transport, summary, case.missing))
            targets += [(name, text, met) for text, met in module.targets(summaries)]
    meta["load_after"] = os.getloadavg()[0]
    print(report.render(meta, results, targets))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report.as_json(meta, results, targets), f, indent=2)
    incomplete = any(r.missing or not r.summary.ok for r in results)
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main())
