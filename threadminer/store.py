"""The SQLite store: messages are the truth, threads and analyses a rebuildable cache.

`Store.add(items)` imports what a source yields, in batched transactions: a message already
stored with the same content is counted as seen, so importing twice adds nothing, and an
import killed at any point leaves a consistent store that the next run completes (public-
inbox epochs resume from their last committed commit). Threads are kept as a partition of
every Message-ID seen, merged as references connect them (as public-inbox's over.sqlite3
keeps `tid`); the tree inside each touched thread is rebuilt by `threads.build_threads`
after the import and stored with the rule behind each parent link.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
import sqlite3
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterable, Iterator

from .dates import from_iso, iso
from .errors import NotFound, StoreError
from .message import Message, MessageError, parse_bytes
from .people import name_key
from .sources import Checkpoint, Item, Skipped
from .threads import (EPOCH, SUBJECT_WINDOW, Summary, Thread, build_threads, is_reply_subject,
                      subject_key)

SCHEMA_VERSION = 2

# Each migration takes the schema from version i to i+1; add new ones at the end.
MIGRATIONS: list[str] = [
    # 0 -> 1: the first schema.
    """
    CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY,
        value TEXT
    );
    CREATE TABLE IF NOT EXISTS messages (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,        -- Message-ID, or Message-ID#N for a differing duplicate
        message_id TEXT NOT NULL,        -- as the header gives it, without angle brackets
        content_hash TEXT NOT NULL,      -- body hash blind to whitespace and list footers
        subject TEXT NOT NULL,
        subject_key TEXT NOT NULL,       -- subject without Re:/list tags, for subject grouping
        author_name TEXT NOT NULL,
        author_email TEXT NOT NULL,
        date TEXT,                       -- the Date header in UTC (ISO 8601), NULL if unknown
        in_reply_to TEXT,
        refs TEXT NOT NULL,              -- References ids, space-separated, in header order
        headerless_reply INTEGER NOT NULL, -- a "Re:" with no usable In-Reply-To/References
        id_derived INTEGER NOT NULL,     -- the message had no usable Message-ID
        source TEXT NOT NULL,            -- the SOURCE it was first imported from
        imported_at TEXT NOT NULL,       -- when it was imported (apart from its Date)
        thread_id INTEGER NOT NULL,
        parent_key TEXT,                 -- parent node in the thread tree (a key or a ghost id)
        parent_rule TEXT,                -- the threading rule that made that link
        raw BLOB NOT NULL                -- zlib-compressed RFC 822 bytes
    );
    CREATE INDEX IF NOT EXISTS messages_message_id ON messages(message_id);
    CREATE INDEX IF NOT EXISTS messages_thread ON messages(thread_id);
    CREATE INDEX IF NOT EXISTS messages_subject_key ON messages(subject_key);
    CREATE INDEX IF NOT EXISTS messages_date ON messages(date);
    -- Every id seen, in a message or in a reference, and the thread it belongs to.
    CREATE TABLE IF NOT EXISTS ids (
        message_id TEXT PRIMARY KEY,
        thread_id INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS ids_thread ON ids(thread_id);
    CREATE TABLE IF NOT EXISTS threads (
        id INTEGER PRIMARY KEY,
        root_key TEXT,                   -- root node: a message key or a ghost's Message-ID
        subject TEXT,
        messages INTEGER NOT NULL DEFAULT 0,
        first_date TEXT,
        last_date TEXT,
        dirty INTEGER NOT NULL DEFAULT 1 -- its tree must be rebuilt
    );
    CREATE INDEX IF NOT EXISTS threads_dirty ON threads(dirty);
    -- Placeholders for referenced messages that are not in the store.
    CREATE TABLE IF NOT EXISTS ghosts (
        thread_id INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        parent_key TEXT,
        parent_rule TEXT,
        PRIMARY KEY (thread_id, message_id)
    ) WITHOUT ROWID;
    -- Resume positions of long sources (public-inbox epochs).
    CREATE TABLE IF NOT EXISTS checkpoints (
        key TEXT PRIMARY KEY,
        position TEXT NOT NULL
    );
    -- Reserved for cached per-message analyses (diffs, outcomes, ...), keyed by analysis version.
    CREATE TABLE IF NOT EXISTS analyses (
        message_key TEXT NOT NULL,
        kind TEXT NOT NULL,
        version INTEGER NOT NULL,
        data TEXT NOT NULL,              -- JSON
        PRIMARY KEY (message_key, kind)
    ) WITHOUT ROWID;
    """,
    # 1 -> 2: messages known only from quotes of them (quote trees' ghost voices).
    """
    CREATE TABLE IF NOT EXISTS quoted_ghosts (
        quoted_in TEXT NOT NULL,         -- key of the stored message whose body quotes it
        voice INTEGER NOT NULL,          -- the voice's index in that message's quote tree
        thread_id INTEGER NOT NULL,
        message_id TEXT,                 -- the ghost's Message-ID when headers name it, else NULL
        author TEXT,                     -- as the attribution names it (matched to a sender)
        date TEXT,                       -- UTC ISO 8601 from the attribution, NULL if unknown
        attribution TEXT,                -- the attribution line as written
        text TEXT NOT NULL,              -- the quoted text, quote markers removed
        PRIMARY KEY (quoted_in, voice)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS quoted_ghosts_thread ON quoted_ghosts(thread_id);
    CREATE INDEX IF NOT EXISTS quoted_ghosts_message_id ON quoted_ghosts(message_id);
    """,
]

BATCH_MESSAGES = 500
# How long to wait for another process's write lock before giving up.
LOCK_TIMEOUT = 60.0
BATCH_SECONDS = 2.0
# A page copy of a message (no Message-ID) is the same message when subject and author match
# and the dates are this close (hypermail prints the received time, not the Date header).
PAGE_MATCH_WINDOW = timedelta(minutes=10)


def _compress(msg: Message) -> bytes:
    return zlib.compress(msg.as_bytes(), 1)


def _compress_ahead(items: Iterable[Item], ahead: int = 16) -> Iterator[tuple[Item, Future | None]]:
    """Items in order, each message with its raw bytes being compressed in a worker thread
    (zlib releases the GIL, so compression runs on another core while parsing goes on)."""
    window: deque[tuple[Item, Future | None]] = deque()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="threadminer-zlib") as pool:
        for item in items:
            window.append((item, pool.submit(_compress, item) if isinstance(item, Message) else None))
            if len(window) > ahead:
                yield window.popleft()
        while window:
            yield window.popleft()


def default_path() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "threadminer", "threadminer.sqlite3")


@dataclass
class ImportResult:
    """What one import did."""

    messages_new: int = 0
    messages_seen: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    thread_ids: set[int] = field(default_factory=set)
    keys: list[str] = field(default_factory=list)  # the stored key of every message read, in order

    def as_json(self) -> dict:
        return {"messages_new": self.messages_new, "messages_seen": self.messages_seen,
                "threads": len(self.thread_ids), "skipped": len(self.skipped)}


@dataclass(frozen=True)
class ThreadInfo:
    """One row of the thread list."""

    thread_id: int
    root_key: str
    root_message_id: str
    subject: str
    messages: int
    message_ids: tuple[str, ...]
    participants: tuple[str, ...]
    first_date: datetime | None
    last_date: datetime | None


class Store:
    """A threadminer store at `path` (created if missing). Use as a context manager."""

    def __init__(self, path: str | None = None):
        self.path = path or default_path()
        self._dirty: set[int] = set()
        self._page_copies: bool | None = None
        if self.path != ":memory:":
            parent = os.path.dirname(os.path.abspath(self.path))
            try:
                os.makedirs(parent, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{self.path}: cannot create its folder ({exc.strerror})") from None
            if os.path.isdir(self.path):
                raise StoreError(f"{self.path}: is a folder, not a store")
        try:
            self.db = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open ({exc})") from None
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                self._set_up()
                break
            except sqlite3.OperationalError as exc:
                # Two processes opening a new store at once: switching to WAL needs the file
                # to itself, and SQLite answers "locked" at once instead of waiting.
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    self.db.close()
                    raise StoreError(f"{self.path}: cannot use the store ({exc})") from None
                time.sleep(0.05)
            except sqlite3.DatabaseError as exc:
                self.db.close()
                raise StoreError(f"{self.path}: not a threadminer store ({exc})") from None
        self._fix_dirty_threads()

    def _set_up(self) -> None:
        self.db.execute("PRAGMA schema_version").fetchone()
        if self.db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache for big imports
        self.db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    # --- lifecycle ----------------------------------------------------------------------

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: made by a newer threadminer (schema {version})")
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if version == 0 and tables and "messages" not in tables:
            raise StoreError(f"{self.path}: an SQLite database, but not a threadminer store")
        for target in range(version, SCHEMA_VERSION):
            # executescript commits any open transaction first, so the script carries its own.
            try:
                self.db.executescript(f"BEGIN IMMEDIATE; {MIGRATIONS[target]}; "
                                      f"PRAGMA user_version={target + 1}; COMMIT;")
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    # --- import -------------------------------------------------------------------------

    def checkpoints(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, position FROM checkpoints"))

    def add(self, items: Iterable[Item], progress: Callable[[int], None] | None = None) -> ImportResult:
        """Store messages from `items`; returns counts. Commits every few hundred messages,
        so an interrupted import keeps what it committed and the next run finishes it."""
        result = ImportResult()
        self._dirty = set()  # threads already marked dirty in this transaction
        self._page_copies = None
        pending = 0
        started = time.monotonic()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for item, compressed in _compress_ahead(items):
                if isinstance(item, Skipped):
                    result.skipped.append(item)
                    continue
                if isinstance(item, Checkpoint):
                    self.db.execute("INSERT OR REPLACE INTO checkpoints(key, position) VALUES (?, ?)",
                                    (item.key, item.position))
                    continue
                self._add_one(item, result, compressed)
                pending += 1
                if progress:
                    progress(1)
                if pending >= BATCH_MESSAGES or time.monotonic() - started > BATCH_SECONDS:
                    self.db.execute("COMMIT")
                    self.db.execute("BEGIN IMMEDIATE")
                    self._dirty.clear()
                    pending = 0
                    started = time.monotonic()
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            # A full disk, a read-only file, a lock held too long: what was committed stays.
            self._rollback()
            raise StoreError(f"{self.path}: cannot write ({exc})") from None
        except BaseException:
            # Keep what was committed; drop the half-done batch. A SourceError raised by the
            # reader mid-archive lands here: the messages before it stay stored.
            self._rollback()
            self._fix_dirty_threads()
            raise
        self._fix_dirty_threads()
        return result

    def _add_one(self, msg: Message, result: ImportResult, compressed: Future | None = None) -> None:
        db = self.db
        if msg.id_derived:
            known = self._match_page_copy(msg)
            if known is not None:
                result.messages_seen += 1
                result.keys.append(known[0])
                result.thread_ids.add(known[1])
                return
        rows = db.execute("SELECT key, content_hash, thread_id FROM messages WHERE message_id = ?",
                          (msg.message_id,)).fetchall()
        content_hash = msg.content_hash
        for key, existing_hash, thread_id in rows:
            if existing_hash == content_hash:
                result.messages_seen += 1
                result.keys.append(key)
                result.thread_ids.add(thread_id)
                return
        key = msg.message_id if not rows else f"{msg.message_id}#{len(rows) + 1}"
        if not msg.id_derived and self._has_page_copies():
            self._drop_page_copies(msg)
        thread_id = self._thread_for(msg)
        skey = subject_key(msg.subject)
        headerless_reply = int(not msg.in_reply_to and not msg.references and is_reply_subject(msg.subject))
        raw = compressed.result() if compressed is not None else _compress(msg)
        db.execute(
            "INSERT INTO messages(key, message_id, content_hash, subject, subject_key, author_name,"
            " author_email, date, in_reply_to, refs, headerless_reply, id_derived, source, imported_at,"
            " thread_id, raw) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (key, msg.message_id, content_hash, msg.subject, skey, msg.author.display,
             msg.author.email, iso(msg.date), msg.in_reply_to, " ".join(msg.references),
             headerless_reply, int(msg.id_derived), msg.source, iso(datetime.now().astimezone()),
             thread_id, raw))
        thread_id = self._merge_by_subject(msg, skey, headerless_reply, thread_id)
        if thread_id not in self._dirty:
            db.execute("UPDATE threads SET dirty = 1 WHERE id = ?", (thread_id,))
            self._dirty.add(thread_id)
        if msg.id_derived:
            self._page_copies = True
        result.messages_new += 1
        result.keys.append(key)
        result.thread_ids.add(thread_id)

    def _has_page_copies(self) -> bool:
        """Whether any page copy (a message without Message-ID) is stored: only then must
        each new message look for copies of itself to replace."""
        if self._page_copies is None:
            self._page_copies = self.db.execute(
                "SELECT 1 FROM messages WHERE id_derived = 1 LIMIT 1").fetchone() is not None
        return self._page_copies

    def _thread_for(self, msg: Message) -> int:
        """The thread id for a new message: the thread of any id it names, merging threads
        its references connect; a new thread when it names none we know."""
        ids = list(dict.fromkeys([msg.message_id, *(x for x in (msg.in_reply_to,) if x), *msg.references]))
        marks = ",".join("?" * len(ids))
        found = {r[0] for r in self.db.execute(
            f"SELECT DISTINCT thread_id FROM ids WHERE message_id IN ({marks})", ids)}
        if found:
            thread_id = min(found)
            for other in found - {thread_id}:
                self._merge_threads(thread_id, other)
        else:
            thread_id = self.db.execute("INSERT INTO threads(dirty) VALUES (1)").lastrowid
            self._dirty.add(thread_id)  # only a new thread is already dirty in the table
        self.db.executemany("INSERT OR REPLACE INTO ids(message_id, thread_id) VALUES (?, ?)",
                            [(i, thread_id) for i in ids])
        return thread_id

    def _merge_threads(self, keep: int, other: int) -> None:
        self.db.execute("UPDATE messages SET thread_id = ? WHERE thread_id = ?", (keep, other))
        self.db.execute("UPDATE ids SET thread_id = ? WHERE thread_id = ?", (keep, other))
        self.db.execute("DELETE FROM ghosts WHERE thread_id = ?", (other,))
        self.db.execute("UPDATE quoted_ghosts SET thread_id = ? WHERE thread_id = ?", (keep, other))
        self.db.execute("DELETE FROM threads WHERE id = ?", (other,))
        self.db.execute("UPDATE threads SET dirty = 1 WHERE id = ?", (keep,))
        self._dirty.add(keep)

    def _merge_by_subject(self, msg: Message, skey: str, headerless_reply: int, thread_id: int) -> int:
        """Subject grouping (see `threads.subject_target`), whichever of the header-less
        reply and the original post arrives first."""
        if not skey or msg.date is None:
            return thread_id
        if headerless_reply:
            row = self.db.execute(
                "SELECT thread_id, subject FROM messages WHERE subject_key = ? AND thread_id != ?"
                " AND date BETWEEN ? AND ? ORDER BY date DESC",
                (skey, thread_id, iso(msg.date - SUBJECT_WINDOW), iso(msg.date))).fetchall()
            row = next((r for r in row if not is_reply_subject(r[1])), None)
        elif not is_reply_subject(msg.subject):
            row = self.db.execute(
                "SELECT thread_id FROM messages WHERE subject_key = ? AND headerless_reply = 1"
                " AND thread_id != ? AND date BETWEEN ? AND ? LIMIT 1",
                (skey, thread_id, iso(msg.date), iso(msg.date + SUBJECT_WINDOW))).fetchone()
        else:
            row = None
        if row is None:
            return thread_id
        keep, other = min(thread_id, row[0]), max(thread_id, row[0])
        self._merge_threads(keep, other)
        return keep

    def _match_page_copy(self, msg: Message) -> tuple[str, int] | None:
        """(key, thread) of a stored message that this page copy (no Message-ID) renders."""
        if msg.date is None or not msg.author.display:
            return None
        lo, hi = iso(msg.date - PAGE_MATCH_WINDOW), iso(msg.date + PAGE_MATCH_WINDOW)
        for key, author, thread_id in self.db.execute(
                "SELECT key, author_name, thread_id FROM messages WHERE subject_key = ? AND date BETWEEN ? AND ?"
                " AND id_derived = 0", (subject_key(msg.subject), lo, hi)):
            if name_key(author) == name_key(msg.author.display):
                return key, thread_id
        return None

    def _drop_page_copies(self, msg: Message) -> None:
        """A real message replaces page copies of itself imported earlier."""
        if msg.date is None:
            return
        lo, hi = iso(msg.date - PAGE_MATCH_WINDOW), iso(msg.date + PAGE_MATCH_WINDOW)
        for key, author, thread_id in self.db.execute(
                "SELECT key, author_name, thread_id FROM messages WHERE subject_key = ? AND date BETWEEN ? AND ?"
                " AND id_derived = 1", (subject_key(msg.subject), lo, hi)).fetchall():
            if name_key(author) == name_key(msg.author.display):
                self.db.execute("DELETE FROM messages WHERE key = ?", (key,))
                self.db.execute("DELETE FROM analyses WHERE message_key = ?", (key,))
                self.db.execute("UPDATE threads SET dirty = 1 WHERE id = ?", (thread_id,))

    # --- thread trees -------------------------------------------------------------------

    def _fix_dirty_threads(self) -> None:
        """Rebuild the tree of every thread marked dirty (after an import, or after an
        import that was killed before it got there)."""
        dirty = [r[0] for r in self.db.execute("SELECT id FROM threads WHERE dirty = 1")]
        if not dirty:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for thread_id in dirty:
                self._rebuild_thread(thread_id)
            self.db.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise

    def _summaries(self, thread_id: int) -> list[Summary]:
        return [Summary(key, mid, irt, tuple(refs.split()) if refs else (), subject, from_iso(date), author)
                for key, mid, irt, refs, subject, date, author in self.db.execute(
                    "SELECT key, message_id, in_reply_to, refs, subject, date, author_name FROM messages"
                    " WHERE thread_id = ?", (thread_id,))]

    def _rebuild_thread(self, thread_id: int) -> None:
        summaries = self._summaries(thread_id)
        self.db.execute("DELETE FROM ghosts WHERE thread_id = ?", (thread_id,))
        if not summaries:
            self.db.execute("DELETE FROM threads WHERE id = ?", (thread_id,))
            return
        trees = build_threads(summaries)
        # The store's thread is the partition; build_threads returns one tree for it.
        tree = trees[0]
        for extra in trees[1:]:  # defensive: never lose messages if the partition split
            for key, node in extra.nodes.items():
                tree.nodes[key] = node
        for key, node in tree.nodes.items():
            if node.ghost:
                self.db.execute("INSERT OR REPLACE INTO ghosts(thread_id, message_id, parent_key, parent_rule)"
                                " VALUES (?,?,?,?)", (thread_id, node.message_id, node.parent, node.rule))
            else:
                self.db.execute("UPDATE messages SET parent_key = ?, parent_rule = ? WHERE key = ?",
                                (node.parent, node.rule, key))
        dates = [s.date for s in summaries if s.date]
        root = tree.nodes[tree.root]
        first = min(summaries, key=lambda s: (s.date or EPOCH, s.key))
        subject = root.summary.subject if root.summary else first.subject
        self.db.execute("UPDATE threads SET root_key = ?, subject = ?, messages = ?, first_date = ?,"
                        " last_date = ?, dirty = 0 WHERE id = ?",
                        (tree.root, subject, len(summaries), iso(min(dates)) if dates else None,
                         iso(max(dates)) if dates else None, thread_id))

    # --- reading ------------------------------------------------------------------------

    def message(self, key: str) -> Message:
        """The stored message with this key or Message-ID (the first copy)."""
        row = self.db.execute("SELECT raw, source, key FROM messages WHERE key = ?", (key,)).fetchone()
        if row is None:
            row = self.db.execute("SELECT raw, source, key FROM messages WHERE message_id = ? ORDER BY id",
                                  (key,)).fetchone()
        if row is None:
            raise NotFound(f"not found: <{key}>")
        return self._decode(row[0], row[1])

    def _decode(self, raw: bytes, source: str) -> Message:
        try:
            return parse_bytes(zlib.decompress(raw), source)
        except (zlib.error, MessageError) as exc:
            raise StoreError(f"stored message is damaged ({exc})") from None

    def has(self, message_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM messages WHERE message_id = ? LIMIT 1",
                               (message_id,)).fetchone() is not None

    def thread_id_of(self, message_id: str) -> int | None:
        row = self.db.execute("SELECT thread_id FROM messages WHERE key = ? OR message_id = ? LIMIT 1",
                              (message_id, message_id)).fetchone()
        if row is None:
            row = self.db.execute("SELECT thread_id FROM ids WHERE message_id = ?", (message_id,)).fetchone()
        return row[0] if row else None

    def thread_keys(self, thread_id: int) -> list[str]:
        """The keys of a thread's stored messages, in date order."""
        return [r[0] for r in self.db.execute("SELECT key FROM messages WHERE thread_id = ? ORDER BY date, id",
                                              (thread_id,))]

    def thread(self, thread_id: int) -> Thread:
        """The tree of one stored thread."""
        trees = build_threads(self._summaries(thread_id))
        if not trees:
            raise NotFound(f"no thread {thread_id}")
        return trees[0]

    def thread_messages(self, thread_id: int) -> Iterator[Message]:
        """The messages of a thread, in date order, decoded one at a time."""
        for raw, source in self.db.execute(
                "SELECT raw, source FROM messages WHERE thread_id = ? ORDER BY date, id", (thread_id,)):
            yield self._decode(raw, source)

    def thread_ids(self) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM threads ORDER BY first_date, id")]

    def thread_info(self, thread_id: int) -> ThreadInfo:
        row = self.db.execute("SELECT root_key, subject, messages, first_date, last_date FROM threads"
                              " WHERE id = ?", (thread_id,)).fetchone()
        if row is None:
            raise NotFound(f"no thread {thread_id}")
        root_key, subject, count, first, last = row
        mids: list[str] = []
        people: dict[str, None] = {}
        for mid, author, email in self.db.execute(
                "SELECT message_id, author_name, author_email FROM messages WHERE thread_id = ?"
                " ORDER BY date, id", (thread_id,)):
            if mid not in mids:
                mids.append(mid)
            label = author or email
            if label:
                people.setdefault(label, None)
        root_mid = root_key
        rrow = self.db.execute("SELECT message_id FROM messages WHERE key = ?", (root_key,)).fetchone()
        if rrow:
            root_mid = rrow[0]
        return ThreadInfo(thread_id, root_key, root_mid, subject or "", count, tuple(mids), tuple(people),
                          from_iso(first), from_iso(last))

    def counts(self) -> dict[str, int]:
        return {"messages": self.db.execute("SELECT COUNT(*) FROM messages").fetchone()[0],
                "threads": self.db.execute("SELECT COUNT(*) FROM threads").fetchone()[0]}

    def replace_quoted_ghosts(self, quoted_in: str, thread_id: int, ghosts: Iterable) -> None:
        """Record the ghost voices quoted in one stored message, replacing what an earlier run
        recorded for it. Each ghost has `voice, message_id, author, date, attribution, text`
        (`quotes.GhostVoice` or `QuotedGhost`)."""
        rows = [(quoted_in, g.voice, thread_id, g.message_id, g.author, iso(g.date), g.attribution, g.text)
                for g in ghosts]
        own = not self.db.in_transaction
        if own:
            self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("DELETE FROM quoted_ghosts WHERE quoted_in = ?", (quoted_in,))
            self.db.executemany("INSERT OR REPLACE INTO quoted_ghosts(quoted_in, voice, thread_id, message_id,"
                                " author, date, attribution, text) VALUES (?,?,?,?,?,?,?,?)", rows)
            if own:
                self.db.execute("COMMIT")
        except BaseException:
            if own:
                self._rollback()
            raise

    def quoted_ghosts(self, thread_id: int) -> list["QuotedGhost"]:
        """Every ghost voice recorded in a thread, in the order of the quoting messages."""
        return [QuotedGhost(*row[:4], from_iso(row[4]), *row[5:]) for row in self.db.execute(
            "SELECT quoted_in, voice, thread_id, message_id, date, author, attribution, text"
            " FROM quoted_ghosts WHERE thread_id = ? ORDER BY quoted_in, voice", (thread_id,))]

    def quoted_ghost(self, message_id: str) -> "QuotedGhost | None":
        """What quotes tell of a message that is not stored: the longest quote of it."""
        row = self.db.execute(
            "SELECT quoted_in, voice, thread_id, message_id, date, author, attribution, text"
            " FROM quoted_ghosts WHERE message_id = ? ORDER BY length(text) DESC, quoted_in LIMIT 1",
            (message_id,)).fetchone()
        return QuotedGhost(*row[:4], from_iso(row[4]), *row[5:]) if row else None


@dataclass(frozen=True)
class QuotedGhost:
    """A message known only from a quote of it: who and when the attribution says, the text."""

    quoted_in: str  # key of the message whose body quotes it
    voice: int
    thread_id: int
    message_id: str | None
    date: datetime | None
    author: str | None
    attribution: str | None
    text: str
