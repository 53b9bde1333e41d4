"""The summary of one thread: what it is, who took part, what was proposed and what became of
each proposal, the crashes reported, the questions left open, and a short narrative.

Every claim is tied to a Message-ID: proposals and outcomes carry theirs, and each sentence
of the narrative lists the messages it tells of (`Sentence.cites`, never empty). The
narrative is generated from those facts alone, in date order: the opening post, each
proposal, what was reported about it (a sentence per prose report; structured reports of one
kind grouped), crash reports not already told with an outcome, and how the thread ended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Iterable

from ..message import Message
from .crashes import Crash
from .outcomes import Outcome, Proposal
from .participants import Names, Participant
from .questions import Question

# Bump when the summary or its narrative changes.
VERSION = 2

# Beyond this many event sentences the narrative keeps the most telling ones (proposals,
# applied, prose reports, new versions, crashes) and points at the timeline for the rest.
MAX_SENTENCES = 16
EVIDENCE_CHARS = 160
RE_RFC = re.compile(r"\[[^\]]*\bRFC\b[^\]]*\]", re.I)

KIND_PHRASES = {"patch": "a patch", "series": "a patch series", "diff": "a diff", "suggestion": "a code suggestion"}
VERDICT_PHRASES = {
    "works": "reported that {p} works",
    "does-not-work": "reported that {p} does not work",
    "regresses": "reported that {p} causes a regression",
    "reviewed": "gave {p} a Reviewed-by",
    "acked": "acked {p}",
    "nacked": "NAKed {p}",
    "changes-requested": "asked for changes to {p}",
    "applied": "reported {p} applied",
    "superseded": "superseded {p} with a new version",
    "build-failure": "reported that {p} fails to build",
}
# Which sentences stay when the narrative must be cut (lower is kept first).
PRIORITY = {"proposal": 0, "applied": 0, "superseded": 1, "does-not-work": 1, "regresses": 1, "works": 1,
            "nacked": 1, "build-failure": 2, "changes-requested": 2, "crash": 3, "reviewed": 4, "acked": 4}


@dataclass(frozen=True)
class Sentence:
    """One sentence of the narrative and the messages it tells of."""

    text: str
    cites: tuple[str, ...]
    date: datetime | None


@dataclass(frozen=True)
class ThreadSummary:
    subject: str
    root_message_id: str
    first_date: datetime | None
    last_date: datetime | None
    messages: int
    missing: tuple[str, ...]             # Message-IDs referenced by the thread but not in the archive
    participants: tuple[Participant, ...]
    proposals: tuple[Proposal, ...]
    crashes: tuple[Crash, ...]
    open_questions: tuple[Question, ...]
    narrative: tuple[Sentence, ...]


def day(date: datetime | None) -> str:
    """"14 Oct 2022" (dates are UTC), or "an unknown date"."""
    return f"{date.day} {date:%b %Y}" if date else "an unknown date"


def shorten(text: str, limit: int = EVIDENCE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def summarize(messages: Iterable[Message], root_message_id: str, missing: Iterable[str],
              participants: Iterable[Participant], proposals: Iterable[Proposal], crashes: Iterable[Crash],
              questions: Iterable[Question]) -> ThreadSummary:
    msgs = sorted(messages, key=lambda m: (m.date is None, m.date.timestamp() if m.date else 0.0, m.message_id))
    by_id = {m.message_id: m for m in msgs}
    root = by_id.get(root_message_id) or (msgs[0] if msgs else None)
    dates = [m.date for m in msgs if m.date]
    participants = tuple(participants)
    names = Names(participants)
    # Everyone is shown by the name the participant list gives them.
    proposals = tuple(replace(p, author=names(p.author, p.author_email, None),
                              outcomes=tuple(replace(o, by=names(o.by, o.by_email, None)) for o in p.outcomes))
                      for p in proposals)
    crashes = tuple(replace(c, reported_by=names(c.reported_by, None, None)) for c in crashes)
    questions = tuple(replace(q, author=names(q.author, q.author_email, None)) for q in questions)
    return ThreadSummary(
        subject=root.subject if root else "", root_message_id=root_message_id,
        first_date=min(dates) if dates else None, last_date=max(dates) if dates else None, messages=len(msgs),
        missing=tuple(missing), participants=participants, proposals=proposals, crashes=crashes,
        open_questions=tuple(q for q in questions if q.open),
        narrative=narrative(msgs, root, proposals, crashes, names))


# --- the narrative -------------------------------------------------------------------------

def narrative(msgs: list[Message], root: Message | None, proposals: tuple[Proposal, ...],
              crashes: tuple[Crash, ...], names: Names) -> tuple[Sentence, ...]:
    if root is None:
        return ()
    # A series is told as one proposal: its patches are named in its sentence, and what is
    # reported about them is grouped with it.
    series_of = {mid: prop for prop in proposals if prop.kind == "series" for mid in prop.series_message_ids}
    members: dict[str, list[Proposal]] = {}
    for prop in proposals:
        owner = series_of.get(prop.message_id)
        if owner is not None and owner is not prop:
            members.setdefault(owner.id, []).append(prop)
    folded = {p.id for group in members.values() for p in group}
    root_proposal = next((p for p in proposals if p.message_id == root.message_id), None)
    events: list[tuple[int, Sentence]] = []
    opening = _opening(root, root_proposal, names, members.get(root_proposal.id, []) if root_proposal else [])
    for prop in proposals:
        if prop is not root_proposal and prop.id not in folded:
            events.append((PRIORITY["proposal"], _proposed(prop, names, members.get(prop.id, []))))
    events.extend(_outcomes(proposals, series_of, names))
    told = {t for prop in proposals for out in prop.outcomes for t in out.traces}
    events.extend((PRIORITY["crash"], s) for s in _crashes([c for c in crashes if c.title not in told], names))
    events.sort(key=lambda e: _order(e[1]))
    cut = 0
    if len(events) > MAX_SENTENCES:
        keep = sorted(range(len(events)), key=lambda i: (events[i][0], i))[:MAX_SENTENCES]
        cut = len(events) - MAX_SENTENCES
        events = [events[i] for i in sorted(keep)]
    return (opening, *(s for _, s in events), _closing(msgs, proposals, cut, names))


def _order(sentence: Sentence) -> tuple:
    return (sentence.date is None, sentence.date.timestamp() if sentence.date else 0.0)


def _opening(root: Message, prop: Proposal | None, names: Names, patches: list[Proposal]) -> Sentence:
    who = names(root.author.display, root.author.email, "An unnamed sender")
    subject = f"\u201c{shorten(root.subject or '(no subject)', 120)}\u201d"
    if prop is not None:
        what = KIND_PHRASES.get(prop.kind, "a change")
        if RE_RFC.search(root.subject or ""):
            what = "an RFC " + what.split(" ", 1)[1]
        if prop.version and prop.version > 1:
            what = f"version {prop.version} of {what}"
        text = f"On {day(root.date)}, {who} opened the thread with {what}, {prop.id}: {subject}{_contents(prop, patches)}."
    else:
        text = f"On {day(root.date)}, {who} opened the thread {subject}."
    return Sentence(text, (root.message_id,), root.date)


def _contents(prop: Proposal, patches: list[Proposal]) -> str:
    """", 35 patches (p2-p36), touching a, b, c and 78 more files"."""
    out = ""
    if patches:
        out += f", {len(patches)} patch{'es' if len(patches) > 1 else ''} ({_ids([p.id for p in patches])})"
    if prop.files:
        out += f", touching {_files(prop.files)}"
    return out


def _ids(ids: list[str]) -> str:
    """"p2-p36" for a run of consecutive proposal ids, else "p2, p5 and p9"."""
    numbers = [int(i[1:]) for i in ids if i[1:].isdigit()]
    if len(numbers) == len(ids) > 2 and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
        return f"{ids[0]}\u2013{ids[-1]}"
    return _and(ids) if len(ids) <= 6 else ", ".join(ids[:5]) + f" and {len(ids) - 5} more"


def _files(files: tuple[str, ...]) -> str:
    return ", ".join(files[:3]) + (f" and {len(files) - 3} more files" if len(files) > 3 else "")


def _proposed(prop: Proposal, names: Names, patches: list[Proposal]) -> Sentence:
    who = names(prop.author, prop.author_email)
    what = f"version {prop.version} of " if prop.version and prop.version > 1 else ""
    where = "" if prop.in_thread else " in another thread"
    if prop.quoted_in:
        where += " (in a message missing from the archive, known from a quote)"
    text = (f"On {day(prop.date)}, {who} proposed {what}{KIND_PHRASES.get(prop.kind, 'a change')} "
            f"{prop.id}{where}, \u201c{shorten(prop.title, 90)}\u201d{_contents(prop, patches)}")
    cites = (prop.message_id,) + ((prop.quoted_in,) if prop.quoted_in else ())
    return Sentence(_end(text), cites, prop.date)


def _outcomes(proposals: tuple[Proposal, ...], series_of: dict[str, Proposal],
              names: Names) -> list[tuple[int, Sentence]]:
    """A sentence per prose outcome, per applied report and per new version; structured
    verdicts of one kind (Reviewed-by, Acked-by, ...) on one proposal, or on the patches of
    one series, grouped into one sentence."""
    out: list[tuple[int, Sentence]] = []
    grouped: dict[tuple[str, str], list[tuple[Proposal, Outcome]]] = {}
    for prop in proposals:
        owner = series_of.get(prop.message_id, prop)
        for outcome in prop.outcomes:
            if outcome.structured and outcome.verdict in ("reviewed", "acked", "works", "build-failure"):
                grouped.setdefault((owner.id, outcome.verdict), []).append((prop, outcome))
            else:
                out.append((PRIORITY.get(outcome.verdict, 2), _told([(prop, outcome)], names, series_of)))
    for (_, verdict), group in grouped.items():
        group.sort(key=lambda pair: _order(Sentence("", (), pair[1].date)))
        out.append((PRIORITY.get(verdict, 2), _told(group, names, series_of)))
    return out


def _target(props: list[Proposal], series_of: dict[str, Proposal]) -> str:
    """How a sentence names what outcomes are about: "patch p14", "patches p2, p3 and p5 of
    series p1", "12 patches of series p1"."""
    ids = sorted(dict.fromkeys(p.id for p in props), key=lambda i: (len(i), i))
    if len(ids) == 1:
        return f"{props[0].kind} {ids[0]}"
    owner = series_of.get(props[0].message_id)
    of = f" of series {owner.id}" if owner is not None else ""
    return (f"{len(ids)} patches{of}" if len(ids) > 6 else f"patches {_ids(ids)}{of}").replace(
        "patches", "proposals" if any(p.kind != "patch" for p in props) else "patches", 1)


