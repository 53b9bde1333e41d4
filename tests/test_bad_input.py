"""Bad input through the real command line: one line on stderr, exit code 2, no traceback,
and what the store held before is still there."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from .conftest import ROOT, corpus_path


def run(db: str, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "threadminer", "--db", db, "-q", *args], cwd=ROOT,
                          input=stdin, capture_output=True, timeout=120)


def assert_one_line_error(proc: subprocess.CompletedProcess, code: int = 2) -> str:
    err = proc.stderr.decode()
    assert proc.returncode == code, (proc.returncode, err, proc.stdout[:300])
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: "), err
    return lines[0]


def stored(db: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]


@pytest.fixture
def seeded(tmp_path) -> str:
    """A store already holding the seed thread (27 messages)."""
    db = str(tmp_path / "store.sqlite3")
    proc = run(db, "import", str(corpus_path("seed-thread", "thread.mbox")))
    assert proc.returncode == 0, proc.stderr
    assert stored(db) == 27
    return db


def test_empty_file(seeded, tmp_path):
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    line = assert_one_line_error(run(seeded, "import", str(empty)))
    assert "empty" in line
    assert stored(seeded) == 27


def test_binary_file(seeded, tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(os.urandom(200_000))
    line = assert_one_line_error(run(seeded, "import", str(junk)))
    assert "binary" in line
    assert stored(seeded) == 27


def test_truncated_gzip_keeps_the_store(seeded, tmp_path):
    # A download cut short: the fedora Mailman archive with its last third missing.
    whole = corpus_path("fedora-devel-2010-01", "2010-January.txt.gz").read_bytes()
    cut = tmp_path / "cut.txt.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    line = assert_one_line_error(run(seeded, "import", str(cut)))
    assert "truncated" in line
    # The 27 seed messages are intact; nothing half-read from the cut archive is kept
    # beyond complete batches.
    assert stored(seeded) >= 27
    with sqlite3.connect(seeded) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM messages WHERE source LIKE '%thread.mbox'").fetchone()[0] == 27


def test_folder_that_is_no_maildir(seeded, tmp_path):
    folder = tmp_path / "notmail"
    folder.mkdir()
    (folder / "README").write_text("just some notes\n")
    (folder / "data.bin").write_bytes(os.urandom(1000))
    line = assert_one_line_error(run(seeded, "import", str(folder)))
    assert "not a maildir" in line
    assert stored(seeded) == 27


def test_missing_path(seeded, tmp_path):
    line = assert_one_line_error(run(seeded, "import", str(tmp_path / "nope.mbox")))
    assert "no such file" in line
    assert stored(seeded) == 27


def test_message_without_headers_inside_an_mbox_is_skipped_and_counted(seeded, tmp_path):
    # The seed thread's mbox with one entry whose header block was lost (a paste that kept
    # only the body): the entry is skipped and counted, the others are read.
    mbox = corpus_path("seed-thread", "thread.mbox").read_bytes()
    broken = tmp_path / "broken.mbox"
    broken.write_bytes(mbox + b"\nFrom mboxrd@z Thu Jan  1 00:00:00 1970\nthis line is no header\n"
                       b"and neither is this one\n\n")
    proc = run(seeded, "import", "--json", str(broken))
    assert proc.returncode == 0, proc.stderr
    import json

    counts = json.loads(proc.stdout)
    assert counts["skipped"] == 1 and counts["messages_seen"] == 27 and counts["messages_new"] == 0
    assert "skipped (no mail headers)" in proc.stderr.decode()
    assert "Traceback" not in proc.stderr.decode()


def test_huge_message(seeded, tmp_path):
    # 50 MB: a real message (seed thread message 16) with a 50 MB attachment-like body.
    raw = corpus_path("seed-thread", "raw", "16.eml").read_bytes()
    head, _, body = raw.partition(b"\n\n")
    huge = tmp_path / "huge.eml"
    huge.write_bytes(head + b"\n\n" + body + (b"x" * 79 + b"\n") * (50 * 1024 * 1024 // 80))
    line = assert_one_line_error(run(seeded, "import", str(huge)))
    assert "limit" in line
    # Inside an mbox the same message is skipped and counted, and the rest is read.
    box = tmp_path / "huge.mbox"
    with open(box, "wb") as out:
        out.write(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + huge.read_bytes() + b"\n")
        out.write(corpus_path("seed-thread", "thread.mbox").read_bytes())
    proc = run(seeded, "import", "--json", str(box))
    assert proc.returncode == 0, proc.stderr
    import json

    counts = json.loads(proc.stdout)
    assert counts["skipped"] == 1 and counts["messages_seen"] == 27
    assert stored(seeded) == 27


def test_db_that_is_not_sqlite(tmp_path):
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(b"this is a text file, not a database\n" * 100)
    line = assert_one_line_error(run(str(bogus), "threads"))
    assert "not a threadminer store" in line
    assert bogus.read_bytes().startswith(b"this is a text file")


def test_db_that_is_another_sqlite_database(tmp_path):
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (x TEXT)")
    line = assert_one_line_error(run(str(other), "threads"))
    assert "not a threadminer store" in line


def test_unknown_message_id_offline(seeded):
    proc = run(seeded, "show", "--offline", "no-such-message@example.org")
    line = assert_one_line_error(proc, code=1)
    assert "not found" in line


def test_wrong_charset_is_read_not_fatal(tmp_path):
    # Patchwork's sample with a charset label no codec knows.
    db = str(tmp_path / "s.sqlite3")
    proc = run(db, "import", "--json", str(corpus_path("patchwork", "mail", "0010-invalid-charset.mbox")))
    assert proc.returncode == 0, proc.stderr
    assert stored(db) == 1


def test_binary_junk_on_stdin(tmp_path):
    db = str(tmp_path / "s.sqlite3")
    assert_one_line_error(run(db, "import", "-", stdin=os.urandom(5000)))


def test_import_killed_with_sigkill_resumes(tmp_path):
    """kill -9 in the middle of an epoch import: the store stays consistent, and running
    the import again finishes the job without duplicates."""
    epoch = corpus_path("public-inbox", "ksummit", "0.git")
    db = str(tmp_path / "k.sqlite3")
    proc = subprocess.Popen([sys.executable, "-m", "threadminer", "--db", db, "-q", "import", str(epoch)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Wait until some batches are committed, then kill without warning.
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if os.path.exists(db):
            try:
                with sqlite3.connect(db, timeout=1) as conn:
                    if conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] >= 500:
                        break
            except sqlite3.OperationalError:
                continue
    proc.kill()
    proc.wait()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        partial = conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    assert partial < 3112, "the import finished before it could be killed"
    again = run(db, "import", "--json", str(epoch))
    assert again.returncode == 0, again.stderr
    assert stored(db) == 3112
    third = run(db, "import", "--json", str(epoch))
    import json

    assert json.loads(third.stdout)["messages_new"] == 0
    assert stored(db) == 3112
    shutil.rmtree(tmp_path, ignore_errors=True)
