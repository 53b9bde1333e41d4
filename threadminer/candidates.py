"""What the outcomes analysis reads beyond a thread: other threads' postings that may be
newer versions of its patches, and the messages its links name.

A thread's candidates are the postings (not replies) of other threads with one of its patch
titles within VERSION_WINDOW_DAYS of it, or by one of its patch authors within
AUTHOR_WINDOW_DAYS (a series renamed between versions), with the other postings of their
threads (a revision's cover and patches). Asking the store for them thread by thread scans
the messages of a whole time window per title, so a command over every thread would read
the store once per thread; instead `PostingIndex` reads every posting's subject, author and
date once and answers each thread from memory. It is rebuilt when the store gains messages.
"""

from __future__ import annotations

import weakref
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Iterable

from .analysis.subjects import parse_subject
from .dates import from_iso, iso
from .store import Store

VERSION_WINDOW_DAYS = 200
AUTHOR_WINDOW_DAYS = 60
CANDIDATES_MAX = 400
NOT_A_REPLY = "lower(subject) NOT LIKE 're:%' AND lower(subject) NOT LIKE 'aw:%' AND lower(subject) NOT LIKE 'fwd:%'"


def _norm(title: str) -> str:
    return " ".join(title.lower().split())


@dataclass
class PostingIndex:
    """Every stored posting that names a patch, series or pull request, by title and by
    author address (each list sorted by date), and every thread's postings in date order."""

    marker: tuple
    by_title: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # title -> [(date, thread)]
    by_email: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)  # -> [(date, thread, title)]
    postings: dict[int, list[str]] = field(default_factory=dict)  # thread -> keys of its postings

    @classmethod
    def build(cls, store: Store, marker: tuple) -> "PostingIndex":
        index = cls(marker)
        rows = store.db.execute(
            f"SELECT thread_id, key, subject, author_email, date FROM messages WHERE copy_of IS NULL AND {NOT_A_REPLY}"
            " ORDER BY date, key").fetchall()
        for thread_id, key, subject, email, date in rows:
            index.postings.setdefault(thread_id, []).append(key)
            info = parse_subject(subject)
            if info.reply or not (info.patch or info.rfc or info.pull) or not date:
                continue
            if info.subject:
                index.by_title.setdefault(_norm(info.subject), []).append((date, thread_id))
            if email:
                index.by_email.setdefault(email.lower(), []).append((date, thread_id, _norm(info.subject)))
        return index

    @staticmethod
    def _within(entries: list, low: str, high: str) -> list:
        return entries[bisect_left(entries, (low,)):bisect_right(entries, (high, 1 << 62))]

    def candidates(self, store: Store, thread_id: int) -> list[str]:
        """Keys of the other threads' postings that may be revisions of this thread's
        patches (see the module docstring)."""
        emails: set[str] = set()
        titles: set[str] = set()
        dates = []
        for subject, email, date in store.db.execute(
                "SELECT subject, author_email, date FROM messages WHERE thread_id = ? AND copy_of IS NULL",
                (thread_id,)):
            if date:
                dates.append(date)
            info = parse_subject(subject)
            if info.patch or info.rfc or info.pull:
                if email and not info.reply:
                    emails.add(email.lower())
                if info.subject:
                    # (Replies' titles too: a thread may hold only the replies to a patch the
                    # archive lacks, whose next version is posted elsewhere.)
                    titles.add(_norm(info.subject))
        if not (emails or titles) or not dates:
            return []
        first, last = from_iso(min(dates)), from_iso(max(dates))

        def window(days: int) -> tuple[str, str]:
            return iso(first - timedelta(days=days)), iso(last + timedelta(days=days))

        found: set[int] = set()
        for email in emails:
            found.update(e[1] for e in self._within(self.by_email.get(email, []), *window(AUTHOR_WINDOW_DAYS)))
            # The author's postings whose title holds one of the thread's (a title extended
            # in a later version), over the longer window.
            found.update(e[1] for e in self._within(self.by_email.get(email, []), *window(VERSION_WINDOW_DAYS))
                         if any(t in e[2] for t in titles))
        for title in titles:
            found.update(e[1] for e in self._within(self.by_title.get(title, []), *window(VERSION_WINDOW_DAYS)))
        found.discard(thread_id)
        out: dict[str, None] = {}
        for tid in sorted(found):
            out.update(dict.fromkeys(self.postings.get(tid, ())))
        return list(out)[:CANDIDATES_MAX]


# One index per open store, rebuilt when the store gains messages.
_indexes: "weakref.WeakKeyDictionary[Store, PostingIndex]" = weakref.WeakKeyDictionary()


def posting_index(store: Store) -> PostingIndex:
    marker = store.db.execute("SELECT max(rowid), count(*) FROM messages").fetchone()
    index = _indexes.get(store)
    if index is None or index.marker != marker:
        index = _indexes[store] = PostingIndex.build(store, marker)
    return index


def outcome_candidates(store: Store, thread_id: int) -> list[str]:
    """Keys of messages in other threads that may be revisions of the thread's series (see
    the module docstring)."""
    return posting_index(store).candidates(store, thread_id)


def linked_elsewhere(store: Store, thread_id: int, texts: Iterable[str]) -> list[str]:
    """Keys of messages in other threads that lore links in `texts` name."""
    from .analysis.links import links_in

    out: dict[str, None] = {}
    for mid in sorted({mid for text in texts for mid, _ in links_in(text)}):
        found = store.lookup(mid)
        if found is not None and found.key and found.thread_id != thread_id:
            out[found.key] = None
    return list(out)[:CANDIDATES_MAX]
