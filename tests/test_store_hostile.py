"""Hostile and odd mail at the store (issue 12): no message stops an import, nothing stored is
lost or replaced, nothing grows quadratically. Each input is built here by a generator; each
test says which real pattern it stands for.
"""

from __future__ import annotations

import gzip
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from threadminer.message import Message
from threadminer.sources import read
from threadminer.store import Store

from .conftest import ROOT, corpus_path

SEED_MBOX = "seed-thread"


def run(db: str, *args: str, timeout: int = 120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "threadminer", "--db", db, "-q", *args], cwd=ROOT,
                          capture_output=True, timeout=timeout, **kw)


def mail(mid: str | None, body: str, *, subject: str = "test", sender: str = "A <a@example.org>",
         date: str = "Mon, 01 Jan 2024 00:00:00 +0000", extra: str = "") -> bytes:
    head = f"From: {sender}\nSubject: {subject}\nDate: {date}\n"
    if mid:
        head += f"Message-ID: <{mid}>\n"
    return (head + extra + "\n" + body + "\n").encode()


def mbox_of(messages: list[bytes]) -> bytes:
    return b"".join(b"From x@y Thu Jan  1 00:00:00 1970\n" + m + b"\n" for m in messages)


def seed_messages() -> list[bytes]:
    """The seed thread's 27 real messages, as raw bytes."""
    return [m.raw for m in read(str(corpus_path(SEED_MBOX, "thread.mbox"))) if isinstance(m, Message) and m.raw]


def stored_ids(db: str) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {r[0] for r in conn.execute("SELECT message_id FROM messages")}


def test_a_real_id_that_looks_like_a_duplicate_key_does_not_collide(tmp_path):
    # Message-IDs may hold "#": a real <X#2> beside two different messages under <X>.
    db = str(tmp_path / "s.sqlite3")
    box = tmp_path / "dups.mbox"
    box.write_bytes(mbox_of([mail("x#2@example.org", "the real x#2"), mail("x@example.org", "first x"),
                             mail("x@example.org", "a different x"), mail("x@example.org", "a third x")]))
    proc = run(db, "import", str(box))
    assert proc.returncode == 0, proc.stderr
    with sqlite3.connect(db) as conn:
        keys = sorted(r[0] for r in conn.execute("SELECT key FROM messages"))
    assert keys == ["<x@example.org>#2", "<x@example.org>#3", "x#2@example.org", "x@example.org"]
    assert run(db, "import", str(box)).returncode == 0  # and again: idempotent


