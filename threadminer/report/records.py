"""JSON records of thread summaries and timelines, and the timeline as CSV.

A summary record is complete on its own: the thread (as the `threads` record gives it), the
participants, every proposal with its outcomes (the contract's `outcomes` fields, plus
dates, addresses and archive links), the crashes, the open questions and the narrative with
its citations. Message-IDs are written without brackets, dates as ISO 8601 UTC.
"""

from __future__ import annotations

import csv
import io
from typing import Iterable

from ..analysis.crashes import Crash
from ..analysis.outcomes import Proposal
from ..analysis.participants import Participant
from ..analysis.questions import Question
from ..analysis.summary import ThreadSummary
from ..analysis.timeline import Event
from ..dates import iso
from ..threads import ThreadInfo
from .links import lore_url
from .outcome_records import proposal_record as contract_proposal_record
from .text import thread_record


def summary_record(summary: ThreadSummary, info: ThreadInfo, source: str | None) -> dict:
    record = thread_record(info, source)
    record["participants"] = [participant_record(p) for p in summary.participants]
    record.update({
        "url": lore_url(summary.root_message_id),
        "missing_message_ids": list(summary.missing),
        "proposals": [proposal_record(p) for p in summary.proposals],
        "crashes": [crash_record(c) for c in summary.crashes],
        "open_questions": [question_record(q) for q in summary.open_questions],
        "narrative": [{"text": s.text, "date": iso(s.date), "cites": list(s.cites),
                       "urls": [lore_url(m) for m in s.cites]} for s in summary.narrative],
    })
    return record


def participant_record(p: Participant) -> dict:
    return {"name": p.name, "email": p.email, "names": list(p.names), "messages": p.messages,
            "first_message_id": p.first_message_id, "first_date": iso(p.first_date), "last_date": iso(p.last_date),
            "roles": list(p.roles), "proposals": list(p.proposals), "same_name_as": list(p.same_name_as)}


def proposal_record(p: Proposal) -> dict:
    """The `outcomes` command's proposal record (CONTRACT.md's fields and the rest), with the
    archive link of each message."""
    record = contract_proposal_record(p)
    del record["thread"], record["source"]  # the summary record says both once
    record["url"] = lore_url(p.message_id)
    for out, outcome in zip(record["outcomes"], p.outcomes):
        out["url"] = lore_url(outcome.message_id)
    return record


def crash_record(c: Crash) -> dict:
    return {"title": c.title, "kind": c.kind, "titles": list(c.titles), "reported_in": c.reported_in,
            "url": lore_url(c.reported_in), "reported_by": c.reported_by, "date": iso(c.date),
            "quoted_only": c.quoted_only, "message_ids": list(c.message_ids), "authors": list(c.authors)}


def question_record(q: Question) -> dict:
    return {"message_id": q.message_id, "url": lore_url(q.message_id), "author": q.author,
            "author_email": q.author_email, "date": iso(q.date), "line": q.line, "text": q.text}


def event_record(e: Event, info: ThreadInfo, source: str | None) -> dict:
    return {"source": source, "thread_id": info.thread_id, "root_message_id": info.root_message_id,
            "date": iso(e.date), "kind": e.kind, "message_id": e.message_id, "url": lore_url(e.message_id),
            "who": e.who, "who_email": e.who_email, "text": e.text, "proposal": e.proposal, "verdict": e.verdict,
            "rule": e.rule}


CSV_FIELDS = ("date", "kind", "who", "who_email", "proposal", "verdict", "text", "message_id", "url",
              "root_message_id", "source")
# A spreadsheet runs a cell starting with one of these as a formula; mail may start with any.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Columns whose text comes from mail (a Message-ID may start with "-": git-send-email writes
# such ids, and a hostile one may be a formula).
FROM_MAIL = ("who", "who_email", "text", "message_id", "root_message_id")


def timeline_csv(records: Iterable[dict]) -> str:
    """Timeline records as CSV with a header row. A cell from mail that a spreadsheet would
    read as a formula is written with a leading apostrophe (the usual CSV-injection guard)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for record in records:
        row = []
        for field in CSV_FIELDS:
            value = "" if record.get(field) is None else str(record[field])
            if field in FROM_MAIL and value.startswith(FORMULA_START):
                value = "'" + value
            row.append(value)
        writer.writerow(row)
    return out.getvalue()
