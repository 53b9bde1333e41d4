"""Outcome renderings: the `outcomes` JSON record of CONTRACT.md and a readable text list."""

from __future__ import annotations

from typing import Iterable

from ..analysis.outcomes import Outcome, Proposal
from ..dates import iso
from .terminal import one_line


def outcome_record(outcome: Outcome) -> dict:
    """One outcome: the contract's fields, then how it was found."""
    return {"verdict": outcome.verdict, "by": outcome.by, "message_id": outcome.message_id,
            "date": iso(outcome.date), "evidence": outcome.evidence, "traces": list(outcome.traces),
            "by_email": outcome.by_email, "structured": outcome.structured, "rule": outcome.rule,
            "link": outcome.link, "superseded_by": outcome.superseded_by, "line": outcome.line,
            "quoted_in": outcome.quoted_in}


def proposal_record(proposal: Proposal, source: str | None = None, thread: str | None = None) -> dict:
    """One proposal with its outcomes, as the contract's `outcomes` object lists them."""
    return {"id": proposal.id, "kind": proposal.kind, "author": proposal.author,
            "message_id": proposal.message_id, "version": proposal.version, "title": proposal.title,
            "files": list(proposal.files), "outcomes": [outcome_record(o) for o in proposal.outcomes],
            "author_email": proposal.author_email, "date": iso(proposal.date),
            "series_message_ids": list(proposal.series_message_ids),
            "lines": [proposal.first_line, proposal.last_line] if proposal.first_line else None,
            "quoted_in": proposal.quoted_in, "in_thread": proposal.in_thread, "missing": proposal.missing,
            "thread": thread, "source": source}


def outcomes_object(threads: Iterable[tuple[str | None, str, tuple[Proposal, ...]]],
                    source: str | None = None) -> dict:
    """The `outcomes` JSON: one object, its proposals from every (source, thread root,
    proposals) given."""
    return {"source": source,
            "proposals": [proposal_record(p, src, root) for src, root, proposals in threads for p in proposals]}


def _when(date) -> str:
    return date.strftime("%Y-%m-%d") if date else "????-??-??"


def render_outcomes(threads: Iterable[tuple[str, str, tuple[Proposal, ...]]]) -> str:
    """Each thread's proposals, each followed by its outcomes with their evidence."""
    parts = []
    for root, subject, proposals in threads:
        lines = [f"thread <{root}>  {one_line(subject)}"]
        if not proposals:
            lines.append("  no proposals found")
        for p in proposals:
            version = f" v{p.version}" if p.version and p.version > 1 else ""
            where = (" (another thread)" if not p.in_thread else
                     " (not in the archive: known from the replies)" if p.missing else "")
            files = f"  [{', '.join(p.files[:4])}{', ...' if len(p.files) > 4 else ''}]" if p.files else ""
            lines.append(f"  {p.id} {p.kind}{version}{where}: {one_line(p.title)}{files}")
            lines.append(f"      by {p.author or '(unknown)'}, {_when(p.date)}, <{p.message_id}>")
            if not p.outcomes:
                lines.append("      (no outcome reported)")
            for o in p.outcomes:
                kind = "structured" if o.structured else "prose"
                lines.append(f"      - {o.verdict} by {o.by or '(unknown)'}, {_when(o.date)}, <{o.message_id}>"
                             f" [{o.rule}, {kind}, {o.link}]")
                lines.append(f"          \"{one_line(o.evidence)}\"")
                for title in o.traces:
                    lines.append(f"          crash: {title}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) if parts else "no threads"
