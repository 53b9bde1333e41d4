"""Reading the store: messages, thread trees as import stored them, thread listings.

Reads never write. A thread whose tree an interrupted import left unbuilt (`dirty`) is built
in memory from its messages' skeletons; the next import stores it.
"""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from dataclasses import dataclass, replace
from typing import Iterable, Iterator

from ..dates import from_iso
from ..errors import NotFound, StoreError
from ..message import Message, MessageError, parse_bytes
from ..threads import Node, Summary, Thread, ThreadInfo, assemble, build_threads

# A message that is a page copy of another is left out of its thread's tree and counts.
NOT_A_COPY = "copy_of IS NULL"


@dataclass(frozen=True)
class StoredId:
    """What an id the user gave names in the store: a stored message (`key`), or only a
    thread that references it (a ghost: `key` is None)."""

    thread_id: int
    key: str | None


def duplicate_key(message_id: str, n: int) -> str:
    """The key of the n-th differing message under one Message-ID: "<id>#n". A Message-ID
    never holds "<" or ">", so this can never be some other message's id."""
    return f"<{message_id}>#{n}"


def fingerprint(keys: Iterable[str]) -> str:
    """Identity of a thread's set of messages: analyses cached for a thread are valid while
    it is unchanged."""
    digest = hashlib.sha1()
    for key in sorted(keys):
        digest.update(key.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()[:20]


class Reader:
    """Read-only queries over an open store connection."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    # --- messages -----------------------------------------------------------------------

    def message(self, key: str) -> Message:
        """The stored message with this key or Message-ID (the first copy)."""
        row = self.db.execute("SELECT raw, source FROM messages WHERE key = ?", (key,)).fetchone()
        if row is None:
            row = self.db.execute("SELECT raw, source FROM messages WHERE message_id = ? ORDER BY id",
                                  (key,)).fetchone()
        if row is None:
            raise NotFound(f"not found: <{key}>")
        return decode(row[0], row[1])

    def messages(self, keys: Iterable[str]) -> Iterator[tuple[str, Message]]:
        """(key, message) for each key, decoded one at a time."""
        for key in keys:
            row = self.db.execute("SELECT raw, source FROM messages WHERE key = ?", (key,)).fetchone()
            if row is not None:
                yield key, decode(row[0], row[1])

    def copy_of(self, key: str) -> str | None:
        """For a page copy, the key of the message it renders."""
        row = self.db.execute("SELECT copy_of FROM messages WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def has(self, message_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM messages WHERE message_id = ? LIMIT 1",
                               (message_id,)).fetchone() is not None

    def lookup(self, text: str) -> StoredId | None:
        """A key, Message-ID, duplicate key or referenced (ghost) id, as the user gave it."""
        row = self.db.execute("SELECT thread_id, key FROM messages WHERE key = ?", (text,)).fetchone()
        if row is None:
            row = self.db.execute("SELECT thread_id, key FROM messages WHERE message_id = ? ORDER BY copy_of"
                                  " IS NOT NULL, id LIMIT 1", (text,)).fetchone()
        if row is not None:
            return StoredId(row[0], row[1])
        row = self.db.execute("SELECT thread_id FROM ids WHERE message_id = ?", (text,)).fetchone()
        return StoredId(row[0], None) if row else None

    def threads_of(self, keys: list[str]) -> set[int]:
        """The threads the stored messages with these keys are in."""
        found: set[int] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self.db.execute(
                f"SELECT DISTINCT thread_id FROM messages WHERE key IN ({marks})", chunk))
        return found

    def thread_id_of(self, message_id: str) -> int | None:
        found = self.lookup(message_id)
        return found.thread_id if found else None

    # --- threads ------------------------------------------------------------------------

    def thread_ids(self) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM threads WHERE messages > 0 OR dirty = 1"
                                              " ORDER BY first_date, id")]

    def thread_keys(self, thread_id: int) -> list[str]:
        """The keys of a thread's messages, in date order."""
        return [r[0] for r in self.db.execute(
            f"SELECT key FROM messages WHERE thread_id = ? AND {NOT_A_COPY} ORDER BY date, id", (thread_id,))]

    def thread_messages(self, thread_id: int) -> Iterator[Message]:
        """The messages of a thread, in date order, decoded one at a time."""
        for raw, source in self.db.execute(
                f"SELECT raw, source FROM messages WHERE thread_id = ? AND {NOT_A_COPY} ORDER BY date, id",
                (thread_id,)):
            yield decode(raw, source)

    def fingerprint(self, thread_id: int) -> str:
        row = self.db.execute("SELECT fingerprint, dirty FROM threads WHERE id = ?", (thread_id,)).fetchone()
        if row is not None and row[0] and not row[1]:
            return row[0]
        return fingerprint(self.thread_keys(thread_id))

    def summaries(self, thread_id: int) -> list[Summary]:
        return [Summary(key, mid, irt, tuple(refs.split()) if refs else (), subject, from_iso(date), author)
                for key, mid, irt, refs, subject, date, author in self.db.execute(
                    "SELECT key, message_id, in_reply_to, refs, subject, date, author_name FROM messages"
                    f" WHERE thread_id = ? AND {NOT_A_COPY}", (thread_id,))]

    def thread(self, thread_id: int) -> Thread:
        """The tree of one stored thread, as the import stored it."""
        row = self.db.execute("SELECT dirty FROM threads WHERE id = ?", (thread_id,)).fetchone()
        if row is None:
            raise NotFound(f"no thread {thread_id}")
        summaries = self.summaries(thread_id)
        if not summaries:
            raise NotFound(f"no thread {thread_id}")
        if row[0]:
            return merged_tree(build_threads(summaries))
        nodes: dict[str, Node] = {}
        links = {key: (parent, rule) for key, parent, rule in self.db.execute(
            f"SELECT key, parent_key, parent_rule FROM messages WHERE thread_id = ? AND {NOT_A_COPY}",
            (thread_id,))}
        for s in summaries:
            parent, rule = links.get(s.key, (None, None))
            nodes[s.key] = Node(s.key, s.message_id, parent, rule, False, s)
        for mid, parent, rule in self.db.execute(
                "SELECT message_id, parent_key, parent_rule FROM ghosts WHERE thread_id = ?", (thread_id,)):
            nodes.setdefault(mid, Node(mid, mid, parent, rule, True, None))
        return merged_tree(assemble(nodes))

    def thread_info(self, thread_id: int) -> ThreadInfo:
        row = self.db.execute("SELECT root_key, subject, messages, first_date, last_date FROM threads"
                              " WHERE id = ?", (thread_id,)).fetchone()
        if row is None:
            raise NotFound(f"no thread {thread_id}")
        root_key, subject, count, first, last = row
        mids: dict[str, None] = {}
        people: dict[str, None] = {}
        for mid, author, email in self.db.execute(
                "SELECT message_id, author_name, author_email FROM messages WHERE thread_id = ?"
                f" AND {NOT_A_COPY} ORDER BY date, id", (thread_id,)):
            mids.setdefault(mid, None)
            label = author or email
            if label:
                people.setdefault(label, None)
        root_mid = root_key
        rrow = self.db.execute("SELECT message_id FROM messages WHERE key = ?", (root_key,)).fetchone()
        if rrow:
            root_mid = rrow[0]
        return ThreadInfo(thread_id, root_key, root_mid or "", subject or "", count, tuple(mids), tuple(people),
                          from_iso(first), from_iso(last))

    def counts(self) -> dict[str, int]:
        return {"messages": self.db.execute(f"SELECT COUNT(*) FROM messages WHERE {NOT_A_COPY}").fetchone()[0],
                "threads": self.db.execute("SELECT COUNT(*) FROM threads WHERE messages > 0").fetchone()[0]}

    # --- sources ------------------------------------------------------------------------

    def checkpoints(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, position FROM checkpoints"))

    def source(self, path: str) -> tuple[int, int, int, str, bool] | None:
        """(id, size, mtime_ns, digest, complete) of a file or folder read before."""
        row = self.db.execute("SELECT id, size, mtime_ns, digest, complete FROM sources WHERE path = ?",
                              (path,)).fetchone()
        return (row[0], row[1], row[2], row[3], bool(row[4])) if row else None

    def source_keys(self, source_id: int) -> list[str]:
        """The stored messages a source held, in its order."""
        return [r[0] for r in self.db.execute("SELECT key FROM source_keys WHERE source_id = ? ORDER BY seq",
                                              (source_id,))]


def merged_tree(trees: list[Thread]) -> Thread:
    """A stored thread is one partition, so one tree: should threading split it (a refused
    loop), the other parts hang under the first root by the `same-thread` rule, so no message
    is lost from view."""
    tree = trees[0]
    for extra in trees[1:]:
        tree.nodes.update(extra.nodes)
        tree.children.update(extra.children)
        root = extra.nodes[extra.root]
        tree.nodes[extra.root] = replace(root, parent=tree.root, rule="same-thread")
        tree.children.setdefault(tree.root, []).append(extra.root)
    return tree


def decode(raw: bytes, source: str) -> Message:
    try:
        return parse_bytes(zlib.decompress(raw), source)
    except (zlib.error, MessageError) as exc:
        raise StoreError(f"stored message is damaged ({exc})") from None
