"""Superseded proposals: a newer version posted, in the thread or in another one.

`version_outcomes(...)` links series revisions (`series.link_versions`: change-id, links
between revisions, same author and title, changelogs) across the thread and the candidate
messages the caller found in other threads, and reports each revision as superseded by the
next one: on the old revision's cover letter (or its first patch when it has none; or the
one patch a partial re-roll replaces), citing the new revision's first message and its
Subject. A RESEND, or the same version posted again, supersedes too.

Diffs: a diff in a reply later posted by its author as a formal patch (touching the same
files, in the same thread or linking to it) is superseded by that patch (structured); a diff
replaced by its author's corrected diff in a later reply (the same lines changed again) is
superseded by it (prose).
"""

from __future__ import annotations

from typing import Iterable, Mapping

from ..message import Message
from .proposals import Found
from .series import EPOCH, Series, link_versions
from .subjects import title_key
from .trailers import same_address


class Superseded:
    """One superseded proposal: the proposal, and what supersedes it."""

    def __init__(self, proposal: Found, message: Message, rule: str, structured: bool, link: str, evidence: str):
        self.proposal = proposal
        self.message = message
        self.rule = rule
        self.structured = structured
        self.link = link
        self.evidence = evidence


def _head(s: Series) -> str | None:
    if s.cover_message_id and not s.cover_carried:
        return s.cover_message_id
    fresh = [p for p in s.patches if p.carried_from is None]
    return fresh[0].message_id if fresh else (s.patches[0].message_id if s.patches else None)


def _author(msg: Message) -> tuple[str | None, str | None]:
    return msg.author.name or msg.author.email or None, msg.author.email or None


def _external(s: Series, messages: Mapping[str, Message], patch_mid: str | None = None) -> Found | None:
    mid = patch_mid or _head(s)
    if mid is None or mid not in messages:
        return None
    msg = messages[mid]
    name, email = _author(msg)
    if patch_mid is None and s.cover_message_id == mid:
        return Found("series", mid, name, email, msg.date, s.title, s.version,
                     tuple(dict.fromkeys(f.path for p in s.patches for f in p.files)),
                     tuple(p.message_id for p in s.patches), counter=0, series_key=s.key, in_thread=False)
    patch = next((p for p in s.patches if p.message_id == mid), None)
    return Found("patch", mid, name, email, msg.date, patch.title if patch else s.title, s.version,
                 tuple(f.path for f in patch.files) if patch else (), counter=patch.counter if patch else 1,
                 series_key=s.key, in_thread=False)


def _superseded_target(old: Series, new: Series) -> str | None:
    """The Message-ID of the old revision's proposal the new one replaces."""
    fresh = [p for p in new.patches if p.carried_from is None]
    old_patches = list(old.patches)
    if new.partial_reroll or (fresh and len(fresh) < len(old_patches) and not new.cover_message_id):
        # A re-roll of some patches: the old patch with the same title, else the same counter.
        for p in fresh:
            same = [o for o in old_patches if title_key(o.title) == title_key(p.title)]
            same = same or [o for o in old_patches if o.counter == p.counter]
            if same:
                return same[0].message_id
    if old.cover_message_id and not old.cover_carried:
        return old.cover_message_id
    return old_patches[0].message_id if old_patches else None


def version_outcomes(found: list[Found], series: list[Series], other_series: list[Series],
                     messages: Mapping[str, Message], others: Iterable[Message] = (),
                     ) -> tuple[list[Superseded], list[Found]]:
    """Superseded proposals (see the module docstring), and the proposals of other threads
    that this thread's revisions supersede (to be shown beside the thread's own).
    `other_series`: the series found in `others`, messages of other threads."""
    all_messages: dict[str, Message] = dict(messages)
    for m in others:
        all_messages.setdefault(m.message_id, m)
    by_mid = {f.message_id: f for f in found if f.quoted_in is None and f.kind in ("series", "patch")}
    out: list[Superseded] = []
    external: dict[str, Found] = {}
    for chain in link_versions(series + other_series):
        revs = [s for s in chain.series if _head(s)]
        for old, new in zip(revs, revs[1:]):
            old_mid, new_mid = _superseded_target(old, new), _head(new)
            if old_mid is None or new_mid is None or new_mid not in all_messages:
                continue
            if old_mid not in messages and new_mid not in messages:
                continue  # neither revision is in this thread
            if (new.date or EPOCH) < (old.date or EPOCH):
                continue
            proposal = by_mid.get(old_mid)
            if proposal is None:
                if old_mid in messages:
                    continue
                proposal = external.get(old_mid) or _external(old, all_messages,
                                                                old_mid if old_mid != _head(old) else None)
                if proposal is None:
                    continue
                external[old_mid] = proposal
            msg = all_messages[new_mid]
            rule = "superseded.new-version" if new.version > old.version else "superseded.reposted"
            link = "version-chain" + (f" ({', '.join(chain.evidence)})" if chain.evidence else "")
            out.append(Superseded(proposal, msg, rule, True, link, msg.subject))
    out.extend(_diff_outcomes(found, series + other_series, messages, all_messages))
    return out, list(external.values())


def _diff_outcomes(found: list[Found], series: list[Series], messages: Mapping[str, Message],
                   all_messages: Mapping[str, Message]) -> list[Superseded]:
    out: list[Superseded] = []
    diffs = [f for f in found if f.kind == "diff" and f.quoted_in is None and f.author_email]
    thread_ids = set(messages)
    for d in diffs:
        # Posted as a formal patch by its author.
        posted = None
        for s in sorted(series, key=lambda s: s.date or EPOCH):
            head = _head(s)
            if head is None or (s.date or EPOCH) <= (d.date or EPOCH):
                continue
            if not same_address(s.author_email, d.author_email or ""):
                continue
            files = {f.path for p in s.patches for f in p.files}
            if d.files and not files & set(d.files):
                continue
            if head not in thread_ids and not (set(s.linked_message_ids) & thread_ids):
                continue
            posted = s
            break
        if posted is not None:
            head = _head(posted)
            out.append(Superseded(d, all_messages[head], "superseded.diff-posted", True,
                                  "same author, same files", all_messages[head].subject))
            continue
        # Replaced by its author's corrected diff in a later reply.
        for later in diffs:
            if later is d or (later.date or EPOCH) <= (d.date or EPOCH):
                continue
            if not same_address(later.author_email or "", d.author_email or ""):
                continue
            if d.files and later.files and not set(d.files) & set(later.files):
                continue
            if d.changed and later.changed and d.changed & later.changed and d.changed != later.changed:
                msg = messages.get(later.message_id)
                if msg is not None:
                    out.append(Superseded(d, msg, "superseded.corrected-diff", False, "same author, same lines",
                                          later.title))
                break
    return out
