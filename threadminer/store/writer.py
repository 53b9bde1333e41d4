"""Writing mail into the store: batched imports, duplicates, page copies, the thread partition.

`Writer.add(items)` imports what a source yields in batched transactions. A message already
stored with the same content is counted as seen, so importing twice adds nothing; an import
killed at any point leaves a consistent store that the next run completes (public-inbox
epochs resume from their last committed commit). A message the store cannot take (an
unexpected error on its row) is skipped and named, and the rest imports.

Threads are a partition of every Message-ID seen, merged as references connect them (as
public-inbox's over.sqlite3 keeps `tid`); the tree inside each touched thread is rebuilt by
`threads.build_threads` after the import and stored with the rule behind each link, which is
what readers use.

Page copies (a message from an archive page or pasted page, which has no Message-ID) are kept
beside the message they render (`copy_of`), matched by content, never by name and time alone,
and nothing stored is ever deleted to make room for them.
"""

from __future__ import annotations

import sqlite3
import time
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterable, Iterator

from ..dates import iso
from ..errors import StoreError, ThreadminerError
from ..message import Message
from ..people import name_key
from ..sources import Checkpoint, Item, Notice, Skipped
from ..threads import EPOCH, SUBJECT_WINDOW, build_threads, is_reply_subject, subject_key
from .pages import MIN_SHARED, page_renders, similarity
from .reader import NOT_A_COPY, Reader, duplicate_key, fingerprint, merged_tree

BATCH_MESSAGES = 500
BATCH_SECONDS = 2.0
# SQLite's limit on bound variables is 32766 (999 before 3.32); stay well under it.
IN_CHUNK = 500
# A page copy's date is the archive's received time, not the Date header (hypermail); relays
# can take hours. Candidates come from this window; their text decides.
PAGE_MATCH_WINDOW = timedelta(days=2)
# Skipped items are counted; only the first few are kept to be named in warnings.
SKIPPED_KEPT = 100


