"""Crash-report renderings: the `traces` JSON records and the signature table for the terminal."""

from __future__ import annotations

import io
import shutil
import sys

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..dates import iso
from ..analysis.traces import Occurrence, Signature

# The default width: the terminal's, found when rendering.
_TERMINAL = object()


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


def render_signatures(signatures: list[Signature], width: int | None | object = _TERMINAL) -> str:
    """One row per crash: signature, title, how often seen, by whom, and the first message.

    Nothing is ever cut: the full title is what people search syzbot and lore for. `width`
    None (output to a pipe or a file) gives aligned columns as wide as their cells; a width
    (a terminal's) wraps TITLE, WHO and MESSAGE-ID inside their columns to fit it. By default
    the width is the terminal's when standard output is one."""
    if not signatures:
        return "no crash reports found"
    if width is _TERMINAL:
        width = terminal_width()
    rows = [("SIGNATURE", "TITLE", "SEEN", "WHO", "MESSAGE-ID")]
    for sig in signatures:
        mids = sig.message_ids
        first = f"<{mids[0]}>" + (f" (+{len(mids) - 1})" if len(mids) > 1 else "")
        who = ", ".join(sig.authors) or "(unknown)"
        rows.append((sig.key, sig.title, str(len(sig.occurrences)), who, first))
    if width is None:
        return _aligned(rows)
    return _wrapped(rows, int(width))


def terminal_width() -> int | None:
    """The terminal's width when standard output is one, else None."""
    if not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size((100, 24)).columns


def _aligned(rows: list[tuple[str, ...]]) -> str:
    widths = [max(cell_len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell + " " * (width - cell_len(cell)) for cell, width in zip(row, widths)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _wrapped(rows: list[tuple[str, ...]], width: int) -> str:
    """The table laid out within `width` cells: long TITLE, WHO and MESSAGE-ID cells wrap
    (at spaces, or inside a word longer than its column), none is cut. The title gets the
    room the other two leave."""
    natural = [max(cell_len(row[i]) for row in rows) for i in range(len(rows[0]))]
    gap = 2
    fixed = natural[0] + natural[2] + gap * (len(natural) - 1)
    room = max(width - fixed, 52)
    # Each wrapping column first gets a small share, then the rest of the room goes to the
    # title, then to the Message-ID, then to the names, each up to what it needs.
    flexible = {1: 20, 4: 20, 3: 12}
    given = {i: min(natural[i], share) for i, share in flexible.items()}
    left = room - sum(given.values())
    for i in (1, 4, 3):
        extra = max(0, min(left, natural[i] - given[i]))
        given[i] += extra
        left -= extra
    title, who, mid = given[1], given[3], given[4]
    table = Table(box=None, show_header=True, header_style=None, pad_edge=False, padding=(0, gap, 0, 0),
                  show_edge=False)
    for name, column_width in zip(rows[0], (natural[0], title, natural[2], who, mid)):
        table.add_column(name, width=column_width, no_wrap=name in ("SIGNATURE", "SEEN"), overflow="fold")
    for row in rows[1:]:
        table.add_row(*(Text(cell) for cell in row))
    buffer = io.StringIO()
    console = Console(file=buffer, width=fixed + title + who + mid + gap, color_system=None, highlight=False,
                      emoji=False, markup=False, force_terminal=False, legacy_windows=False)
    console.print(table)
    return "\n".join(line.rstrip() for line in buffer.getvalue().rstrip("\n").split("\n"))
