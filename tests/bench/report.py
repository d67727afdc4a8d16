"""The benchmark's output: a Markdown table (pasteable into the README and
the closing note) and the same figures as JSON."""

from dataclasses import asdict, dataclass

from measure import Summary

PRODUCT = "sip-call"    # every other tool is a peer


@dataclass
class Result:
    row: str                # what is measured: "register", "post-dial", "media caller", ...
    tool: str
    variant: str            # what tells a tool's cases of one row apart: transport, codec
    unit: str               # of median and p90
    summary: Summary
    missing: str = None     # the tool could not run here (not installed, not built)


def best_peer_medians(results):
    """(row, variant) -> the lowest median among peers that never failed."""
    best = {}
    for r in results:
        if r.tool == PRODUCT or r.missing or not r.summary.ok:
            continue
        key = (r.row, r.variant)
        best[key] = min(best.get(key, r.summary.median), r.summary.median)
    return best


def _status(r):
    if r.missing:
        return "missing"
    if not r.summary.ok:
        return f"FAILED {r.summary.failed}/{r.summary.runs}"
    return f"{r.summary.runs}/{r.summary.runs}"


def fmt(value):
    """Three significant figures or one decimal, whichever is longer; '-'
    for no figure."""
    if value is None:
        return "-"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def _row_cells(r, best):
    s = r.summary
    if r.missing or not s.ok:
        # A tool that failed even once gets no figures: it must not look fast.
        return [r.row, r.tool, r.variant, _status(r), "-", "-", r.unit, "-", "-", "-"]
    peer = best.get((r.row, r.variant))
    ratio = f"{s.median / peer:.2f}" if peer else "-"
    return [r.row, r.tool, r.variant, _status(r), fmt(s.median), fmt(s.p90), r.unit,
            fmt(s.cpu_ms), fmt(s.rss_mb), ratio]


HEADER = ["row", "tool", "case", "ok runs", "median", "p90", "unit", "CPU ms", "peak RSS MB", "x best peer"]


def render(meta, results, targets):
    best = best_peer_medians(results)
    rows = [HEADER] + [_row_cells(r, best) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"
    out = [f"sip-call benchmark, {meta['date']}, {meta['host']} ({meta['cpus']} CPUs, Linux {meta['kernel']}), "
           f"load {meta['load_before']:.2f} -> {meta['load_after']:.2f}, runs (+warm-up) per case: "
           + ", ".join(f"{row} {runs}(+{warmup})" for row, (runs, warmup) in meta["runs"].items()),
           "versions: " + "; ".join(f"{k} {v}" for k, v in meta["versions"].items()),
           "floor (an empty process, `true`, measured the same way): "
           f"{meta['floor']['median_ms']:.1f} ms, {meta['floor']['cpu_ms']:.1f} ms CPU, "
           f"{meta['floor']['rss_mb']:.1f} MB",
           "",
           line(rows[0]),
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows[1:]]
    if meta.get("notes"):
        out += [""] + [f"note: {n}" for n in meta["notes"]]
    if targets:
        out += ["", "targets:"]
        out += [f"  [{'met' if met else 'MISSED'}] {row}: {text}" for row, text, met in targets]
    problems = []
    for r in results:
        if r.missing:
            problems.append(f"  {r.row} {r.tool} {r.variant}: {r.missing}")
        for err in dict.fromkeys(r.summary.errors):     # distinct, in order
            problems.append(f"  {r.row} {r.tool} {r.variant}: {err}")
    if problems:
        out += ["", "problems:"] + problems
    return "\n".join(out)


def as_json(meta, results, targets):
    best = best_peer_medians(results)
    items = []
    for r in results:
        item = {"row": r.row, "tool": r.tool, "variant": r.variant, "unit": r.unit, "missing": r.missing,
                **asdict(r.summary)}
        peer = best.get((r.row, r.variant))
        ok = not r.missing and r.summary.ok
        item["ratio_to_best_peer"] = r.summary.median / peer if ok and peer else None
        items.append(item)
    return {"meta": meta, "results": items,
            "targets": [{"row": row, "target": text, "met": met} for row, text, met in targets]}
