"""The analysis cache: each analysis result stored once, with its analyser's version.

A row is keyed by scope (a message key, or "thread:<id>") and analyser, and is valid while
the analyser's version and the thread's fingerprint (its set of messages) are unchanged: a
new analyser version or a new message in the thread recomputes it. Writing the cache is a
favour, never a duty: a read-only store, a full disk or another process's import holding the
write lock only means the result is not kept, and the reading command goes on without waiting.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from typing import Any, Iterable

# How long a cache write waits for the write lock (an import holds it for seconds at a time).
CACHE_LOCK_WAIT_MS = 50
CHUNK = 500


def encode(data: Any) -> bytes:
    """A cache row's data: compact JSON, compressed (quote trees repeat their text's words)."""
    return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), 1)


class AnalysisCache:
    def __init__(self, db: sqlite3.Connection, readonly: bool = False):
        self.db = db
        self.readonly = readonly
        self.write_transactions = 0  # how many times this process wrote to the cache

    def get(self, scopes: Iterable[str], analyser: str, version: str, fingerprints: dict[str, str] | str
            ) -> dict[str, Any]:
        """The cached data of each scope whose row is current (others are absent)."""
        scopes = list(scopes)
        found: dict[str, Any] = {}
        for start in range(0, len(scopes), CHUNK):
            chunk = scopes[start:start + CHUNK]
            marks = ",".join("?" * len(chunk))
            for scope, row_version, row_fp, data in self.db.execute(
                    f"SELECT scope, version, fingerprint, data FROM analyses WHERE analyser = ?"
                    f" AND scope IN ({marks})", [analyser, *chunk]):
                want = fingerprints if isinstance(fingerprints, str) else fingerprints.get(scope)
                if row_version == version and row_fp == want:
                    found[scope] = json.loads(zlib.decompress(data))
        return found

    def missing_messages(self, thread_ids: list[int], analyser: str, version: str) -> dict[int, int]:
        """For each thread, how many of its messages lack a current row of `analyser`."""
        out: dict[int, int] = {}
        for start in range(0, len(thread_ids), CHUNK):
            chunk = thread_ids[start:start + CHUNK]
            marks = ",".join("?" * len(chunk))
            for thread_id, lacking in self.db.execute(
                    "SELECT m.thread_id, SUM(a.scope IS NULL) FROM messages m JOIN threads t ON t.id = m.thread_id"
                    " LEFT JOIN analyses a ON a.scope = m.key AND a.analyser = ? AND a.version = ?"
                    " AND a.fingerprint = t.fingerprint"
                    f" WHERE m.copy_of IS NULL AND m.thread_id IN ({marks}) GROUP BY m.thread_id",
                    [analyser, version, *chunk]):
                if lacking:
                    out[thread_id] = lacking
        return out

    def missing_threads(self, thread_ids: list[int], analyser: str, version: str) -> dict[int, int]:
        """For a thread-level analyser: each thread lacking a current row, with its size."""
        out: dict[int, int] = {}
        for start in range(0, len(thread_ids), CHUNK):
            chunk = thread_ids[start:start + CHUNK]
            marks = ",".join("?" * len(chunk))
            for thread_id, size in self.db.execute(
                    "SELECT t.id, t.messages FROM threads t LEFT JOIN analyses a ON a.scope = 'thread:' || t.id"
                    " AND a.analyser = ? AND a.version = ? AND a.fingerprint = t.fingerprint"
                    f" WHERE t.id IN ({marks}) AND a.scope IS NULL", [analyser, version, *chunk]):
                out[thread_id] = size
        return out

    def put(self, rows: Iterable[tuple[str, str, Any]], analyser: str, version: str) -> bool:
        """Store (scope, fingerprint, data) rows in one short transaction; False when the
        store could not take them now (read-only, locked by an import, disk full)."""
        return self.put_encoded(((scope, fp, encode(data)) for scope, fp, data in rows), analyser, version)

    def put_encoded(self, rows: Iterable[tuple[str, str, bytes]], analyser: str, version: str) -> bool:
        """`put` for rows whose data `encode` has made bytes already (by worker processes)."""
        rows = [(scope, analyser, version, fp, data) for scope, fp, data in rows]
        if not rows or self.readonly:
            return False
        old = self.db.execute("PRAGMA busy_timeout").fetchone()[0]
        self.db.execute(f"PRAGMA busy_timeout = {CACHE_LOCK_WAIT_MS}")
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.write_transactions += 1
            self.db.executemany("INSERT OR REPLACE INTO analyses(scope, analyser, version, fingerprint, data)"
                                " VALUES (?,?,?,?,?)", rows)
            self.db.execute("COMMIT")
            return True
        except sqlite3.OperationalError:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            return False
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {old}")
