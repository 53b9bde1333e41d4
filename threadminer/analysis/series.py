"""Patch series in a thread: covers, patches 1..N, versions, rounds, partial re-rolls.

`find_series(messages, parent_of)` reads the messages of one thread and returns every
series revision posted in it, the way `b4 am` and Patchwork see them:

- a *patch* is a message that is not a reply and carries its own (unquoted) diff; a reply
  that carries a diff is a follow-up (a suggestion), not a member of a series;
- a *cover letter* is a `0/N` message, or, when a series has none, the message its first
  patch answers if that one has no diff and either shows a diffstat or is a thread root
  written by the patch's author (b4's "naked cover"; a bug report somebody else wrote is
  not a cover);
- patches group by version; a patch without `vN` takes the version of the cover or patch
  it answers (`[PATCH 1/4]` under `[PATCH v3 0/4]`);
- the same version sent again in the thread (a RESEND, an unlabeled second round, an RFC
  and then a PATCH) is a new *round*: a patch whose slot is taken starts one;
- an unnumbered patch posted inside a numbered series is a series of its own (Patchwork);
- a partial re-roll (`[PATCH v3 2/2]` sent as a reply to `[PATCH v2 2/2]`) takes the other
  patches, and the cover, from the revision before it, as b4 does; a replacement numbered
  by hand that answers the earlier patch with its title but another n fills that patch's
  slot (`ThreadIndex.counter`).

Across threads: `versions.py` (revisions linked, the revision to export); pull requests:
`pulls.py`. Whether a message carries a patch is decided by `patch_text.patch_files` alone
(an interim check until `analysis/diffs.py` lands; swap it there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, Mapping
from urllib.parse import unquote

from ..message import Message
from .patch_text import RE_DIFF_HEADER, RE_DIFFSTAT, PatchFile, patch_files, patch_id, patch_text
from .subjects import SubjectInfo, parse_subject, title_key
from .trailers import parse_trailers

VERSION = 2

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# A cover and its patches go out in one `git send-email` run; a cover that answers nothing
# is matched only with patches sent this close to it.
COVER_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Patch:
    """One patch of a series revision."""

    message_id: str
    counter: int  # its place in the series (1 for a patch sent without n/N)
    subject: str  # the Subject as sent
    title: str  # the subject without prefixes
    author: str  # "Name <addr>"
    author_email: str
    date: datetime | None
    version: int  # the version of the message itself
    files: tuple[PatchFile, ...]
    patch_id: str  # equal for the same change (whitespace, line numbers and file order aside)
    carried_from: int | None = None  # a partial re-roll reuses this patch of that version


@dataclass(frozen=True)
class Series:
    """One revision of a series as posted (one round of it, when a version was sent twice)."""

    root_message_id: str  # root of the thread it was found in
    version: int
    version_label: str  # "3", "5.1"
    version_explicit: bool  # the subjects say vN (else v1 is assumed)
    round: int  # 0; 1, 2... for later rounds of the same version in the thread
    expected: int  # the N of n/N (1 for a single patch)
    cover_message_id: str | None
    title: str  # the cover's subject without prefixes, else the first patch's
    author: str
    author_email: str
    date: datetime | None  # the first message of the revision
    patches: tuple[Patch, ...]  # by counter; carried patches included
    missing: tuple[int, ...]  # counters 1..expected not in the archive
    rfc: bool = False
    resend: bool = False
    tags: tuple[str, ...] = ()
    change_id: str | None = None
    base_commit: str | None = None
    linked_message_ids: tuple[str, ...] = ()  # Message-IDs the cover and patches link to
    version_links: tuple[str, ...] = ()  # those linked on a line naming a version ("Link to v1:")
    changelog_versions: tuple[int, ...] = ()  # earlier versions a changelog names
    partial_reroll: bool = False
    cover_carried: bool = False  # the cover is the previous revision's (partial re-roll)
    extra: tuple[Patch, ...] = ()  # patches posted twice in this round (kept out of `patches`)

    @property
    def complete(self) -> bool:
        return bool(self.patches) and not self.missing

    @property
    def key(self) -> tuple[str, str, int]:
        """Unique among the series of a thread (v5 and v5.1 differ by label)."""
        return (self.root_message_id, self.version_label, self.round)


# --- the messages of a thread ------------------------------------------------------------

class ThreadIndex:
    """The messages of a thread (or of several) with their parents and children.

    `parent_of` maps a Message-ID to its parent's Message-ID (which may be a ghost: a
    referenced message that is not in the archive); without it, In-Reply-To (else the last
    Reference) is the parent, as b4 reads a thread.
    """

    def __init__(self, messages: Iterable[Message], parent_of: Mapping[str, str | None] | None = None):
        self.by_id: dict[str, Message] = {}
        for msg in messages:
            self.by_id.setdefault(msg.message_id, msg)
        self.parent: dict[str, str | None] = {}
        for mid, msg in self.by_id.items():
            if parent_of is not None and mid in parent_of:
                self.parent[mid] = parent_of[mid]
            else:
                ids = msg.parent_ids
                self.parent[mid] = ids[0] if ids else None
        self.children: dict[str, list[str]] = {}
        for mid, parent in self.parent.items():
            if parent is not None and parent != mid:
                self.children.setdefault(parent, []).append(mid)
        for kids in self.children.values():
            kids.sort(key=lambda k: (self.date(k), k))
        self._info: dict[str, SubjectInfo] = {}
        self._files: dict[str, tuple[PatchFile, ...] | None] = {}
        self._followup: dict[str, bool] = {}
        self._counter: dict[str, int | None] = {}

    def date(self, mid: str) -> datetime:
        msg = self.by_id.get(mid)
        return msg.date if msg is not None and msg.date is not None else EPOCH

    def ordered(self) -> list[Message]:
        """The messages by date (then Message-ID): the order they were posted."""
        return sorted(self.by_id.values(), key=lambda m: (m.date or EPOCH, m.message_id))

    def info(self, mid: str) -> SubjectInfo:
        if mid not in self._info:
            self._info[mid] = parse_subject(self.by_id[mid].subject)
        return self._info[mid]

    def files(self, mid: str) -> tuple[PatchFile, ...] | None:
        """The files of the message's own patch; None when it carries none."""
        if mid not in self._files:
            self._files[mid] = patch_files(self.by_id[mid])
        return self._files[mid]

    def is_followup(self, mid: str) -> bool:
        """A reply: "Re:"/"Fwd:" subject, or (b4's rule for replies without "Re:") a message
        that answers another, carries no patch and gives trailers."""
        if mid not in self._followup:
            msg = self.by_id[mid]
            info = self.info(mid)
            value = info.reply or info.forward
            if not value and (msg.in_reply_to or msg.references) and self.files(mid) is None \
                    and info.counter != 0 and parse_trailers(msg.body, followup=True):
                value = True
            self._followup[mid] = value
        return self._followup[mid]

    def is_patch(self, mid: str) -> bool:
        return not self.is_followup(mid) and self.files(mid) is not None

    def counter(self, mid: str) -> int | None:
        """The slot a patch fills: the n of its n/N, except for a replacement numbered by
        hand. A patch of a later version sent in reply to (a reply to) its author's patch of
        an earlier version, with that patch's title but another n, replaces that patch: the
        n is a slip ("[PATCH v3.5 25/28] kprobes: ..." sent under "[PATCH v3 26/28]
        kprobes: ...", the second of two replacements both numbered 25)."""
        if mid not in self._counter:
            info = self.info(mid)
            counter = info.counter
            if counter and info.version is not None:
                for anc in self.ancestors(mid):
                    if anc not in self.by_id or not self.is_patch(anc):
                        continue
                    other = self.info(anc)
                    if other.counter and other.version_key < info.version_key \
                            and self.by_id[anc].author.email == self.by_id[mid].author.email:
                        if other.counter != counter and title_key(other.subject) == title_key(info.subject):
                            counter = other.counter
                        break
            self._counter[mid] = counter
        return self._counter[mid]

    def is_explicit_cover(self, mid: str) -> bool:
        info = self.info(mid)
        return info.counter == 0 and not self.is_followup(mid)

    def ancestors(self, mid: str) -> Iterable[str]:
        """Parents up to the root (ghosts included), without looping."""
        seen = {mid}
        cur = self.parent.get(mid)
        while cur is not None and cur not in seen:
            seen.add(cur)
            yield cur
            cur = self.parent.get(cur)

    def root(self, mid: str) -> str:
        last = mid
        for anc in self.ancestors(mid):
            if anc in self.by_id:
                last = anc
        return last


