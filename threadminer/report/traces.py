"""Crash-report renderings: the `traces` JSON records and the signature table for the terminal."""

from __future__ import annotations

from ..dates import iso
from ..analysis.traces import Occurrence, Signature


def trace_record(occurrence: Occurrence, signature: str) -> dict:
    """One report as CONTRACT.md's `traces` record, plus what else is known of it."""
    report = occurrence.report
    return {"source": occurrence.source, "message_id": occurrence.message_id, "voice": occurrence.voice,
            "depth": report.depth, "author": occurrence.author, "date": iso(occurrence.date),
            "title": report.title, "kind": report.kind, "alt_titles": list(report.alt_titles),
            "signature": signature, "frames": [frame.as_json() for frame in report.frames],
            "kernel": report.kernel, "taint": report.taint, "hardware": report.hardware, "cpu": report.cpu,
            "pid": report.pid, "comm": report.comm, "rip": report.rip, "first_timestamp": report.first_timestamp,
            "corrupted": report.corrupted, "lines": [report.first_line, report.last_line]}


def trace_records(signatures: list[Signature]) -> list[dict]:
    """Every occurrence as a `traces` record, in the order the messages were read."""
    records = [(occ, sig.key) for sig in signatures for occ in sig.occurrences]
    order = {id(occ): n for n, occ in enumerate(o for sig in signatures for o in sig.occurrences)}
    return [trace_record(occ, key) for occ, key in sorted(records, key=lambda pair: order[id(pair[0])])]


def render_signatures(signatures: list[Signature]) -> str:
    """One row per crash: signature, title, how often seen, by whom, and the first message."""
    if not signatures:
        return "no crash reports found"
    rows = [("SIGNATURE", "TITLE", "SEEN", "WHO", "MESSAGE-ID")]
    for sig in signatures:
        mids = sig.message_ids
        first = f"<{mids[0]}>" + (f" (+{len(mids) - 1})" if len(mids) > 1 else "")
        who = ", ".join(sig.authors) or "(unknown)"
        rows.append((sig.key, sig.title, str(len(sig.occurrences)), who, first))
    widths = [min(max(len(row[i]) for row in rows), cap) for i, cap in enumerate((12, 70, 4, 30, 200))]
    lines = []
    for row in rows:
        cells = [_cut(cell, width).ljust(width) for cell, width in zip(row, widths)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"
