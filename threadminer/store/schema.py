"""The store's SQLite schema, its migrations, and opening a store file safely.

Messages are the truth; threads, the tree links and analyses are a cache that can be rebuilt
from them (as public-inbox calls its over.sqlite3 an "_UNSTABLE_ cache"). A store opens in
one of two modes: `create=True` for commands that write mail into it (import, fetch), which
make the file and its folder; `create=False` for every other command, which needs an existing
store, never creates one, and still works when the file or its folder is read-only.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time

from ..errors import StoreError

SCHEMA_VERSION = 3

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
        key TEXT NOT NULL UNIQUE,        -- Message-ID, or <Message-ID>#N for a differing duplicate
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
    CREATE TABLE IF NOT EXISTS analyses (
        message_key TEXT NOT NULL,
        kind TEXT NOT NULL,
        version INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (message_key, kind)
    ) WITHOUT ROWID;
    """,
    # 1 -> 2: messages known only from quotes of them (quote trees' ghost voices).
    """
    CREATE TABLE IF NOT EXISTS quoted_ghosts (
        quoted_in TEXT NOT NULL,
        voice INTEGER NOT NULL,
        thread_id INTEGER NOT NULL,
        message_id TEXT,
        author TEXT,
        date TEXT,
        attribution TEXT,
        text TEXT NOT NULL,
        PRIMARY KEY (quoted_in, voice)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS quoted_ghosts_thread ON quoted_ghosts(thread_id);
    CREATE INDEX IF NOT EXISTS quoted_ghosts_message_id ON quoted_ghosts(message_id);
    """,
    # 2 -> 3: the analysis cache (quoted ghosts become one of its analyses), page copies kept
    # beside the message they render, sources remembered so a file already read is not parsed
    # again, thread fingerprints, and duplicate keys that cannot be a real Message-ID.
    """
    DROP TABLE IF EXISTS quoted_ghosts;
    DROP TABLE IF EXISTS analyses;
    DROP TABLE IF EXISTS meta;
    CREATE TABLE analyses (
        scope TEXT NOT NULL,             -- a message key, or "thread:<id>"
        analyser TEXT NOT NULL,          -- "quotes", "traces", "diffs", ...
        version TEXT NOT NULL,           -- the analyser's version (and its inputs' versions)
        fingerprint TEXT NOT NULL,       -- the thread's fingerprint when it was computed
        data BLOB NOT NULL,              -- zlib-compressed JSON
        PRIMARY KEY (scope, analyser)
    ) WITHOUT ROWID;
    ALTER TABLE messages ADD COLUMN copy_of TEXT;   -- a page copy: the key of the message it renders
    ALTER TABLE threads ADD COLUMN fingerprint TEXT; -- changes whenever the thread's messages change
    ALTER TABLE messages ADD COLUMN reply_subject INTEGER NOT NULL DEFAULT 0; -- the subject says "Re:"
    CREATE INDEX messages_subject_reply ON messages(subject_key, reply_subject, date);
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,       -- absolute path of a file or folder SOURCE
        size INTEGER NOT NULL,           -- bytes read (a file) or entries (a folder)
        mtime_ns INTEGER NOT NULL,
        digest TEXT NOT NULL,            -- sha1 of the bytes read, to recognise the same file
        complete INTEGER NOT NULL        -- 1 when the whole source was read
    );
    CREATE TABLE source_keys (
        source_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,            -- position of the message in the source
        key TEXT NOT NULL,               -- the stored message it became
        PRIMARY KEY (source_id, seq)
    ) WITHOUT ROWID;
    UPDATE messages SET key = '<' || message_id || '>' || substr(key, length(message_id) + 1)
        WHERE key != message_id AND substr(key, 1, length(message_id) + 1) = message_id || '#';
    UPDATE threads SET dirty = 1;
    """,
]

# How long a writer waits for another process's write lock before giving up.
LOCK_TIMEOUT = 60.0


def default_path() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "threadminer", "threadminer.sqlite3")