def author_of(msg: Message) -> str:
    person = msg.author
    if person.name and person.email and person.name != person.email:
        return f"{person.name} <{person.email}>"
    return person.email or person.name


# --- series in a thread ------------------------------------------------------------------

@dataclass
class _Round:
    version: tuple[int, int]
    label: str
    explicit: bool
    author_email: str
    slots: dict[int, str]
    extra: list[str]
    cover: str | None = None
    unnumbered: bool = False
    total: int | None = None  # the N of the round's first patch

    def first_date(self, index: ThreadIndex) -> datetime:
        mids = list(self.slots.values()) + ([self.cover] if self.cover else [])
        return min((index.date(m) for m in mids), default=EPOCH)


def find_series(messages: Iterable[Message] | ThreadIndex,
                parent_of: Mapping[str, str | None] | None = None) -> tuple[Series, ...]:
    """Every series revision posted in a thread, ordered by version then date."""
    index = messages if isinstance(messages, ThreadIndex) else ThreadIndex(messages, parent_of)
    ordered = index.ordered()
    effective: dict[str, tuple[tuple[int, int], str, bool]] = {}
    rounds: list[_Round] = []
    covers: list[str] = []
    # Covers first: a patch dated before its cover still takes the cover's version.
    for msg in ordered:
        if index.is_explicit_cover(msg.message_id):
            effective[msg.message_id] = _version_of(index, msg.message_id, effective)
            covers.append(msg.message_id)
    for msg in ordered:
        mid = msg.message_id
        if mid in effective or not index.is_patch(mid):
            continue
        version = _version_of(index, mid, effective)
        effective[mid] = version
        _place(index, rounds, mid, version)
    for cover in covers:
        _attach_cover(index, rounds, cover, effective[cover])
    for rnd in rounds:
        if rnd.cover is None:
            rnd.cover = _naked_cover(index, rnd, covers)
    rounds.sort(key=lambda r: (r.version, r.first_date(index)))
    result: list[Series] = []
    previous: _Round | None = None
    round_number: dict[tuple[int, int], int] = {}
    for rnd in rounds:
        number = round_number.get(rnd.version, 0)
        round_number[rnd.version] = number + 1
        result.append(_build(index, rnd, number, previous))
        previous = rnd
    return tuple(result)


