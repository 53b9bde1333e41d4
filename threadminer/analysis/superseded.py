"""Superseded proposals: a newer version posted, in the thread or in another one.

`version_outcomes(...)` links series revisions (`revision_of`: the same change-id, or the same
author with a title in common or a link to the older revision) across the thread and the candidate
messages the caller found in other threads, and reports each revision as superseded by the
next one: on the old revision's cover letter (or its first patch when it has none; or the
one patch a partial re-roll replaces), citing the new revision's first message and its
Subject. A RESEND, or the same version posted again, supersedes too.

A patch the archive lacks, known from the replies to it (`proposals.missing_patches`), is
superseded by the first later revision with its title at a higher version, by its author
when the replies name him.

Diffs and code suggestions: a diff later posted by its author as a formal patch (touching
the same lines, in the same thread or linking to it) is superseded by that patch
(structured); a diff or suggestion replaced by its author's corrected one in a later reply
(the same lines changed again, in a diff not several times larger: one that grew into a larger
change builds on it) is superseded by it (prose). A patch whose author posts a
new version of it in a reply below it (the same lines changed again, "Re: [PATCH] ..." kept,
the reply calling itself a new version or signed off as a patch) is superseded by that
reply (prose).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Iterable, Mapping

from ..message import Message
from .proposals import Found, changed_lines
from .patch_text import patch_text
from .series import EPOCH, Series
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


# A diff is the same change as another when this much of the smaller one's changed lines
# are in the other.
CORRECTED_OVERLAP = 0.5
# A later diff with this many times the changed lines of an earlier one is a larger change
# built on it (a two-line hunk grown into a whole patch, an experiment extended to more
# files), not a corrected version of it: the earlier lines live on in it.
EXTENSION_RATIO = 3
# A renamed revision without a changelog or link is looked for this soon after the old one.
RENAMED_WINDOW = timedelta(days=30)
# Words around a link that call the linked posting an earlier version.
RE_PREVIOUS = re.compile(r"\b(?:previous|earlier|prior|older|last|first) (?:attempt|version|revision|posting|try|iteration|patch|series)|"
                         r"\bv\d+\b|\bversion \d|\bsupersed|\breplac", re.I)
# A reply that presents its diff as a new version of the patch it answers.
RE_NEW_VERSION = re.compile(r"^(?!>).*(?:\b[vV]\d+\b|\bversion \d|\bnew version\b|\bupdated (?:patch|version|diff)\b|"
                            r"\brevised (?:patch|version)\b|\brespin|\bre-?spun\b|\brefreshed (?:patch|version)\b|"
                            r"\bhere(?:'s| is) (?:an? |the )?(?:updated|new|revised|fixed|corrected)\b|^Signed-off-by:).*",
                            re.I | re.M)
# Postings that are not revisions of the series they copy: stable backports (AUTOSEL).
RE_NOT_A_REVISION = re.compile(r"^(?:autosel|stable|\d+\.\d+(?:\.y|-\d+\.\d+)?)$", re.I)


def _titles(s: Series) -> set[str]:
    out = {title_key(p.title) for p in s.patches if p.carried_from is None}
    if s.cover_message_id and not s.cover_carried:
        out.add(title_key(s.title))
    return {t for t in out if t}


def _messages_of(s: Series) -> set[str]:
    return {p.message_id for p in s.patches} | ({s.cover_message_id} if s.cover_message_id else set())


def _files(s: Series) -> set[str]:
    return {f.path for p in s.patches if p.carried_from is None for f in p.files}


def _link_says_previous(new: Series, old: Series, messages: Mapping[str, Message]) -> bool:
    """Does the new revision link to the old one in words that call it an earlier version
    ("My previous attempt ... can be found at <link>", "v1: <link>", "Link to v2: ...")?"""
    head = _head(new)
    msg = messages.get(head) if head else None
    if msg is None:
        return False
    for mid in _messages_of(old):
        at = msg.body.find(mid.split("@")[0])
        if at >= 0 and RE_PREVIOUS.search(msg.body[max(0, at - 200):at + len(mid) + 40]):
            return True
    return False


def revision_of(old: Series, new: Series, messages: Mapping[str, Message], weak: bool = False) -> str | None:
    """Why `new` is a later revision of `old` (None if it is not): the same change-id; the
    same author and a title in common, at the same or a higher version; the same author
    linking to the old revision, at a higher version or calling it an earlier one. `weak`:
    also the same author's next version touching the same files soon after (a series
    renamed without a changelog)."""
    if new.key == old.key or (new.date or EPOCH) < (old.date or EPOCH):
        return None
    if (new.date or EPOCH) == (old.date or EPOCH) and (new.version, new.round) <= (old.version, old.round):
        return None  # posted at the same instant: only a higher version or round is later
    if any(RE_NOT_A_REVISION.match(t) for t in new.tags):
        return None
    if old.change_id and old.change_id == new.change_id:
        return "change-id"
    if new.version < old.version or not same_address(old.author_email, new.author_email):
        return None
    if _titles(old) & _titles(new):
        return "subject"
    if set(new.linked_message_ids) & _messages_of(old):
        if new.version > old.version or _link_says_previous(new, old, messages):
            return "link"
    if weak and new.version == old.version + 1 and _files(old) & _files(new) \
            and (new.date or EPOCH) - (old.date or EPOCH) <= RENAMED_WINDOW:
        return "next version, same files"
    return None


def version_outcomes(found: list[Found], series: list[Series], other_series: list[Series],
                     messages: Mapping[str, Message], parent_of: Mapping[str, str | None],
                     others: Iterable[Message] = ()) -> tuple[list[Superseded], list[Found]]:
    """Superseded proposals (see the module docstring), and the proposals of other threads
    that this thread's revisions supersede (none: an older revision's fate belongs to its
    own thread). `other_series`: the series found in `others`, messages of other threads."""
    all_messages: dict[str, Message] = dict(messages)
    for m in others:
        all_messages.setdefault(m.message_id, m)
    by_mid = {f.message_id: f for f in found if f.quoted_in is None and f.kind in ("series", "patch")}
    out: list[Superseded] = []
    external: dict[str, Found] = {}
    revisions = sorted((s for s in series + other_series if _head(s)), key=lambda s: (s.date or EPOCH, s.key))
    for i, old in enumerate(revisions):
        new, why = None, None
        for weak in (False, True):
            for candidate in revisions[i + 1:]:
                why = revision_of(old, candidate, all_messages, weak)
                if why:
                    new = candidate
                    break
            if new is not None:
                break
        if new is None:
            continue
        old_mid, new_mid = _superseded_target(old, new), _head(new)
        if old_mid is None or new_mid is None or new_mid not in all_messages:
            continue
        proposal = by_mid.get(old_mid)
        if proposal is None:
            # The old revision is another thread's: its fate is told there (this thread
            # only holds the newer revision), as the labelled set counts it.
            continue
        msg = all_messages[new_mid]
        rule = "superseded.new-version" if new.version > old.version else "superseded.reposted"
        out.append(Superseded(proposal, msg, rule, True, f"version-chain ({why})", msg.subject))
    out.extend(_missing_outcomes(found, revisions, all_messages))
    out.extend(_diff_outcomes(found, series + other_series, messages, all_messages, parent_of))
    return out, list(external.values())


def _name_words(name: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", name.lower().split("@")[0]) if len(w) > 1}


def _same_name(a: str | None, b: str | None) -> bool:
    """One person named twice, as an attribution line and a From header may differ ("Dave
    Hansen", "Hansen, Dave", "dave.hansen@..."): the words of one are all in the other."""
    if not a or not b:
        return False
    wa, wb = _name_words(a), _name_words(b)
    return bool(wa) and bool(wb) and (wa <= wb or wb <= wa)


def _missing_outcomes(found: list[Found], revisions: list[Series], messages: Mapping[str, Message]) -> list[Superseded]:
    """Missing patches superseded by a later revision with their title (see the docstring)."""
    out = []
    for m in found:
        if not m.missing:
            continue
        since = m.date or m.first_reply or EPOCH
        key = title_key(m.title)
        for s in revisions:
            head = _head(s)
            if head is None or head not in messages or (s.date or EPOCH) <= since or s.version <= (m.version or 1):
                continue
            head_author = messages[head].author
            if key not in _titles(s) or (m.author and not (_same_name(m.author, head_author.name)
                                                            or _same_name(m.author, head_author.email))):
                continue
            msg = messages[head]
            out.append(Superseded(m, msg, "superseded.new-version", True, "version-chain (subject)", msg.subject))
            break
    return out


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """How much of the smaller set of changed lines the other holds."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _descends(messages: Mapping[str, Message], parent_of: Mapping[str, str | None], mid: str, ancestor: str) -> bool:
    seen = {mid}
    cur = parent_of.get(mid)
    while cur is not None and cur not in seen:
        if cur == ancestor:
            return True
        seen.add(cur)
        cur = parent_of.get(cur)
    return False


def _diff_outcomes(found: list[Found], series: list[Series], messages: Mapping[str, Message],
                   all_messages: Mapping[str, Message], parent_of: Mapping[str, str | None]) -> list[Superseded]:
    """A reply diff posted as a formal patch by its author (its lines are in the patch; the
    patch is in the thread, links to it, or came within RENAMED_WINDOW), or replaced by its
    author's corrected diff further down the same sub-thread (most of its lines again)."""
    out: list[Superseded] = []
    diffs = [f for f in found if f.kind in ("diff", "suggestion") and f.quoted_in is None and f.author_email
             and f.changed]
    thread_ids = set(messages)
    for d in diffs:
        posted = None
        for s in sorted(series, key=lambda s: s.date or EPOCH) if d.kind == "diff" else ():
            head = _head(s)
            if head is None or (s.date or EPOCH) <= (d.date or EPOCH):
                continue
            if not same_address(s.author_email, d.author_email or ""):
                continue
            if head not in thread_ids and not (set(s.linked_message_ids) & thread_ids) \
                    and (s.date or EPOCH) - (d.date or EPOCH) > RENAMED_WINDOW:
                continue  # in another thread, not linking here, long after
            lines = frozenset().union(*(changed_lines(patch_text(all_messages[p.message_id]) or "")
                                        for p in s.patches if p.message_id in all_messages))
            if _overlap(d.changed, lines) >= CORRECTED_OVERLAP:
                posted = s
                break
        if posted is not None:
            head = _head(posted)
            out.append(Superseded(d, all_messages[head], "superseded.diff-posted", True,
                                  "same author, same lines", all_messages[head].subject))
            continue
        for later in diffs:
            if later is d or (later.date or EPOCH) <= (d.date or EPOCH) or later.message_id == d.message_id:
                continue
            if not same_address(later.author_email or "", d.author_email or ""):
                continue
            if not _descends(messages, parent_of, later.message_id, d.message_id):
                continue
            if len(later.changed) >= EXTENSION_RATIO * len(d.changed):
                continue  # it grew into a larger change (EXTENSION_RATIO)
            if d.changed != later.changed and _overlap(d.changed, later.changed) >= CORRECTED_OVERLAP:
                msg = messages.get(later.message_id)
                if msg is not None:
                    out.append(Superseded(d, msg, "superseded.corrected-diff", False, "same author, same lines",
                                          later.title))
                break
    out.extend(_reply_versions(found, diffs, messages, parent_of))
    return out


def _reply_versions(found: list[Found], diffs: list[Found], messages: Mapping[str, Message],
                    parent_of: Mapping[str, str | None]) -> list[Superseded]:
    """A patch re-posted by its author as a diff in a reply below it (see the docstring)."""
    out = []
    for p in found:
        if p.kind != "patch" or p.quoted_in is not None or not p.author_email or p.message_id not in messages:
            continue
        mine = None
        for d in diffs:
            if d.kind != "diff" or (d.date or EPOCH) <= (p.date or EPOCH) or not same_address(d.author_email or "", p.author_email):
                continue
            if not _descends(messages, parent_of, d.message_id, p.message_id):
                continue
            if mine is None:
                mine = changed_lines(patch_text(messages[p.message_id]) or "")
            said = RE_NEW_VERSION.search(messages[d.message_id].body.split("\n---", 1)[0])
            if not said:
                continue  # a change proposed for discussion, not a new version
            if mine != d.changed and _overlap(mine, d.changed) >= CORRECTED_OVERLAP:
                reply = messages[d.message_id]
                line = said.group(0).strip()
                evidence = line if not line.lower().startswith("signed-off-by:") else reply.subject
                out.append(Superseded(p, reply, "superseded.reply-version", False, "same author, same lines",
                                      evidence))
                break
    return out
