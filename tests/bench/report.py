"""The benchmark's output: a Markdown table (pasteable into the README and
the closing note) and the same figures as JSON."""

from dataclasses import asdict, dataclass

from measure import Summary

PRODUCT = "sip-call"    # every other tool is a peer


@dataclass
class Result:
    row: str
    tool: str
    transport: str
    summary: Summary
    missing: str = None     # the tool could not run here (not installed, not built)


def best_peer_medians(results):
    """(row, transport) -> the lowest median among peers that never failed."""
    best = {}
    for r in results:
        if r.tool == PRODUCT or r.missing or not r.summary.ok:
            continue
        key = (r.row, r.transport)
        best[key] = min(best.get(key, r.summary.median_ms), r.summary.median_ms)
    return best


def _status(r):
    if r.missing:
        return "missing"
    if not r.summary.ok:
        return f"FAILED {r.summary.failed}/{r.summary.runs}"
    return f"{r.summary.runs}/{r.summary.runs}"


def _row_cells(r, best):
    s = r.summary
    if r.missing or not s.ok:
        # A tool that failed even once gets no figures: it must not look fast.
        return [r.row, r.tool, r.transport, _status(r), "-", "-", "-", "-", "-"]
    peer = best.get((r.row, r.transport))
    ratio = f"{s.median_ms / peer:.2f}" if peer else "-"
    return [r.row, r.tool, r.transport, _status(r), f"{s.median_ms:.1f}", f"{s.p90_ms:.1f}",
            f"{s.cpu_ms:.1f}", f"{s.rss_mb:.1f}", ratio]


HEADER = ["row", "tool", "transport", "ok runs", "median ms", "p90 ms", "CPU ms", "peak RSS MB",
          "x best peer"]


def render(meta, results, targets):
    best = best_peer_medians(results)
    rows = [HEADER] + [_row_cells(r, best) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]

    def line(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"
    out = [f"sip-call benchmark, {meta['date']}, {meta['host']} ({meta['cpus']} CPUs, Linux {meta['kernel']}), "
           f"load {meta['load_before']:.2f} -> {meta['load_after']:.2f}, {meta['runs']} runs "
           f"(+{meta['warmup']} warm-up) per case",
           "versions: " + "; ".join(f"{k} {v}" for k, v in meta["versions"].items()),
           "floor (an empty process, `true`, measured the same way): "
           f"{meta['floor']['median_ms']:.1f} ms, {meta['floor']['cpu_ms']:.1f} ms CPU, "
           f"{meta['floor']['rss_mb']:.1f} MB",
           "",
           line(rows[0]),
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows[1:]]
    if targets:
        out += ["", "targets:"]
        out += [f"  [{'met' if met else 'MISSED'}] {row}: {text}" for row, text, met in targets]
    problems = []
    for r in results:
        if r.missing:
            problems.append(f"  {r.tool} {r.transport}: {r.missing}")
        for err in dict.fromkeys(r.summary.errors):     # distinct, in order
            problems.append(f"  {r.tool} {r.transport}: {err}")
    if problems:
        out += ["", "problems:"] + problems
    return "\n".join(out)


def as_json(meta, results, targets):
    best = best_peer_medians(results)
    items = []
    for r in results:
        item = {"row": r.row, "tool": r.tool, "transport": r.transport, "missing": r.missing,
                **asdict(r.summary)}
        peer = best.get((r.row, r.transport))
        ok = not r.missing and r.summary.ok
        item["ratio_to_best_peer"] = r.summary.median_ms / peer if ok and peer else None
        items.append(item)
    return {"meta": meta, "results": items,
            "targets": [{"row": row, "target": text, "met": met} for row, text, met in targets]}