def _version_of(index: ThreadIndex, mid: str,
                effective: dict[str, tuple[tuple[int, int], str, bool]]) -> tuple[tuple[int, int], str, bool]:
    """(sort key, label, explicit) of a message's version: its own vN, else that of the
    cover or patch of the same series it answers, else v1."""
    info = index.info(mid)
    if info.version is not None:
        return info.version_key, info.version_label or str(info.version), True
    parent = index.parent.get(mid)
    if parent in effective and parent in index.by_id:
        pinfo = index.info(parent)
        same_series = pinfo.total == info.total or pinfo.counter == 0 or pinfo.counter == 1
        same_author = index.by_id[parent].author.email == index.by_id[mid].author.email
        if same_series and same_author and effective[parent][2]:
            return effective[parent]
    return (1, 0), "1", False


def _place(index: ThreadIndex, rounds: list[_Round], mid: str,
           version: tuple[tuple[int, int], str, bool]) -> None:
    """Put a patch into the latest round of its version by the same author whose slot for
    it is free; else start a new round."""
    info = index.info(mid)
    email = index.by_id[mid].author.email
    counter = index.counter(mid)
    if counter is None:
        rounds.append(_Round(version[0], version[1], version[2], email, {1: mid}, [], unnumbered=True))
        return
    for rnd in reversed(rounds):
        if rnd.version != version[0] or rnd.unnumbered or rnd.author_email != email:
            continue
        if rnd.total and info.total and rnd.total != info.total:
            continue  # "[PATCH v2 5/7]" and "[PATCH v2 1/6]": two postings
        if counter not in rnd.slots:
            rnd.slots[counter] = mid
            return
        if index.parent.get(mid) == index.parent.get(rnd.slots[counter]):
            # The same n/N twice under the same parent: one posting that sent a stale and a
            # fresh file together (git send-email *.patch). The first stays in the series;
            # a new round starts only when the patch answers something else (a resend).
            rnd.extra.append(mid)
            return
        break
    rounds.append(_Round(version[0], version[1], version[2], email, {counter: mid}, [], total=info.total))