def _told(group: list[tuple[Proposal, Outcome]], names: Names, series_of: dict[str, Proposal]) -> Sentence:
    first = group[0][1]
    outcomes = [o for _, o in group]
    who = _and(list(dict.fromkeys(names(o.by, o.by_email) for o in outcomes)))
    action = VERDICT_PHRASES.get(first.verdict, "reported on {p}").format(p=_target([p for p, _ in group], series_of))
    text = f"{_when([o.date for o in outcomes])}, {who} {action}"
    if first.verdict == "superseded" and first.superseded_by:
        text += f" (<{first.superseded_by}>)"
    elif len(group) == 1 and first.evidence:
        text += f": \u201c{shorten(first.evidence)}\u201d"
    if first.traces:
        text += f", with the crash reports {', '.join(first.traces)}"
    cites = tuple(dict.fromkeys(o.message_id for o in outcomes))
    return Sentence(_end(text), cites, first.date)


def _when(dates: list[datetime | None]) -> str:
    """"On 4 Apr 2023", or "Between 4 Apr 2023 and 6 Apr 2023" for a group."""
    known = sorted(d for d in dates if d)
    if len(known) > 1 and day(known[0]) != day(known[-1]):
        return f"Between {day(known[0])} and {day(known[-1])}"
    return f"On {day(known[0] if known else None)}"


