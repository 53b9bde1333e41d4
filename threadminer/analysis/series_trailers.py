"""Trailers given in replies, collected for each patch of a series revision, as `b4 am`
adds them: those given to the patch, then to the same patch in another revision, then on
the cover letter within the scope the reviewer wrote; a trailer whose address is not its
sender's is flagged and left out. (The trailer lines themselves are read by `trailers`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

from .patch_text import patch_text
from .series import Series, ThreadIndex
from .trailers import Trailer, commit_trailers, given_by_sender, parse_trailers, trailer_scope

# Bump when what is collected changes (the trailer lines' own reading is trailers.VERSION).
VERSION = 1

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Collected:
    """A trailer given in a reply, and where it applies."""

    trailer: Trailer
    message_id: str  # the reply that gave it
    sender: str  # that reply's From, "Name <addr>"
    date: datetime | None
    target: str  # the patch or cover letter the reply answers (through other replies)
    via: str  # "reply" (to the patch), "cover" (to the cover letter), "earlier-version"
    scope: tuple[int, ...] | None = None  # counters a cover trailer is limited to
    mismatch: bool = False  # its address is not the sender's: b4 does not add it by default


@dataclass(frozen=True)
class PatchTrailers:
    """The trailers of one patch: its own, and those to add, in the order to write them."""

    message_id: str
    counter: int
    own: tuple[Trailer, ...]
    added: tuple[Collected, ...]


@dataclass(frozen=True)
class SeriesTrailers:
    """Trailers collected for a series revision."""

    patches: tuple[PatchTrailers, ...]
    cover: tuple[Collected, ...]  # given on the cover letter (applied to every patch in scope)
    flagged: tuple[Collected, ...]  # not added: the address differs from the sender's

    def for_patch(self, message_id: str) -> PatchTrailers | None:
        for p in self.patches:
            if p.message_id == message_id:
                return p
        return None


def received(index: ThreadIndex, target: str, via: str = "reply") -> list[Collected]:
    """Trailers given in replies to `target`, replies to those replies included, in the
    order the replies were posted. A reply that is itself a patch or a cover (a later
    revision sent in reply) ends the walk: its own replies are about it."""
    out: list[Collected] = []
    stack = list(reversed(index.children.get(target, [])))
    seen = {target}
    while stack:
        mid = stack.pop()
        if mid in seen or mid not in index.by_id:
            continue  # a ghost: b4 cannot tell what a missing message answered either
        seen.add(mid)
        if not index.is_followup(mid):
            continue
        msg = index.by_id[mid]
        sender = msg.author
        body = msg.body
        for trailer in parse_trailers(body, followup=True):
            scope = trailer_scope(body, trailer) if via == "cover" else None
            shown = f"{sender.name} <{sender.email}>" if sender.name and sender.email else sender.email or sender.name
            out.append(Collected(trailer, mid, shown, msg.date, target, via, scope,
                                 not given_by_sender(trailer, sender.name, sender.email)))
        stack.extend(reversed(index.children.get(mid, [])))
    out.sort(key=lambda c: (c.date or _EPOCH, c.message_id, c.trailer.line))
    return out


def collect(series: Series, index: ThreadIndex, others: Iterable[Series] = (),
            sloppy: bool = False) -> SeriesTrailers:
    """The trailers to add to each patch of `series`, in b4's order: those given in replies
    to the patch, then those given to an identical patch (same patch id) of another
    revision, then those given on the cover letter (within their scope). A trailer already
    on the patch, or already added, is not added again. A person trailer whose address is
    not its sender's is flagged and left out (with `sloppy`, added)."""
    cover_given = received(index, series.cover_message_id, "cover") if series.cover_message_id else []
    same_change: dict[str, list[str]] = {}
    for other in others:
        for p in other.patches:
            if p.carried_from is None:
                same_change.setdefault(p.patch_id, []).append(p.message_id)
    flagged: list[Collected] = []
    patches: list[PatchTrailers] = []
    for patch in series.patches:
        msg = index.by_id[patch.message_id]
        own = commit_trailers(_patch_body(msg))
        given = received(index, patch.message_id)
        if patch.carried_from is None:
            for mid in same_change.get(patch.patch_id, []):
                if mid != patch.message_id:
                    given += received(index, mid, "earlier-version")
        given += [c for c in cover_given if c.scope is None or patch.counter in c.scope]
        added: list[Collected] = []
        for c in given:
            if any(c.trailer.same_as(t) for t in own):
                continue  # already on the patch: not new, and not a mismatch
            if c.mismatch and not sloppy:
                if not any(c.trailer.same_as(f.trailer) and c.message_id == f.message_id for f in flagged):
                    flagged.append(c)
                continue
            if any(c.trailer.same_as(a.trailer) for a in added):
                continue
            added.append(c)
        patches.append(PatchTrailers(patch.message_id, patch.counter, own, tuple(added)))
    return SeriesTrailers(tuple(patches), tuple(cover_given), tuple(flagged))


def _patch_body(msg) -> str:
    """The text holding a patch mail's commit message: its body, or the attachment holding
    the patch when the body has none."""
    return patch_text(msg) or msg.body