def _attach_cover(index: ThreadIndex, rounds: list[_Round], cover: str,
                  version: tuple[tuple[int, int], str, bool]) -> None:
    """Give a 0/N cover to the round whose patches answer it, else to the round of its
    version and author without a cover; a cover no round takes starts an empty round."""
    email = index.by_id[cover].author.email
    for rnd in rounds:
        if rnd.cover is None and not rnd.unnumbered and rnd.version == version[0] and any(
                cover in index.ancestors(m) for m in rnd.slots.values()):
            rnd.cover = cover
            return
    total = index.info(cover).total
    for rnd in rounds:
        # Patches that answer the cover directly, n/N matching, under another version: the
        # cover's vN is a typo ("[PATCH v9 0/4]" over "[PATCH v10 1/4]"...), as b4 sees it.
        if rnd.cover is None and not rnd.unnumbered and rnd.author_email == email and any(
                index.parent.get(m) == cover and index.info(m).total == total for m in rnd.slots.values()):
            rnd.cover = cover
            return
    # Else the round of its version and author posted nearest to it (patches and cover all
    # sent as replies to an earlier revision are siblings of the cover, not its children).
    when = index.date(cover)
    near = [r for r in rounds if r.cover is None and not r.unnumbered and r.version == version[0]
            and r.author_email == email and r.slots
            and abs((r.first_date(index) - when).total_seconds()) <= COVER_WINDOW.total_seconds()]
    if near:
        min(near, key=lambda r: abs((r.first_date(index) - when).total_seconds())).cover = cover
        return
    rounds.append(_Round(version[0], version[1], version[2], email, {}, [], cover=cover))


def _naked_cover(index: ThreadIndex, rnd: _Round, covers: list[str]) -> str | None:
    """b4's cover without 0/N: the message the first answering patch replies to, if it has
    no diff and either shows a diffstat or is a same-author thread root."""
    for counter in sorted(rnd.slots):
        mid = rnd.slots[counter]
        parent = index.parent.get(mid)
        if parent is None:
            continue
        if parent not in index.by_id or index.files(parent) is not None or parent in covers:
            return None
        msg, pmsg = index.by_id[mid], index.by_id[parent]
        if RE_DIFFSTAT.search(pmsg.body):
            return parent
        if index.parent.get(parent) is None and not index.is_followup(parent) \
                and pmsg.author.email == msg.author.email:
            return parent
        return None
    return None


RE_CHANGE_ID = re.compile(r"^change-id:\s+(\S+)", re.M | re.I)
RE_BASE_COMMIT = re.compile(r"^base-commit:\s+([0-9a-f]{7,40})", re.M | re.I)
RE_MSGID_LINK = re.compile(
    r"https?://(?:lore\.kernel\.org|lkml\.kernel\.org|patch\.msgid\.link|msgid\.link|"
    r"lore\.[\w.-]+|[\w.-]*public-inbox[\w.-]*)/(?:[\w.+-]+/)?(?:r/)?([^/\s<>\"]+@[^/\s<>\"]+?)(?:/|\s|>|$)",
    re.I)
# Words on the line of a link to an earlier revision: "Link to v1:", "v2: https://...",
# "previous version", "[v3]".
RE_VERSION_WORDS = re.compile(r"\bv\d{1,3}\b|\bversions?\b|\bprevious\b|\bprior\b|\brevision\b|\bresend\b", re.I)
RE_CHANGELOG = re.compile(
    r"\b(?:changes?|changelog|diff(?:erences)?)\s+(?:in|since|from|vs\.?|to)\s+v(\d{1,3})\b"
    r"|\bv(\d{1,3})\s*(?:->|→|=>|\.\.|to)\s*v(\d{1,3})\b"
    r"|^\s*v(\d{1,3})\s*:\s*(?:https?://|-|\*|\n)", re.I | re.M)


def _own_text(body: str) -> str:
    """The unquoted part of a body above its signature (for links and changelogs)."""
    out = []
    for line in body.split("\n"):
        if line == "-- ":
            break
        if not line.startswith(">"):
            out.append(line)
    return "\n".join(out)


