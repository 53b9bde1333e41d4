"""Proposals and what became of them: the values of the `outcomes` analysis.

A proposal is a change someone put forward in the thread: a patch, a series revision, a diff
inside a reply, or a code suggestion that is not a diff. An outcome is what a later message
reports about it, in the contract's vocabulary, always with the verbatim evidence, the
message that carries it and the rule that recognised it.

(The analysis that finds them is built on these types; see CONTRACT.md's `outcomes` record.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Bump when the proposals or outcomes found change.
VERSION = 1

VERDICTS = ("works", "does-not-work", "regresses", "reviewed", "acked", "nacked", "changes-requested",
            "applied", "superseded", "build-failure")
KINDS = ("patch", "series", "diff", "suggestion")


@dataclass(frozen=True)
class Outcome:
    """One thing reported about a proposal."""

    verdict: str                 # one of VERDICTS
    by: str | None               # who said it (display name)
    by_email: str | None
    message_id: str              # the message that says it
    date: datetime | None
    evidence: str                # verbatim: the sentence or trailer line
    rule: str                    # which rule recognised it (see the lexicon)
    structured: bool             # a trailer, applied mail, bot report or new version; else prose
    traces: tuple[str, ...] = ()  # titles of crash reports the message attributes to the proposal
    link: str = ""               # how it was tied to the proposal: "quoted", "reply", "patch-link", ...
    superseded_by: str | None = None  # a newer version's Message-ID (verdict "superseded")


@dataclass(frozen=True)
class Proposal:
    """One proposed change and its outcomes, in date order."""

    id: str                      # "p1", "p2", ... in order of appearance in the thread
    kind: str                    # one of KINDS
    author: str | None
    author_email: str | None
    message_id: str
    date: datetime | None
    version: int | None
    title: str
    files: tuple[str, ...]
    outcomes: tuple[Outcome, ...] = ()
    series_message_ids: tuple[str, ...] = ()  # a series: its patches
    first_line: int | None = None  # a diff or suggestion inside a body: where it starts
    last_line: int | None = None
