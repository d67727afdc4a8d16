"""Helpers for the rows' targets(summaries): the figures a target compares
and the rule that a target whose figures are missing is not met."""


def summary_of(summaries, row, tool, variant):
    """The Summary of one result when it has figures (not missing, never
    failed), else None."""
    s = summaries.get((row, tool, variant))
    return s if s is not None and s.ok else None


def summary_median(summaries, row, tool, variant):
    s = summary_of(summaries, row, tool, variant)
    return s.median if s else None


def check(text, *values, test):
    """A target as (text, met): never met when a figure it needs is None."""
    return (text, all(v is not None for v in values) and test(*values))