def check_path(path: str, create: bool) -> None:
    """Refuse what cannot be a store: a folder, a device or FIFO, a missing file for a read."""
    if path == ":memory:":
        return
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if not create:
            raise StoreError(f"{path}: no store here (import something first, or check --db)") from None
        parent = os.path.dirname(os.path.abspath(path))
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{path}: cannot create its folder ({exc.strerror})") from None
        return
    except OSError as exc:
        raise StoreError(f"{path}: cannot open ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise StoreError(f"{path}: is a folder, not a store")
    if not stat.S_ISREG(st.st_mode):
        raise StoreError(f"{path}: not a regular file, so not a store")


def connect(path: str, *, create: bool) -> tuple[sqlite3.Connection, bool]:
    """An open, migrated connection and whether it is read-only.

    A store that cannot be written (a read-only file or folder) is opened read-only for
    reads; importing into it fails with a clear error."""
    check_path(path, create)
    try:
        db = sqlite3.connect(path, timeout=LOCK_TIMEOUT, isolation_level=None)
        _set_up(db, path, writable=True, create=create)
        return db, False
    except sqlite3.OperationalError as exc:
        db.close()
        if create or not _is_permission_problem(exc):
            raise StoreError(f"{path}: cannot use the store ({exc})") from None
    except sqlite3.DatabaseError as exc:
        db.close()
        raise StoreError(f"{path}: not a threadminer store ({exc})") from None
    # A store we may only read: `immutable` also works when the folder forbids WAL's -shm file.
    for flags in ("mode=ro", "mode=ro&immutable=1"):
        try:
            db = sqlite3.connect(f"file:{os.path.abspath(path)}?{flags}", uri=True, isolation_level=None)
            _set_up(db, path, writable=False, create=False)
            return db, True
        except sqlite3.OperationalError:
            db.close()
        except sqlite3.DatabaseError as exc:
            db.close()
            raise StoreError(f"{path}: not a threadminer store ({exc})") from None
    raise StoreError(f"{path}: cannot read the store (permission denied)")


def _is_permission_problem(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "unable to open" in text or "permission" in text


def _set_up(db: sqlite3.Connection, path: str, writable: bool, create: bool) -> None:
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            db.execute("PRAGMA schema_version").fetchone()
            if writable and db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as exc:
            # Two processes opening a new store at once: switching to WAL needs the file to
            # itself, and SQLite answers "locked" at once instead of waiting.
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache for big imports
    _migrate(db, path, writable, create)


def _migrate(db: sqlite3.Connection, path: str, writable: bool, create: bool) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: made by a newer threadminer (schema {version})")
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if version == 0 and tables and "messages" not in tables:
        raise StoreError(f"{path}: an SQLite database, but not a threadminer store")
    if version == SCHEMA_VERSION:
        return
    if version == 0 and not tables and not create:
        raise StoreError(f"{path}: an empty file, not a threadminer store")
    if not writable:
        raise StoreError(f"{path}: made by an older threadminer; open it once where it can be written to upgrade it")
    db.execute("BEGIN IMMEDIATE")
    try:
        # Read again under the write lock: another process may have migrated meanwhile.
        version = db.execute("PRAGMA user_version").fetchone()[0]
        for target in range(version, SCHEMA_VERSION):
            for statement in statements(MIGRATIONS[target]):
                db.execute(statement)
            if target + 1 in BACKFILLS:
                BACKFILLS[target + 1](db)
            db.execute(f"PRAGMA user_version={target + 1}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def statements(script: str) -> list[str]:
    """The SQL statements of a migration script, one by one (so they run inside the
    caller's transaction, which `executescript` would commit first)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                out.append(current.strip())
            current = ""
    if current.strip():
        out.append(current.strip())
    return out


def _backfill_reply_subjects(db: sqlite3.Connection) -> None:
    from ..threads import is_reply_subject

    rows = [(int(is_reply_subject(subject)), rowid) for rowid, subject in db.execute("SELECT id, subject FROM messages")]
    db.executemany("UPDATE messages SET reply_subject = ? WHERE id = ?", rows)


# Column values a migration cannot compute in SQL, filled in Python inside its transaction.
BACKFILLS = {3: _backfill_reply_subjects}