@dataclass
class ImportResult:
    """What one import did. `keys` are the stored keys of the messages read, in order, each
    once (a million copies of one message are one key)."""

    messages_new: int = 0
    messages_seen: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    skipped_count: int = 0
    thread_ids: set[int] = field(default_factory=set)
    keys: dict[str, None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # things worth saying (a re-read epoch)

    def skip(self, item: Skipped) -> None:
        self.skipped_count += 1
        if len(self.skipped) < SKIPPED_KEPT:
            self.skipped.append(item)

    def merge(self, other: "ImportResult") -> None:
        self.messages_new += other.messages_new
        self.messages_seen += other.messages_seen
        for item in other.skipped:
            if len(self.skipped) < SKIPPED_KEPT:
                self.skipped.append(item)
        self.skipped_count += other.skipped_count
        self.thread_ids |= other.thread_ids
        self.keys.update(other.keys)
        self.notes.extend(other.notes)

    def as_json(self) -> dict:
        return {"messages_new": self.messages_new, "messages_seen": self.messages_seen,
                "threads": len(self.thread_ids), "skipped": self.skipped_count}


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


def _chunks(values: list, size: int = IN_CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


class Writer:
    """Imports into an open, writable store connection."""

    def __init__(self, db: sqlite3.Connection, path: str):
        self.db = db
        self.path = path
        self._dirty: set[int] = set()  # threads already marked dirty in this transaction
        self._page_copies: bool | None = None

    def add(self, items: Iterable[Item], progress: Callable[[int], None] | None = None,
            source_id: int | None = None) -> ImportResult:
        """Store messages from `items`; returns counts. Commits every few hundred messages,
        so an interrupted import keeps what it committed and the next run finishes it. With
        `source_id`, the key of each message is recorded for that source (see `sources`)."""
        result = ImportResult()
        self._dirty = set()
        self._page_copies = None
        pending = self._uncommitted = 0
        seq = self._next_seq(source_id)
        started = time.monotonic()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for item, compressed in _compress_ahead(items):
                if isinstance(item, Notice):
                    result.notes.append(f"{item.source}: {item.where}: {item.reason}")
                    continue
                if isinstance(item, Skipped):
                    result.skip(item)
                    continue
                if isinstance(item, Checkpoint):
                    self.db.execute("INSERT OR REPLACE INTO checkpoints(key, position) VALUES (?, ?)",
                                    (item.key, item.position))
                    continue
                key = self._add_safely(item, result, compressed)
                if key is not None and source_id is not None and key not in result.keys:
                    self.db.execute("INSERT OR REPLACE INTO source_keys(source_id, seq, key) VALUES (?,?,?)",
                                    (source_id, seq, key))
                    seq += 1
                if key is not None:
                    result.keys.setdefault(key, None)
                    self._uncommitted += 1
                pending += 1
                if progress:
                    progress(1)
                if pending >= BATCH_MESSAGES or time.monotonic() - started > BATCH_SECONDS:
                    self.db.execute("COMMIT")
                    self.db.execute("BEGIN IMMEDIATE")
                    self._dirty.clear()
                    pending = self._uncommitted = 0
                    started = time.monotonic()
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            # A full disk, a read-only file, a lock held too long: what was committed stays.
            self._rollback()
            raise StoreError(f"{self.path}: cannot write ({exc})") from None
        except ThreadminerError as exc:
            # The reader met damage mid-archive (a cut .gz, a bomb): every message read
            # before it is whole and stays stored, and the error says how many that is.
            if self.db.in_transaction:
                self.db.execute("COMMIT")
            self._uncommitted = 0
            self._try_rebuild()
            exc.args = (f"{exc} ({self._committed(result)} messages read before it are stored)",)
            raise
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM, out of memory): keep what was committed; drop the
            # half-done batch, which the next run reads again.
            self._rollback()
            self._try_rebuild()
            raise
        self.rebuild_dirty_threads()
        # The threads the messages are in now (an import merges threads as it goes).
        result.thread_ids = Reader(self.db).threads_of(list(result.keys))
        return result

    def _committed(self, result: ImportResult) -> int:
        """How many messages of this import are in the store (those of committed batches)."""
        return result.messages_new + result.messages_seen - self._uncommitted

    def _next_seq(self, source_id: int | None) -> int:
        if source_id is None:
            return 0
        row = self.db.execute("SELECT MAX(seq) FROM source_keys WHERE source_id = ?", (source_id,)).fetchone()
        return (row[0] + 1) if row and row[0] is not None else 0

    def _rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    def _try_rebuild(self) -> None:
        try:
            self.rebuild_dirty_threads()
        except sqlite3.Error:
            pass  # the next import rebuilds them; the original error is the one to report

    def _add_safely(self, msg: Message, result: ImportResult, compressed: Future | None) -> str | None:
        """Add one message inside a savepoint: a message the store cannot take is skipped
        and named, and the import goes on (nothing of it is left half-written)."""
        self.db.execute("SAVEPOINT message")
        try:
            key = self._add_one(msg, result, compressed)
        except sqlite3.OperationalError as exc:
            if "too many" not in str(exc) and "too big" not in str(exc):
                raise  # disk full, lock: the whole import stops (and says so)
            self.db.execute("ROLLBACK TO message")
            self.db.execute("RELEASE message")
            result.skip(Skipped(msg.source, f"<{msg.message_id}>", f"cannot store ({exc})"))
            return None
        except (sqlite3.IntegrityError, ValueError, OverflowError, zlib.error) as exc:
            self.db.execute("ROLLBACK TO message")
            self.db.execute("RELEASE message")
            result.skip(Skipped(msg.source, f"<{msg.message_id}>", f"cannot store ({exc})"))
            return None
        self.db.execute("RELEASE message")
        return key

    def _add_one(self, msg: Message, result: ImportResult, compressed: Future | None = None) -> str:
        db = self.db
        rows = db.execute("SELECT key, content_hash, thread_id FROM messages WHERE message_id = ?",
                          (msg.message_id,)).fetchall()
        content_hash = msg.content_hash
        for key, existing_hash, thread_id in rows:
            if existing_hash == content_hash:
                result.messages_seen += 1
                result.thread_ids.add(thread_id)
                return key
        copy_of = self._page_original(msg) if msg.id_derived else None
        key = msg.message_id if not rows else self._free_duplicate_key(msg.message_id, len(rows) + 1)
        if copy_of is not None:
            thread_id = copy_of[1]
        else:
            thread_id = self._thread_for(msg)
        skey = subject_key(msg.subject)
        reply_subject = int(is_reply_subject(msg.subject))
        headerless_reply = int(not msg.in_reply_to and not msg.references and reply_subject)
        raw = compressed.result() if compressed is not None else _compress(msg)
        db.execute(
            "INSERT INTO messages(key, message_id, content_hash, subject, subject_key, author_name,"
            " author_email, date, in_reply_to, refs, headerless_reply, id_derived, source, imported_at,"
            " thread_id, raw, copy_of, reply_subject) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (key, msg.message_id, content_hash, msg.subject, skey, msg.author.display,
             msg.author.email, iso(msg.date), msg.in_reply_to, " ".join(msg.references),
             headerless_reply, int(msg.id_derived), msg.source, iso(datetime.now().astimezone()),
             thread_id, raw, copy_of[0] if copy_of else None, reply_subject))
        if copy_of is not None:
            # The message was stored already; this is another rendering of it, kept aside.
            result.messages_seen += 1
            return key
        if not msg.id_derived and self._has_page_copies():
            self._adopt_page_copies(msg, key, thread_id)
        thread_id = self._merge_by_subject(msg, skey, headerless_reply, reply_subject, thread_id)
        self._mark_dirty(thread_id)
        if msg.id_derived:
            self._page_copies = True
        result.messages_new += 1
        result.thread_ids.add(thread_id)
        return key

    def _free_duplicate_key(self, message_id: str, n: int) -> str:
        while self.db.execute("SELECT 1 FROM messages WHERE key = ?", (duplicate_key(message_id, n),)).fetchone():
            n += 1
        return duplicate_key(message_id, n)

    def _mark_dirty(self, thread_id: int) -> None:
        if thread_id not in self._dirty:
            self.db.execute("UPDATE threads SET dirty = 1 WHERE id = ?", (thread_id,))
            self._dirty.add(thread_id)

    # --- page copies --------------------------------------------------------------------

    def _page_candidates(self, msg: Message, derived: int) -> list[tuple[str, int, bytes]]:
        if msg.date is None:
            return []
        lo, hi = iso(msg.date - PAGE_MATCH_WINDOW), iso(msg.date + PAGE_MATCH_WINDOW)
        rows = self.db.execute(
            "SELECT key, author_name, author_email, thread_id, raw FROM messages WHERE subject_key = ?"
            " AND date BETWEEN ? AND ? AND id_derived = ? AND copy_of IS NULL",
            (subject_key(msg.subject), lo, hi, derived)).fetchall()
        name = name_key(msg.author.display)
        email = (msg.author.email or "").lower()
        return [(key, thread_id, raw) for key, author, addr, thread_id, raw in rows
                if (email and addr and email == addr.lower()) or (name and name_key(author) == name)]

    def _page_original(self, page: Message) -> tuple[str, int] | None:
        """(key, thread) of the stored message this page copy renders: same sender and
        subject near the same time, and the same text."""
        from .reader import decode

        scored = [(similarity(page.body, decode(raw, "").body), key, thread_id)
                  for key, thread_id, raw in self._page_candidates(page, derived=0)]
        best = max(scored, default=None)
        return (best[1], best[2]) if best is not None and best[0] >= MIN_SHARED else None

    def _has_page_copies(self) -> bool:
        """Whether any unmatched page copy is stored: only then must each new message look
        for copies of itself."""
        if self._page_copies is None:
            self._page_copies = self.db.execute(
                "SELECT 1 FROM messages WHERE id_derived = 1 AND copy_of IS NULL LIMIT 1").fetchone() is not None
        return self._page_copies

    def _adopt_page_copies(self, msg: Message, key: str, thread_id: int) -> None:
        """A real message arrives after page copies of it: they become its copies (kept,
        never deleted) and leave the threads they stood in for it."""
        from .reader import decode

        for page_key, page_thread, raw in self._page_candidates(msg, derived=1):
            if not page_renders(decode(raw, "").body, msg.body):
                continue
            self.db.execute("UPDATE messages SET copy_of = ?, thread_id = ? WHERE key = ?",
                            (key, thread_id, page_key))
            self._mark_dirty(page_thread)
            self.db.execute("DELETE FROM analyses WHERE scope = ?", (page_key,))

    # --- the thread partition ------------------------------------------------------------

    def _thread_for(self, msg: Message) -> int:
        """The thread id for a new message: the thread of any id it names, merging threads
        its references connect; a new thread when it names none we know."""
        ids = list(dict.fromkeys([msg.message_id, *(x for x in (msg.in_reply_to,) if x), *msg.references]))
        found: set[int] = set()
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self.db.execute(
                f"SELECT DISTINCT thread_id FROM ids WHERE message_id IN ({marks})", chunk))
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
        self.db.execute("DELETE FROM analyses WHERE scope = ?", (f"thread:{other}",))
        self.db.execute("DELETE FROM threads WHERE id = ?", (other,))
        self.db.execute("UPDATE threads SET dirty = 1 WHERE id = ?", (keep,))
        self._dirty.add(keep)

    def _merge_by_subject(self, msg: Message, skey: str, headerless_reply: int, reply_subject: int,
                          thread_id: int) -> int:
        """Subject grouping (see `threads.subject_target`), whichever of the header-less
        reply and the original post arrives first. Indexed: (subject_key, reply_subject, date)."""
        if not skey or msg.date is None:
            return thread_id
        if headerless_reply:
            row = self.db.execute(
                "SELECT thread_id FROM messages WHERE subject_key = ? AND reply_subject = 0 AND thread_id != ?"
                f" AND {NOT_A_COPY} AND date BETWEEN ? AND ? ORDER BY date DESC LIMIT 1",
                (skey, thread_id, iso(msg.date - SUBJECT_WINDOW), iso(msg.date))).fetchone()
            if row is None:
                return thread_id
            keep, other = min(thread_id, row[0]), max(thread_id, row[0])
            self._merge_threads(keep, other)
            return keep
        if reply_subject:
            return thread_id
        # An original post: every header-less reply already stored joins it.
        while True:
            row = self.db.execute(
                "SELECT thread_id FROM messages WHERE subject_key = ? AND headerless_reply = 1"
                " AND thread_id != ? AND date BETWEEN ? AND ? LIMIT 1",
                (skey, thread_id, iso(msg.date), iso(msg.date + SUBJECT_WINDOW))).fetchone()
            if row is None:
                return thread_id
            keep, other = min(thread_id, row[0]), max(thread_id, row[0])
            self._merge_threads(keep, other)
            thread_id = keep

    # --- thread trees -------------------------------------------------------------------

    def rebuild_dirty_threads(self) -> None:
        """Rebuild and store the tree of every thread marked dirty (after an import, or
        after an import that was killed before it got there)."""
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

    def _rebuild_thread(self, thread_id: int) -> None:
        summaries = Reader(self.db).summaries(thread_id)
        self.db.execute("DELETE FROM ghosts WHERE thread_id = ?", (thread_id,))
        if not summaries:
            self.db.execute("DELETE FROM threads WHERE id = ?", (thread_id,))
            self.db.execute("DELETE FROM analyses WHERE scope = ?", (f"thread:{thread_id}",))
            return
        tree = merged_tree(build_threads(summaries))
        ghosts = []
        links = []
        for key, node in tree.nodes.items():
            if node.ghost:
                ghosts.append((thread_id, node.message_id, node.parent, node.rule))
            else:
                links.append((node.parent, node.rule, key))
        self.db.executemany("INSERT OR REPLACE INTO ghosts(thread_id, message_id, parent_key, parent_rule)"
                            " VALUES (?,?,?,?)", ghosts)
        self.db.executemany("UPDATE messages SET parent_key = ?, parent_rule = ? WHERE key = ?", links)
        dates = [s.date for s in summaries if s.date]
        root = tree.nodes[tree.root]
        first = min(summaries, key=lambda s: (s.date or EPOCH, s.key))
        subject = root.summary.subject if root.summary else first.subject
        self.db.execute("UPDATE threads SET root_key = ?, subject = ?, messages = ?, first_date = ?,"
                        " last_date = ?, fingerprint = ?, dirty = 0 WHERE id = ?",
                        (tree.root, subject, len(summaries), iso(min(dates)) if dates else None,
                         iso(max(dates)) if dates else None, fingerprint(s.key for s in summaries), thread_id))
