"""The SQLite store: migrations, duplicates, page copies, concurrent writers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from threadminer.errors import StoreError
from threadminer.message import Message
from threadminer.store import MIGRATIONS, SCHEMA_VERSION, Store
from threadminer.sources import read

from .conftest import ROOT, corpus_path, seed_page

SEED_ID = "20221019234256.GR2703033@dread.disaster.area"


def test_old_schema_is_migrated_and_keeps_its_messages(tmp_path):
    db = str(tmp_path / "old.sqlite3")
    # A store written by the first schema: apply migration 0 by hand, then import with it.
    conn = sqlite3.connect(db)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    with Store(db) as store:
        store.add(read(str(corpus_path("seed-thread", "thread.mbox"))))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 27
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"messages", "ids", "threads", "ghosts", "checkpoints", "analyses"} <= tables


def test_store_from_a_newer_version_is_refused(tmp_path):
    db = str(tmp_path / "new.sqlite3")
    Store(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer threadminer"):
        Store(db)


def test_wal_mode(tmp_path):
    db = str(tmp_path / "s.sqlite3")
    Store(db).close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_list_copies_of_one_message_are_one_message(tmp_path):
    # notmuch's duplicate corpus: five list copies of one Debian BTS mail (different subject
    # tags, footers), two deliveries of another, and two different mails under one id.
    with Store(str(tmp_path / "s.sqlite3")) as store:
        result = store.add(read(str(corpus_path("notmuch-threading-edge", "duplicate"))))
        assert result.messages_new == 4 and result.messages_seen == 5
        keys = sorted(r[0] for r in store.db.execute("SELECT key FROM messages"))
        # The second, different message under one id: a key no Message-ID can be.
        assert "<87r2geywh9.fsf@tethera.net>#2" in keys


def test_page_copy_is_kept_beside_the_real_message(tmp_path):
    with Store(str(tmp_path / "s.sqlite3")) as store:
        page = store.add(read(str(seed_page())))
        [page_key] = page.keys
        assert page.messages_new == 1 and page_key.endswith("@threadminer.invalid")
        store.add(read(str(corpus_path("seed-thread", "thread.mbox"))))
        # The page became a copy of the real message: kept (never deleted), out of the thread.
        assert store.counts()["messages"] == 27
        assert store.copy_of(page_key) == SEED_ID
        assert store.thread_id_of(page_key) == store.thread_id_of(SEED_ID)
        assert store.lookup(page_key).key == page_key
        again = store.add(read(str(seed_page())))
        assert again.messages_seen == 1 and list(again.keys) == [page_key]


def test_threads_do_not_depend_on_import_order(tmp_path):
    mbox = corpus_path("seed-thread", "thread.mbox")
    messages = [m for m in read(str(mbox)) if isinstance(m, Message)]

    def shape(store: Store) -> list[tuple[str, str | None, str | None]]:
        return sorted(store.db.execute("SELECT key, parent_key, parent_rule FROM messages"))

    with Store(str(tmp_path / "forward.sqlite3")) as forward, Store(str(tmp_path / "back.sqlite3")) as back:
        forward.add(messages)
        # Reversed, and in two imports: the ghost and the thread merge come out the same.
        back.add(list(reversed(messages))[:13])
        back.add(list(reversed(messages))[13:])
        assert shape(forward) == shape(back)
        assert forward.counts() == back.counts() == {"messages": 27, "threads": 1}


def test_two_imports_at_once(tmp_path):
    """Two processes importing into one store: both finish, nothing is lost or doubled."""
    db = str(tmp_path / "s.sqlite3")
    sources = [corpus_path("notmuch-lkml"), corpus_path("fedora-devel-2010-01", "2010-January.txt.gz")]
    procs = [subprocess.Popen([sys.executable, "-m", "threadminer", "--db", db, "-q", "import", str(s)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for s in sources]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with Store(db) as store:
        assert store.counts()["messages"] == 176 + 292
        dirty = store.db.execute("SELECT COUNT(*) FROM threads WHERE dirty = 1").fetchone()[0]
        assert dirty == 0
