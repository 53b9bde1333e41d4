"""The SQLite store: messages are the truth; thread trees and analyses a rebuildable cache.

`Store(path, create=...)` opens one (see `schema`); reads are `Reader` methods (`reader.py`),
imports go through `Store.add` (`writer.py`), analysis results through `Store.cache`
(`cache.py`).
"""

from __future__ import annotations

import sqlite3
from typing import Callable, Iterable

from ..errors import StoreError
from ..sources import Item
from .cache import AnalysisCache
from .reader import Reader, StoredId, ThreadInfo, decode, duplicate_key
from .schema import MIGRATIONS, SCHEMA_VERSION, connect, default_path
from .writer import ImportResult, Writer

__all__ = ["Store", "ImportResult", "ThreadInfo", "StoredId", "MIGRATIONS", "SCHEMA_VERSION", "default_path",
           "duplicate_key", "decode"]


class Store(Reader):
    """A threadminer store at `path`. `create=True` makes it when missing (import, fetch);
    otherwise it must exist. Use as a context manager."""

    def __init__(self, path: str | None = None, *, create: bool = True):
        self.path = path or default_path()
        db, self.readonly = connect(self.path, create=create)
        super().__init__(db)
        self.cache = AnalysisCache(db, self.readonly)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _writer(self) -> Writer:
        if self.readonly:
            raise StoreError(f"{self.path}: the store is read-only here; cannot import into it")
        return Writer(self.db, self.path)

    def add(self, items: Iterable[Item], progress: Callable[[int], None] | None = None,
            source_id: int | None = None) -> ImportResult:
        """Import messages (see `writer.Writer.add`)."""
        return self._writer().add(items, progress, source_id)

    def finish_interrupted(self) -> None:
        """Store the trees of threads an interrupted import left unbuilt."""
        if not self.readonly:
            try:
                self._writer().rebuild_dirty_threads()
            except sqlite3.OperationalError as exc:
                raise StoreError(f"{self.path}: cannot write ({exc})") from None

    def remember_source(self, path: str, size: int, mtime_ns: int, digest: str, complete: bool) -> int:
        """Record a file or folder SOURCE (see `Reader.source`); returns its id."""
        self._writer()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute("INSERT INTO sources(path, size, mtime_ns, digest, complete) VALUES (?,?,?,?,?)"
                            " ON CONFLICT(path) DO UPDATE SET size=excluded.size, mtime_ns=excluded.mtime_ns,"
                            " digest=excluded.digest, complete=excluded.complete", (path, size, mtime_ns, digest,
                                                                                  int(complete)))
            source_id = self.db.execute("SELECT id FROM sources WHERE path = ?", (path,)).fetchone()[0]
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise StoreError(f"{self.path}: cannot write ({exc})") from None
        return source_id

    def forget_source_keys(self, source_id: int) -> None:
        """Before a source is read again from its start, its old list of messages goes."""
        self._writer()
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("DELETE FROM source_keys WHERE source_id = ?", (source_id,))
        self.db.execute("COMMIT")
