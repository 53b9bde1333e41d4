"""A thread's dated events, in date order: what was posted, proposed, reported and decided.

Event kinds:
- `posted`: a message that starts the thread;
- `replied`: a reply to a message of the thread (or to one it references but lacks);
- `proposal`: a change put forward (patch, series revision, diff in a reply, code suggestion);
- `new version`: a newer version of a proposal (its `superseded` outcome);
- `outcome`: what a message reports about a proposal (works, does-not-work, reviewed, ...);
- `applied`: a maintainer's report that a proposal was applied;
- `crash reported`: the first report of a crash (see `crashes`).

Events of one message come in the order above; undated events come last.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

from ..message import Message
from .crashes import Crash
from .outcomes import Proposal
from .participants import Names, Participant

# Bump when events or their order change.
VERSION = 1

KINDS = ("posted", "replied", "proposal", "new version", "outcome", "applied", "crash reported")


@dataclass(frozen=True)
class Event:
    """One dated event of the thread."""

    date: datetime | None
    kind: str                     # one of KINDS
    message_id: str               # the message it happened in
    who: str | None
    who_email: str | None
    text: str                     # what happened, in a few words (subject, title, evidence, ...)
    proposal: str | None = None   # the proposal's id ("p1") for proposal, outcome, new version, applied
    verdict: str | None = None    # for outcome, applied, new version
    rule: str | None = None       # the outcome rule that fired


def timeline(messages: Iterable[Message], parents: Mapping[str, str | None], proposals: Iterable[Proposal] = (),
             crashes: Iterable[Crash] = (), participants: Iterable[Participant] = ()) -> tuple[Event, ...]:
    """The thread's events in date order. `parents`: each message's parent Message-ID in the
    thread tree (None for the root); `participants`: people are named as they show them."""
    msgs = {m.message_id: m for m in messages}
    names = Names(tuple(participants))
    events: list[Event] = []
    for mid, msg in msgs.items():
        parent_id = parents.get(mid)
        parent = msgs.get(parent_id or "")
        who, email = names(msg.author.display, msg.author.email, None), msg.author.email or None
        if parent_id is None:
            events.append(Event(msg.date, "posted", mid, who, email, msg.subject or "(no subject)"))
        elif parent is None:
            events.append(Event(msg.date, "replied", mid, who, email,
                                "replied to a message missing from the archive"))
        else:
            events.append(Event(msg.date, "replied", mid, who, email,
                                f"replied to {names(parent.author.display, parent.author.email, 'an unnamed sender')}"))
    for prop in proposals:
        version = f" v{prop.version}" if prop.version else ""
        events.append(Event(prop.date, "proposal", prop.message_id, names(prop.author, prop.author_email, None),
                            prop.author_email,
                            f"{prop.kind}{version}: {prop.title}", prop.id))
        for out in prop.outcomes:
            kind = {"superseded": "new version", "applied": "applied"}.get(out.verdict, "outcome")
            text = out.evidence if out.verdict != "superseded" or not out.superseded_by else \
                f"superseded by {out.superseded_by}"
            events.append(Event(out.date, kind, out.message_id, names(out.by, out.by_email, None), out.by_email, text, prop.id,
                                out.verdict, out.rule))
    for crash in crashes:
        events.append(Event(crash.date, "crash reported", crash.reported_in, names(crash.reported_by, None, None), None,
                            crash.title))
    order = {kind: i for i, kind in enumerate(KINDS)}
    events.sort(key=lambda e: (e.date is None, e.date.timestamp() if e.date else 0.0, e.message_id,
                               order[e.kind], e.proposal or ""))
    return tuple(events)
