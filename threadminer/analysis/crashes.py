"""A thread's crashes as its story tells them: each crash signature with who reported it
first, in which message and when.

The first report of a crash is its first occurrence written in a message's own voice. A
crash known only from quotes (reported in a message the archive lacks, as Dave Chinner's RCU
stall of 18 Oct 2022 in the seed thread) is reported in the message the quoting voice comes
from, with that voice's author and date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

from .quotes import QuoteTree
from .traces import Occurrence, Signature

# Bump when the crashes' reporters or dates change.
VERSION = 1


@dataclass(frozen=True)
class Crash:
    """One crash signature of the thread."""

    title: str
    kind: str
    titles: tuple[str, ...]          # every title it is known by
    reported_in: str                 # Message-ID of the message that reported it (maybe missing)
    reported_by: str | None
    date: datetime | None
    quoted_only: bool                # seen only inside quotes in the archive
    message_ids: tuple[str, ...]     # every message of the archive that holds it
    authors: tuple[str, ...]
    first_line: int | None = None    # where it starts in `reported_in`'s body, when that is held
    last_line: int | None = None


def crashes(signatures: Iterable[Signature], trees: Mapping[str, QuoteTree]) -> tuple[Crash, ...]:
    """The crashes of `signatures` (from `traces.signatures`), in the order of their first
    report's date. `trees`: quote trees by Message-ID, to follow a quoted report to its source."""
    out = []
    for sig in signatures:
        own = [o for o in sig.occurrences if o.voice == 0]
        first = min(own, key=_when) if own else min(sig.occurrences, key=_when)
        reported_in, line_span = first.message_id, (first.report.first_line, first.report.last_line)
        if first.voice not in (0, None):
            tree = trees.get(first.message_id)
            voices = tree.voices if tree is not None else ()
            source = voices[first.voice].source_message_id if first.voice < len(voices) else None
            if source:
                reported_in, line_span = source, (None, None)
        out.append(Crash(sig.title, sig.kind, sig.titles, reported_in, first.author, first.date, not own,
                         sig.message_ids, sig.authors, *line_span))
    out.sort(key=lambda c: (c.date is None, c.date.timestamp() if c.date else 0.0))
    return tuple(out)


def _when(occ: Occurrence) -> tuple:
    return (occ.date is None, occ.date.timestamp() if occ.date else 0.0)