def test_three_hundred_thousand_references_do_not_stop_the_import(tmp_path):
    # A hostile message: References with 300,000 ids, in the middle of a real thread.
    refs = " ".join(f"<r{n}@spam.example>" for n in range(300_000))
    messages = seed_messages()
    messages.insert(13, mail("many-refs@spam.example", "hello", extra=f"References: {refs}\n"))
    box = tmp_path / "refs.mbox"
    box.write_bytes(mbox_of(messages))
    db = str(tmp_path / "s.sqlite3")
    started = time.monotonic()
    proc = run(db, "import", str(box), timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - started < 120
    assert len(stored_ids(db)) == 28


def test_a_page_copy_matches_on_content_not_on_name_and_time(tmp_path):
    # Two header-less page texts from the same name and subject five minutes apart: the
    # second ("Wait, NAK: ...") is a different message and must be kept.
    first = tmp_path / "page1.txt"
    second = tmp_path / "page2.txt"
    header = "From: Jane Dev <jane@xxxxxxxxxx>\nSubject: Re: [PATCH] fix foo\nDate: Mon, 1 Jan 2024 10:{:02d}:00 +0000\n\n"
    first.write_text(header.format(0) + "Looks good to me.\n\nReviewed-by: Jane Dev <jane@example.org>\n")
    second.write_text(header.format(5) + "Wait, NAK: this breaks the arm64 build, see below.\n"
                      "The config needs CONFIG_FOO=y or the module fails to link.\n")
    db = str(tmp_path / "s.sqlite3")
    out = run(db, "import", "--json", str(first), str(second))
    assert out.returncode == 0, out.stderr
    assert b'"messages_new": 2' in out.stdout
    with sqlite3.connect(db) as conn:
        bodies = [zlib_body(r[0]) for r in conn.execute("SELECT raw FROM messages")]
    assert any("Wait, NAK" in b for b in bodies)


def zlib_body(raw: bytes) -> str:
    import zlib

    return zlib.decompress(raw).decode("utf-8", "replace")


def test_a_same_named_sender_never_deletes_a_stored_message(tmp_path):
    # A page copy stored first, then a real message from the same display name but another
    # address and other text: both stay.
    page = tmp_path / "page.txt"
    page.write_text("From: Jane Dev <jane@xxxxxxxxxx>\nSubject: Re: [PATCH] fix foo\n"
                    "Date: Mon, 1 Jan 2024 10:00:00 +0000\n\nI tested this on arm64: it boots.\n")
    real = tmp_path / "real.eml"
    real.write_bytes(mail("other@example.org", "Completely different text about an x86 build.",
                          subject="Re: [PATCH] fix foo", sender="Jane Dev <jane@other.example>",
                          date="Mon, 01 Jan 2024 10:03:00 +0000"))
    db = str(tmp_path / "s.sqlite3")
    assert run(db, "import", str(page)).returncode == 0
    assert run(db, "import", str(real)).returncode == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 2
        assert conn.execute("SELECT COUNT(*) FROM messages WHERE copy_of IS NOT NULL").fetchone()[0] == 0


def test_ten_thousand_headerless_replies_with_one_subject(tmp_path):
    # A broken gateway: replies with "Re:" and no In-Reply-To/References, one subject.
    messages = [mail("orig@example.org", "the original", subject="[PATCH] one subject")]
    messages += [mail(f"r{n}@example.org", f"reply {n}", subject="Re: [PATCH] one subject",
                      date=f"Mon, 01 Jan 2024 {n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d} +0000")
                 for n in range(1, 10_001)]
    box = tmp_path / "replies.mbox"
    box.write_bytes(mbox_of(messages))
    db = str(tmp_path / "s.sqlite3")
    started = time.monotonic()
    proc = run(db, "import", "--json", str(box), timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert time.monotonic() - started < 60
    assert b'"threads": 1' in proc.stdout


def test_a_million_copies_of_one_message_hold_no_memory_per_copy(tmp_path):
    # One message repeated (a mail loop, or an attacker's .gz): the import keeps one key.
    one = mbox_of([mail("loop@example.org", "same text")])
    box = tmp_path / "loop.mbox.gz"
    with gzip.open(box, "wb") as out:
        for _ in range(200_000):
            out.write(one)
    db = str(tmp_path / "s.sqlite3")
    proc = run(db, "import", "--json", str(box), timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert b'"messages_new": 1' in proc.stdout and b'"messages_seen": 199999' in proc.stdout
    with Store(db) as store:
        assert store.counts()["messages"] == 1


def test_a_cut_archive_says_what_was_kept(tmp_path):
    data = gzip.compress(mbox_of(seed_messages()))
    box = tmp_path / "cut.mbox.gz"
    box.write_bytes(data[: len(data) // 2])
    db = str(tmp_path / "s.sqlite3")
    proc = run(db, "import", str(box))
    assert proc.returncode == 2
    err = proc.stderr.decode()
    kept = len(stored_ids(db))
    assert f"({kept} messages read before it are stored)" in err, err


def test_sigterm_removes_a_half_finished_download(tmp_path):
    # A server that answers slowly; the user (or a supervisor) sends SIGTERM.
    import http.server
    import threading

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            self.wfile.write(b"From x Thu Jan  1 00:00:00 1970\n")
            time.sleep(20)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "threadminer", "--db", str(tmp_path / "s.sqlite3"), "-q",
                                 "fetch", "x@y", "--base", f"http://127.0.0.1:{server.server_port}/inbox/"],
                                cwd=ROOT, env={**os.environ, "TMPDIR": str(tmp)}, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while not any(tmp.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(tmp.iterdir())
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    finally:
        server.shutdown()
    assert list(tmp.iterdir()) == []


def test_output_never_replaces_the_store(tmp_path):
    db = str(tmp_path / "o.db")
    assert run(db, "import", str(corpus_path(SEED_MBOX, "thread.mbox"))).returncode == 0
    proc = run(db, "summarize", str(corpus_path(SEED_MBOX, "thread.mbox")), "-o", db)
    assert proc.returncode == 2 and b"is the store" in proc.stderr
    assert len(stored_ids(db)) == 27


@pytest.mark.parametrize("target", ["/dev/null", "folder"])
def test_a_store_path_that_is_no_file_is_refused(tmp_path, target):
    path = str(tmp_path) if target == "folder" else target
    proc = run(path, "import", str(corpus_path(SEED_MBOX, "raw", "01.eml")))
    assert proc.returncode == 2 and proc.stderr.count(b"\n") == 1
    assert not Path("/dev/null-journal").exists() and not Path("/dev/null-wal").exists()


def test_a_damaged_store_is_named_and_writes_no_half_output(tmp_path):
    db = str(tmp_path / "s.sqlite3")
    assert run(db, "import", str(corpus_path(SEED_MBOX, "thread.mbox"))).returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = os.path.getsize(db)
    with open(db, "r+b") as fh:  # overwrite the middle pages with junk
        fh.seek(size // 3)
        fh.write(os.urandom(size // 3))
    proc = run(db, "quotes", "--all", "--json")
    assert proc.returncode == 2
    assert b"damaged" in proc.stderr or b"not a threadminer store" in proc.stderr, proc.stderr
    assert proc.stdout == b""


def test_no_escape_sequence_from_mail_reaches_the_terminal(tmp_path):
    # Hostile mail: OSC 52 (writes the clipboard) and OSC 8 (a link) in the subject, plain and
    # RFC 2047-encoded; CSI, DCS and a right-to-left override in the body and in the name.
    osc52 = "\x1b]52;c;cm0gLXJmIH4=\x07"
    encoded = "=?utf-8?q?" + "".join(f"={b:02X}" for b in ("evil" + osc52).encode()) + "?="
    body = ("\x1b[2J\x1b[31mred\x1b[0m \x1bP1$r\x1b\\ text \u202egnp.exe\n\n"
            "BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
            "RIP: 0010:do\x1b]0;title\x07_thing+0x10/0x20\nCall Trace:\n <TASK>\n do_thing+0x10/0x20\n")
    first = mail("esc1@example.org", body, subject="[PATCH] \x1b]8;;http://x\x07click\x1b]8;;\x07",
                 sender="Mal\u202eory <m@example.org>")
    second = mail("esc2@example.org", "> " + body, subject=encoded, extra="In-Reply-To: <esc1@example.org>\n")
    box = tmp_path / "escape.mbox"
    box.write_bytes(mbox_of([first, second]))
    db = str(tmp_path / "s.sqlite3")
    assert run(db, "import", str(box)).returncode == 0
    outputs = []
    for args in (["threads"], ["show", "esc2@example.org"], ["quotes", "--all"], ["traces"], ["diffs"],
                 ["summarize", "--all"], ["outcomes", "--all"], ["series"]):
        proc = run(db, *args)
        assert proc.returncode == 0, (args, proc.stderr)
        outputs.append(proc.stdout + proc.stderr)
    text = b"".join(outputs)
    assert b"\x1b" not in text and b"\x07" not in text
    assert "\u202e".encode() not in text and "\x9b".encode() not in text
    assert b"\\x1b]52" in text  # shown, visibly, instead