def _end(text: str) -> str:
    """A sentence's full stop, unless a quotation already ends in one."""
    if re.search(r"[.!?\u2026]\u201d$", text):
        return text
    return text.rstrip(".") + "."


def _crashes(crashes: list[Crash], names: Names) -> list[Sentence]:
    """One sentence per message that reported crashes."""
    by_message: dict[str, list[Crash]] = {}
    for crash in crashes:
        by_message.setdefault(crash.reported_in, []).append(crash)
    out = []
    for mid, group in by_message.items():
        first = group[0]
        titles = ", ".join(f"\u201c{c.title}\u201d" for c in group)
        noun = "a crash" if len(group) == 1 else f"{len(group)} crashes"
        where = " (in a message missing from the archive, known from quotes)" if first.quoted_only else ""
        out.append(Sentence(f"On {day(first.date)}, {names(first.reported_by)} reported {noun}: {titles}{where}.",
                            (mid,), first.date))
    return out


def _closing(msgs: list[Message], proposals: tuple[Proposal, ...], cut: int, names: Names) -> Sentence:
    last = max((m for m in msgs if m.date), key=lambda m: m.date, default=msgs[-1])
    applied = [p.id for p in proposals if any(o.verdict == "applied" for o in p.outcomes)]
    state = (f"{_and(applied)} {'was' if len(applied) == 1 else 'were'} reported applied" if applied
             else "no proposal was reported applied" if proposals else "no change was proposed")
    more = (f"; {cut} further event{'s are' if cut > 1 else ' is'} in the timeline") if cut else ""
    who = names(last.author.display, last.author.email, "an unnamed sender")
    return Sentence(f"The last message came from {who} on {day(last.date)}; {state}{more}.",
                    (last.message_id,), last.date)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"
