"""Series revisions across threads, and the revision to export from a thread.

`merge_unthreaded(series)` joins parts of one posting that arrived as separate threads (no
References), as Patchwork does. `link_versions(series)` links revisions of one series:
`change-id:`, a link to the earlier revision, the same author and subject, a changelog
("Changes in v2", "v1 -> v2") naming the other's version with a file in common.
`latest(series)` picks the revision `threadminer patches` exports by default.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Iterable, Sequence

from .series import EPOCH, Series
from .subjects import title_key

VERSION = 1

# Patchwork's SERIES_DELAY_INTERVAL: parts of one series without References arrive within it.
UNTHREADED_WINDOW = timedelta(minutes=20)


def merge_unthreaded(series: Iterable[Series], window: timedelta = UNTHREADED_WINDOW) -> tuple[Series, ...]:
    """Join incomplete series from different threads that are parts of one posting
    (mail sent without References): same author, version and total, first messages within
    `window`, no counter in both, at most one cover. Patchwork groups parts this way."""
    out: list[Series] = []
    for s in sorted(series, key=lambda s: (s.date or EPOCH, s.root_message_id)):
        target = None
        if not s.complete:
            for i in range(len(out) - 1, -1, -1):
                o = out[i]
                if o.complete or o.root_message_id == s.root_message_id:
                    continue
                if o.author_email != s.author_email or o.version != s.version or o.expected != s.expected:
                    continue
                if (s.date or EPOCH) - (o.date or EPOCH) > window:
                    break
                counters = {p.counter for p in o.patches}
                if counters & {p.counter for p in s.patches}:
                    continue
                if o.cover_message_id and s.cover_message_id:
                    continue
                target = i
                break
        if target is None:
            out.append(s)
            continue
        o = out[target]
        patches = tuple(sorted(o.patches + s.patches, key=lambda p: p.counter))
        have = {p.counter for p in patches}
        cover = o.cover_message_id or s.cover_message_id
        title = o.title if o.cover_message_id or not s.cover_message_id else s.title
        out[target] = replace(o, patches=patches, cover_message_id=cover, title=title,
                              missing=tuple(c for c in range(1, o.expected + 1) if c not in have),
                              linked_message_ids=tuple(dict.fromkeys(o.linked_message_ids + s.linked_message_ids)),
                              version_links=tuple(dict.fromkeys(o.version_links + s.version_links)),
                              rfc=o.rfc or s.rfc, tags=tuple(dict.fromkeys(o.tags + s.tags)))
    return tuple(out)


@dataclass(frozen=True)
class VersionChain:
    """Revisions of one series found in different threads (or the same), oldest first,
    and why they were linked."""

    series: tuple[Series, ...]
    evidence: tuple[str, ...]  # "change-id", "link", "subject", "changelog"


def link_versions(series: Iterable[Series]) -> tuple[VersionChain, ...]:
    """Link revisions of the same series: equal `change-id:`; a link from one revision to a
    message of another; the same author and subject (cover title, or one patch title in
    common); a changelog naming the other's version with a patch title or file in common."""
    items = list(series)
    up = list(range(len(items)))
    why: dict[int, set[str]] = {}

    def find(x: int) -> int:
        while up[x] != x:
            up[x] = up[up[x]]
            x = up[x]
        return x

    def union(a: int, b: int, reason: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            up[max(ra, rb)] = min(ra, rb)
        why.setdefault(find(a), set()).add(reason)

    by_change: dict[str, int] = {}
    by_message: dict[str, int] = {}
    by_subject: dict[tuple[str, str], int] = {}
    for i, s in enumerate(items):
        if s.change_id:
            if s.change_id in by_change:
                union(by_change[s.change_id], i, "change-id")
            by_change.setdefault(s.change_id, i)
        for mid in [s.cover_message_id] + [p.message_id for p in s.patches]:
            if mid:
                by_message.setdefault(mid, i)
        titles = {title_key(s.title)} | {title_key(p.title) for p in s.patches}
        for t in titles:
            if not t:
                continue
            key = (s.author_email.lower(), t)
            if key in by_subject and items[by_subject[key]].key != s.key:
                union(by_subject[key], i, "subject")
            by_subject.setdefault(key, i)
    for i, s in enumerate(items):
        # A link on a "v1:"/"previous version" line is a revision link; any other link only
        # between postings of one author (a new series may cite an old discussion).
        for mid in s.linked_message_ids:
            j = by_message.get(mid)
            if j is None or j == i:
                continue
            if mid in s.version_links or items[j].author_email.lower() == s.author_email.lower():
                union(j, i, "link")
    # Changelogs: "Changes in v2" links to the same author's v1 sharing a file or a title.
    by_author: dict[str, list[int]] = {}
    for i, s in enumerate(items):
        by_author.setdefault(s.author_email.lower(), []).append(i)
    for i, s in enumerate(items):
        if not s.changelog_versions:
            continue
        mine_files = {f.path for p in s.patches for f in p.files}
        for j in by_author.get(s.author_email.lower(), []):
            o = items[j]
            if j == i or o.version not in s.changelog_versions:
                continue
            theirs = {f.path for p in o.patches for f in p.files}
            if mine_files & theirs:
                union(j, i, "changelog")
    groups: dict[int, list[int]] = {}
    for i in range(len(items)):
        groups.setdefault(find(i), []).append(i)
    chains = []
    for root, members in groups.items():
        ordered = sorted((items[m] for m in members), key=lambda s: (s.version, s.round, s.date or EPOCH))
        chains.append(VersionChain(tuple(ordered), tuple(sorted(why.get(root, set())))))
    chains.sort(key=lambda c: (c.series[0].date or EPOCH, c.series[0].root_message_id))
    return tuple(chains)


def latest(series: Sequence[Series]) -> Series | None:
    """The revision to export by default from one thread's series.

    b4 takes the revision posted last. A thread also collects patches other people post
    as replies (a reviewer's alternative fix), and its author's side patches (a follow-up
    build fix): so, when the thread starts with a series, only its author's postings are
    candidates; and the last posting is taken unless a higher version of another series
    of theirs is in the thread (a side patch does not replace v10 of the series), where a
    posting linked to that version (`link_versions`: same title, change-id, link) counts
    as its successor even when its numbering restarted. Revisions without any patch are
    skipped."""
    candidates = [s for s in series if s.patches]
    if not candidates:
        return None
    roots = [s for s in candidates if s.root_message_id in _message_ids(s)]
    pool = candidates
    if roots:
        authors = {s.author_email.lower() for s in roots}
        pool = [s for s in candidates if s.author_email.lower() in authors] or candidates
    top = max(s.version for s in pool)
    chain_of: dict[tuple[str, str, int], int] = {}
    for i, chain in enumerate(link_versions(pool)):
        for s in chain.series:
            chain_of[s.key] = i
    top_chains = {chain_of[s.key] for s in pool if s.version == top}
    acceptable = [s for s in pool if s.version == top or chain_of[s.key] in top_chains]
    last = max(acceptable, key=lambda s: (s.date or EPOCH, s.version, _label_minor(s.version_label), s.round))
    # A lone patch re-sent for one slot after a fuller round of the same version (two
    # "[PATCH v3.5 25/28]" replacements, the second mis-numbered) does not replace it.
    same = [s for s in acceptable if s.version_label == last.version_label and s.expected == last.expected]
    return max(same, key=lambda s: (len(s.patches), s.date or EPOCH, s.round))


def _message_ids(s: Series) -> set[str]:
    return {p.message_id for p in s.patches if p.carried_from is None} | (
        {s.cover_message_id} if s.cover_message_id and not s.cover_carried else set())


def _label_minor(label: str) -> int:
    return int(label.split(".", 1)[1]) if "." in label else 0


def choose(series: Iterable[Series], version: int | None = None, all_versions: bool = False) -> list[Series]:
    """The revisions to export: the latest (b4's default), the latest round of `version`,
    or every revision that has a patch."""
    items = [s for s in series if s.patches]
    if all_versions:
        return items
    if version is not None:
        items = [s for s in items if s.version == version]
    pick = latest(items)
    return [pick] if pick else []