def _build(index: ThreadIndex, rnd: _Round, number: int, previous: _Round | None) -> Series:
    slots = dict(rnd.slots)
    carried: dict[int, int] = {}
    cover = rnd.cover
    cover_carried = False
    partial = False
    if previous is not None and _is_partial_reroll(index, rnd, previous):
        prev_version = previous.version[0]
        total = max(_totals(index, rnd) + _totals(index, previous) + [max(slots, default=1)])
        for counter, mid in previous.slots.items():
            if counter not in slots and counter <= total:
                slots[counter] = mid
                carried[counter] = prev_version
        if cover is None and previous.cover is not None:
            cover, cover_carried = previous.cover, True
        partial = True
    expected = max(_totals(index, rnd) + [max(slots, default=0), 1])
    if cover is not None and index.info(cover).total:
        expected = max(expected, index.info(cover).total or 0)
    patches = [_patch(index, slots[counter], rnd, carried.get(counter), counter) for counter in sorted(slots)]
    head = cover or (patches[0].message_id if patches else None)
    head_msg = index.by_id[head] if head else None
    head_info = index.info(head) if head else None
    title = head_info.subject if head_info else ""
    texts = [_own_text(index.by_id[m].body) for m in ([cover] if cover else []) + [p.message_id for p in patches[:1]]]
    change_id = base_commit = None
    for text in texts:
        m = RE_CHANGE_ID.search(text)
        change_id = change_id or (m.group(1) if m else None)
        m = RE_BASE_COMMIT.search(text)
        base_commit = base_commit or (m.group(1) if m else None)
    linked: list[str] = []
    version_links: list[str] = []
    changelog: list[int] = []
    for mid in ([cover] if cover and not cover_carried else []) + [p.message_id for p in patches if not p.carried_from]:
        text = _own_text(commit_free(index.by_id[mid].body))
        for m in RE_MSGID_LINK.finditer(text):
            found = unquote(m.group(1)).rstrip(".,;)")
            if found not in linked and found != mid:
                linked.append(found)
                line = text[text.rfind("\n", 0, m.start()) + 1: m.start()]
                if RE_VERSION_WORDS.search(line):
                    version_links.append(found)
        for m in RE_CHANGELOG.finditer(text):
            for g in m.groups():
                if g and int(g) < rnd.version[0] and int(g) not in changelog:
                    changelog.append(int(g))
    extra = tuple(_patch(index, mid, rnd, None) for mid in rnd.extra)
    infos = [index.info(m) for m in ([cover] if cover else []) + list(rnd.slots.values())]
    tags = tuple(dict.fromkeys(t for i in infos for t in i.tags))
    root = index.root(head) if head else ""
    return Series(
        root_message_id=root, version=rnd.version[0], version_label=rnd.label, version_explicit=rnd.explicit,
        round=number, expected=expected, cover_message_id=cover, title=title,
        author=author_of(head_msg) if head_msg else "", author_email=head_msg.author.email if head_msg else "",
        date=min((index.date(m) for m in list(rnd.slots.values()) + ([rnd.cover] if rnd.cover else [])),
                 default=None),
        patches=tuple(patches), missing=tuple(c for c in range(1, expected + 1) if c not in slots),
        rfc=any(i.rfc for i in infos), resend=any(i.resend for i in infos), tags=tags,
        change_id=change_id, base_commit=base_commit, linked_message_ids=tuple(linked),
        version_links=tuple(version_links),
        changelog_versions=tuple(sorted(changelog)), partial_reroll=partial, cover_carried=cover_carried,
        extra=extra)


def _patch(index: ThreadIndex, mid: str, rnd: _Round, carried_from: int | None, counter: int | None = None) -> Patch:
    msg = index.by_id[mid]
    info = index.info(mid)
    return Patch(message_id=mid, counter=counter if counter is not None else (index.counter(mid) or 1),
                 subject=msg.subject, title=info.subject, author=author_of(msg), author_email=msg.author.email,
                 date=msg.date, version=info.version if info.version is not None else rnd.version[0],
                 files=index.files(mid) or (), patch_id=patch_id(patch_text(msg) or ""), carried_from=carried_from)


def commit_free(body: str) -> str:
    """A body without its diff (links in the diff are code, not references)."""
    m = RE_DIFF_HEADER.search(body)
    return body[: m.start()] if m else body


def _totals(index: ThreadIndex, rnd: _Round) -> list[int]:
    return [index.info(m).total or 0 for m in rnd.slots.values()]


def _is_partial_reroll(index: ThreadIndex, rnd: _Round, previous: _Round) -> bool:
    """b4's test: the round is incomplete, and each of its patches answers (directly or
    through replies) a message of the same n/N."""
    if rnd.unnumbered or previous.unnumbered or not rnd.slots:
        return False
    total = max(_totals(index, rnd) + [1])
    if all(c in rnd.slots for c in range(1, total + 1)):
        return False
    for counter, mid in rnd.slots.items():
        info = index.info(mid)
        if not any(a in index.by_id and index.info(a).counter == counter and index.info(a).total == info.total
                   for a in index.ancestors(mid)):
            return False
    return True


