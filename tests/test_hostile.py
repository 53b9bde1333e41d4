"""Hostile and odd mail below the store (issue 12): no message stops an import, no input hangs,
nothing is lost silently, nothing hostile reaches the terminal.

The mail is built by tests/hostile_mail.py. Every import runs the real command line in a
subprocess with a generous timeout: a hang fails the test instead of stalling the suite, and
no test asserts a speed (bench/adversarial.py measures growth).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from threadminer.message import Message, parse_bytes
from threadminer.sources import Notice, Skipped, read
from threadminer.sources.mbox import iter_mbox_entries
from threadminer.store import Store

from . import hostile_mail as hm
from .conftest import ROOT, corpus_path, have

SEED_MBOX = ("seed-thread", "thread.mbox")
TIMEOUT = 300  # seconds: far above any honest run, far below "forever"


def run(db: str, *args: str, stdin: bytes | None = None, env: dict | None = None,
        timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "threadminer", "--db", db, "-q", *args], cwd=ROOT,
                          input=stdin, capture_output=True, timeout=timeout, env=env)


def no_traceback(proc: subprocess.CompletedProcess) -> str:
    err = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "internal error" not in err, err[-3000:]
    return err


def import_json(db: str, *sources: str) -> tuple[dict, str]:
    proc = run(db, "import", "--json", *sources)
    err = no_traceback(proc)
    assert proc.returncode == 0, (proc.returncode, err[-2000:])
    return json.loads(proc.stdout), err


def seed_raws() -> list[bytes]:
    data = corpus_path(*SEED_MBOX).read_bytes()
    return [raw for _, raw in iter_mbox_entries(io.BytesIO(data))]


def seed_ids() -> list[str]:
    return [parse_bytes(raw).message_id for raw in seed_raws()]


def stored_ids(db: str) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT message_id FROM messages")}


# --- one message never aborts an import ---------------------------------------------------

@pytest.mark.parametrize("case", sorted(hm.CASES))
def test_hostile_message_in_the_middle_of_the_seed_thread(tmp_path, case):
    """The hostile message sits between the 13th and 14th of the 27 seed messages: all 27 are
    stored, and the hostile one is stored with what could be read, or skipped with a warning
    naming its place and Message-ID."""
    make, is_stored = hm.CASES[case]
    mid = f"{case}@hostile.example"
    raws = seed_raws()
    mbox = tmp_path / "thread.mbox"
    mbox.write_bytes(hm.mbox_of(raws[:13] + [make(mid)] + raws[13:]))
    db = str(tmp_path / "s.sqlite3")
    counts, err = import_json(db, str(mbox))
    stored = stored_ids(db)
    assert set(seed_ids()) <= stored
    if is_stored:
        assert mid in stored
        assert counts["skipped"] == 0, err
    else:
        assert counts["skipped"] == 1
        assert re.search(r"message 14 at byte \d+: skipped \(", err), err
    assert counts["messages_new"] == 27 + is_stored


def test_hostile_messages_in_the_middle_of_a_real_archive(tmp_path):
    """Every case at once, in the middle of the linux-modules archive (10,570 messages, as
    mboxrd): every real message is stored, each hostile one is stored or named."""
    from threadminer.sources import public_inbox

    epoch = corpus_path("public-inbox", "linux-modules", "0.git")
    raws = [raw for _, raw in public_inbox.iter_epoch(str(epoch))]
    hostile = {f"{case}@hostile.example": make(f"{case}@hostile.example") for case, (make, _) in hm.CASES.items()}
    middle = len(raws) // 2
    mbox = tmp_path / "linux-modules.mbox"
    with open(mbox, "wb") as out:
        for raw in raws[:middle]:
            out.write(hm.mbox_entry(raw))
        for raw in hostile.values():
            out.write(hm.mbox_entry(raw))
        for raw in raws[middle:]:
            out.write(hm.mbox_entry(raw))
    db = str(tmp_path / "s.sqlite3")
    counts, err = import_json(db, str(mbox))
    expected_stored = {mid for mid, (case) in zip(hostile, hm.CASES) if hm.CASES[case][1]}
    stored = stored_ids(db)
    assert expected_stored <= stored
    # 10,570 commits hold 10,567 distinct messages (three exact re-deliveries).
    assert counts["messages_new"] == 10567 + len(expected_stored)
    assert counts["skipped"] == len(hostile) - len(expected_stored)
    assert f"message {middle + 1 + list(hm.CASES).index('not-mail')} at byte" in err


def test_unexpected_failure_is_a_named_skip(tmp_path, monkeypatch):
    """Whatever goes wrong inside one message (here: a bug simulated in the parser) becomes a
    Skipped naming the archive position and the Message-ID; the rest of the archive is read."""
    import threadminer.sources as sources

    raws = seed_raws()
    victim = parse_bytes(raws[5]).message_id
    real_parse = sources.parse_bytes

    def broken(raw: bytes, source: str = ""):
        if victim.encode() in raw[:4096] and b"Message-ID: <" + victim.encode() in raw:
            raise KeyError("simulated bug")
        return real_parse(raw, source)

    monkeypatch.setattr(sources, "parse_bytes", broken)
    path = tmp_path / "t.mbox"
    data = hm.mbox_of(raws)
    path.write_bytes(data)
    items = list(read(str(path)))
    skipped = [i for i in items if isinstance(i, Skipped)]
    messages = [i for i in items if isinstance(i, Message)]
    assert len(messages) == 26 and len(skipped) == 1
    offset = [o for o, _ in iter_mbox_entries(io.BytesIO(data))][5]
    assert skipped[0].where == f"message 6 at byte {offset}, <{victim}>"
    assert skipped[0].message_id == victim
    assert "KeyError" in skipped[0].reason
    assert data[offset:].startswith(b"From ")


def test_page_with_a_non_ascii_domain(tmp_path):
    """A pasted archive page whose From: holds an internationalised domain is stored, and the
    address reads back the same."""
    page = ("Re: [PATCH] module: fix a leak\n\nFrom: J\u00f6rg M\u00fcller <joerg@m\u00fcller.example>\n"
            "Date: Wed Oct 19 2022 - 19:43:09 EST\n\nLooks good to me.\n")
    path = tmp_path / "page.txt"
    path.write_text(page, encoding="utf-8")
    db = str(tmp_path / "s.sqlite3")
    counts, _ = import_json(db, str(path))
    assert counts["messages_new"] == 1
    with Store(db) as store:
        [key] = [row[0] for row in store.db.execute("SELECT key FROM messages")]
        msg = store.message(key)
    assert msg.author.email == "joerg@m\u00fcller.example"
    assert msg.author.name == "J\u00f6rg M\u00fcller"


def test_what_the_salvaged_messages_hold():
    """Stored "with what can be read": the outer headers, and the text found at the bottom
    of a structure too deep to parse; the cap on References keeps the parent."""
    deep = parse_bytes(hm.nested_multipart("deep@x", 1000))
    assert deep.subject == "hostile mail" and "the text at the bottom" in deep.body
    assert any("MIME structure not readable" in d for d in deep.defects)
    forwarded = parse_bytes(hm.nested_rfc822("fwd@x", 1000))
    assert "the text at the bottom" in forwarded.body
    looped = parse_bytes(hm.many_references("loop@x", 300_000))
    assert len(looped.references) == 100
    assert looped.references[-1] == "loop299999@gateway.example"  # the parent
    assert looped.references[0] == "loop0@gateway.example"  # the root
    assert looped.parent_ids[0] == "loop299999@gateway.example"
    comment = parse_bytes(hm.nested_comment_from("c@x"))
    assert comment.author.email == "eve@example.org"
    named = parse_bytes(hm.rfc2231_attachment("a@x"))
    assert [a.filename for a in named.attachments] == ["d\u00e9mesg.txt"]
    raw_named = parse_bytes(hm.raw_8bit_filename("b@x"))
    assert [a.filename for a in raw_named.attachments] == ["d\u00e9mesg.txt"]


def _time_in_subprocess(code: str, timeout: float = 120) -> None:
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]


def test_address_and_threading_shapes_finish():
    """Shapes that were quadratic finish (a hang fails on the timeout): a 200,000-letter To:
    parsed and its recipients listed, a 30,000-deep reply chain (2 min before), 30,000
    header-less replies with one subject, a flat thread of 30,000."""
    _time_in_subprocess("""
from datetime import datetime, timedelta, timezone
from threadminer.message import parse_bytes
from threadminer.threads import Summary, build_threads
from tests.hostile_mail import long_to
m = parse_bytes(long_to("to@x", 200_000))
m.recipients
t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
n = 30_000
chain = [Summary(f"c{i}@x", f"c{i}@x", f"c{i-1}@x" if i else None, (), "s", t0 + timedelta(seconds=i)) for i in range(n)]
[thread] = build_threads(chain)
assert max(depth for _, depth in thread.walk()) == n - 1
flat = [Summary(f"f{i}@x", f"f{i}@x", "f0@x" if i else None, ("f0@x",) if i else (), "s", t0 + timedelta(seconds=i)) for i in range(n)]
assert len(build_threads(flat)) == 1
subj = [Summary("o@x", "o@x", None, (), "patch", t0)] + [Summary(f"r{i}@x", f"r{i}@x", None, (), "Re: patch", t0 + timedelta(seconds=i + 1)) for i in range(n)]
assert len(build_threads(subj)) == 1
""")


# --- inputs that hang or blow up ------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_folder_with_fifo_device_and_symlink_to_dev_zero(tmp_path):
    """A FIFO would block the reader forever and /dev/zero never ends: both are skipped and
    named, the real messages of the folder are stored."""
    folder = tmp_path / "maildir"
    (folder / "cur").mkdir(parents=True)
    raws = seed_raws()
    for n, raw in enumerate(raws[:5]):
        (folder / "cur" / f"{n:02d}.eml").write_bytes(raw)
    os.mkfifo(folder / "cur" / "03a-fifo")
    os.symlink("/dev/zero", folder / "cur" / "03b-zero")
    os.symlink("/dev/null", folder / "cur" / "03c-null")
    db = str(tmp_path / "s.sqlite3")
    counts, err = import_json(db, str(folder))
    assert counts["messages_new"] == 5 and counts["skipped"] == 3
    assert "cur/03a-fifo: skipped (a FIFO, not read)" in err
    assert "cur/03b-zero: skipped (a character device, not read)" in err
    assert set(seed_ids()[:5]) <= stored_ids(db)


def _zeros_gzip(path: Path, head: bytes, zeros: int) -> None:
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(head)
        block = bytes(1 << 20)
        for _ in range(zeros >> 20):
            out.write(block)


def test_local_gzip_bomb_stops_early(tmp_path):
    """The seed thread, then an entry of 256 MiB of zeros, in a .gz of under a megabyte: the
    reader stops at the expansion-ratio cap, says so and how many messages came before."""
    bomb = tmp_path / "bomb.mbox.gz"
    _zeros_gzip(bomb, corpus_path(*SEED_MBOX).read_bytes() + hm.FROM_LINE, 256 << 20)
    assert bomb.stat().st_size < 1 << 20
    db = str(tmp_path / "s.sqlite3")
    proc = run(db, "import", str(bomb))
    err = no_traceback(proc)
    assert proc.returncode == 2
    assert "compression bomb" in err and "expands more than 100 times" in err
    assert "27 complete messages were read before it" in err


def _small_message(n: int = 0) -> bytes:
    """A 430-byte message, the size of the one repeated a million times in the issue's
    418 KB .gz."""
    return hm.headers(f"copy{n}@example.org", "[PATCH] kmod: same again") + b"\n" + b"Same text.\n" * 20


def test_gzip_of_a_million_copies_meets_the_ratio_cap(tmp_path):
    """One message repeated (300,000 times here; a million in the issue's 418 KB .gz)
    compresses hundreds of times: the stream stops past 64 MiB with the ratio cap's reason
    instead of expanding all of it."""
    from threadminer.errors import SourceError
    from threadminer.sources.compressed import open_maybe_compressed

    entry = hm.mbox_entry(_small_message())
    path = tmp_path / "copies.mbox.gz"
    with gzip.open(path, "wb", compresslevel=6) as out:
        block = entry * 10_000
        for _ in range(30):
            out.write(block)
    assert path.stat().st_size * 100 < len(entry) * 300_000
    read_bytes = 0
    with pytest.raises(SourceError, match="expands more than 100 times its compressed size"):
        with open_maybe_compressed(str(path)) as stream:
            while chunk := stream.read(1 << 20):
                read_bytes += len(chunk)
    assert 64 << 20 <= read_bytes < 80 << 20


def test_reader_memory_does_not_grow_per_message(tmp_path):
    """5,000 copies of one message: the reader holds one block and one message, nothing per
    message seen (traced peak about 3 MiB; a kilobyte kept per message would add 5 MiB)."""
    import tracemalloc

    path = tmp_path / "copies.mbox"
    path.write_bytes(hm.mbox_entry(_small_message()) * 5_000)
    tracemalloc.start()
    try:
        count = sum(1 for item in read(str(path)) if isinstance(item, Message))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 5_000
    assert peak < 6 << 20, peak


class Trickle:
    """A loopback HTTP server that sends one byte at a time, `every` seconds apart, in the
    headers or in the body."""

    def __init__(self, phase: str, every: float = 0.2):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.phase, self.every = phase, every
        self.stop = threading.Event()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/all/x@y/t.mbox.gz"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n"
        try:
            conn.recv(65536)
            if self.phase == "body":
                conn.sendall(head)
                head = b""
            stream = head + b"x" * 1_000_000
            for i in range(len(stream)):
                if self.stop.wait(self.every):
                    break
                conn.sendall(stream[i: i + 1])
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.mark.parametrize("phase", ["headers", "body"])
def test_trickling_server_meets_the_request_deadline(tmp_path, phase):
    from threadminer.errors import FetchError
    from threadminer.remote.http import Client, Limits

    server = Trickle(phase)
    try:
        started = time.monotonic()
        with Client(Limits(max_request_seconds=1.5, read_timeout=10)) as client:
            with pytest.raises(FetchError, match="gave up after 1.5 s: the server sends too slowly"):
                client.fetch("GET", server.url, str(tmp_path / "out"))
        assert time.monotonic() - started < 10  # the read timeout never fired: the deadline did
    finally:
        server.close()


def test_fetch_deadline_is_configurable(tmp_path):
    server = Trickle("body")
    config = tmp_path / "config.toml"
    config.write_text("[fetch]\nmax_request_seconds = 1\nread_timeout = 30\n")
    env = dict(os.environ, THREADMINER_CONFIG=str(config))
    env.pop("THREADMINER_BASE", None)
    try:
        proc = run(str(tmp_path / "s.sqlite3"), "fetch", "x@y", "--base", server.url.split("x@y")[0],
                   env=env, timeout=60)
    finally:
        server.close()
    err = no_traceback(proc)
    assert proc.returncode == 2 and "gave up after 1 s" in err


# --- silent loss ----------------------------------------------------------------------------

@pytest.mark.parametrize("ending", ["cr", "crlf", "cr-then-lf", "lf-then-crlf-then-cr"])
def test_mbox_line_endings(tmp_path, ending):
    """The seed thread with CR-only line ends (classic Mac OS), CRLF, and mixtures of them
    message by message: 27 messages each time, the same ones a LF import stores."""
    raws = seed_raws()
    entries = [hm.mbox_entry(raw) for raw in raws]

    def conv(data: bytes, kind: str) -> bytes:
        return data if kind == "lf" else data.replace(b"\n", b"\r" if kind == "cr" else b"\r\n")

    plan = {"cr": ["cr"], "crlf": ["crlf"], "cr-then-lf": ["cr", "lf"],
            "lf-then-crlf-then-cr": ["lf", "crlf", "cr"]}[ending]
    data = b"".join(conv(entry, plan[i * len(plan) // len(entries)]) for i, entry in enumerate(entries))
    path = tmp_path / "thread.mbox"
    path.write_bytes(data)
    db = str(tmp_path / "s.sqlite3")
    counts, _ = import_json(db, str(path))
    assert counts["messages_new"] == 27 and counts["skipped"] == 0
    assert stored_ids(db) == set(seed_ids())
    # The same content as the LF original: importing that adds nothing.
    lf = tmp_path / "lf.mbox"
    lf.write_bytes(b"".join(entries))
    again, _ = import_json(db, str(lf))
    assert again["messages_new"] == 0 and again["messages_seen"] == 27


def test_single_message_with_cr_line_ends(tmp_path):
    raw = seed_raws()[3]
    msg = parse_bytes(raw.replace(b"\n", b"\r"))
    assert msg == parse_bytes(raw) and msg.body == parse_bytes(raw).body


def test_gzip_cut_in_half_says_what_was_read(tmp_path):
    whole = gzip.compress(hm.mbox_of(seed_raws()))
    cut = tmp_path / "cut.mbox.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    db = str(tmp_path / "s.sqlite3")
    proc = run(db, "import", str(cut))
    err = no_traceback(proc)
    assert proc.returncode == 2
    found = re.search(r"truncated compressed data.*; (\d+) complete messages were read before it", err)
    assert found, err
    assert 0 < int(found.group(1)) < 27


def _epoch(path: Path, raws: list[bytes]) -> None:
    from .public_inbox_server import _fast_import_stream

    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=str(path.parent))
    if path.exists():
        shutil.rmtree(path)
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True, env=env)
    subprocess.run(["git", f"--git-dir={path}", "symbolic-ref", "HEAD", "refs/heads/master"], check=True, env=env)
    subprocess.run(["git", f"--git-dir={path}", "fast-import", "--quiet"], input=_fast_import_stream(raws),
                   check=True, env=env, capture_output=True)


@pytest.mark.skipif(not have("git"), reason="git is not installed")
def test_epoch_rewritten_at_the_same_path(tmp_path):
    """An epoch re-cloned after a purge (one message removed, so every later commit differs)
    is noticed, read again from its start, and said; a message new in it is stored."""
    raws = seed_raws()
    epoch = tmp_path / "0.git"
    _epoch(epoch, raws[:20])
    db = str(tmp_path / "s.sqlite3")
    first, _ = import_json(db, str(epoch))
    assert first["messages_new"] == 20
    _epoch(epoch, raws[:4] + raws[5:21])  # purged raws[4]; raws[20] arrived since
    counts, err = import_json(db, str(epoch))
    assert counts["messages_new"] == 1 and counts["messages_seen"] == 19
    assert "history was rewritten" in err and "read again from its first commit" in err
    assert parse_bytes(raws[20]).message_id in stored_ids(db)
    # The new checkpoint is in the new history: the next import finds nothing new, silently.
    third, err = import_json(db, str(epoch))
    assert third["messages_new"] == 0 and "rewritten" not in err


@pytest.mark.skipif(not have("git"), reason="git is not installed")
def test_epoch_rewrite_is_a_notice(tmp_path):
    raws = seed_raws()
    epoch = tmp_path / "0.git"
    _epoch(epoch, raws[:3])
    items = list(read(str(epoch), {"epoch:" + os.path.realpath(epoch): "0" * 40}))
    notices = [i for i in items if isinstance(i, Notice)]
    assert len(notices) == 1 and notices[0].where == "checkpoint " + "0" * 12
    assert sum(isinstance(i, Message) for i in items) == 3


# --- what reaches the terminal --------------------------------------------------------------

def test_terminal_escapes_from_mail_are_made_visible():
    from threadminer.report.terminal import is_safe, printable

    msg = parse_bytes(hm.terminal_escapes("esc@x"))
    for text in (msg.subject, msg.body):
        assert "\x1b" in text or "\u202e" in text  # decoded, RFC 2047 included: the danger is real
        shown = printable(text)
        assert is_safe(shown)
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", shown)
        assert "\\x1b]52;c;" in shown and "\\u202e" in shown  # visible, not silently dropped
    assert printable("line one\n\tindented\n") == "line one\n\tindented\n"


@pytest.mark.parametrize("text, shown", [
    ("\x1b]52;c;cm0gLXJmIH4=\x07", "\\x1b]52;c;cm0gLXJmIH4=\\x07"),  # OSC 52: clipboard write
    ("\x1b]8;;http://e/\x1b\\x\x1b]8;;\x1b\\", "\\x1b]8;;http://e/\\x1b\\x\\x1b]8;;\\x1b\\"),  # OSC 8
    ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),  # OSC 0: window title
    ("\x1bP+q544e\x1b\\", "\\x1bP+q544e\\x1b\\"),  # DCS
    ("\x1b[2J\x1b[31m", "\\x1b[2J\\x1b[31m"),  # CSI
    ("\x9b31m\x9d0;t\x9c\x90", "\\x9b31m\\x9d0;t\\x9c\\x90"),  # C1 forms of CSI, OSC, ST, DCS
    ("a\x7fb\x08c\rd\x00", "a\\x7fb\\x08c\\x0dd\\x00"),  # DEL, backspace, CR, NUL
    ("\u202aa\u202bb\u202cc\u202dd\u202ee", "\\u202aa\\u202bb\\u202cc\\u202dd\\u202ee"),  # bidi
    ("\u2066a\u2067b\u2068c\u2069", "\\u2066a\\u2067b\\u2068c\\u2069"),  # isolates
    ("bad \udcff byte", "bad \\udcff byte"),  # a lone surrogate would crash the print
    ("J\u00f6rg \u05e9\u05dc\u05d5\u05dd \u4e2d\u6587", "J\u00f6rg \u05e9\u05dc\u05d5\u05dd \u4e2d\u6587"),
])
def test_printable_cases(text, shown):
    from threadminer.report.terminal import printable

    assert printable(text) == shown


def test_file_name_with_newline_cannot_forge_a_line():
    from threadminer.report.terminal import one_line

    name = "a.eml\nwarning: everything is fine\x1b[1A"
    line = f"warning: {one_line(name)}: skipped"
    assert "\n" not in line and "\x1b" not in line
    assert line == "warning: a.eml\\nwarning: everything is fine\\x1b[1A: skipped"
    assert one_line("cr\rhere") == "cr\\x0dhere"


# --- -o ---------------------------------------------------------------------------------------

def test_output_rules(tmp_path, capfdbinary):
    from threadminer.errors import ThreadminerError
    from threadminer.report.files import output_target, write_output

    regular = tmp_path / "report.md"
    regular.write_text("old")
    regular.chmod(0o640)
    write_output(str(regular), "new")
    assert regular.read_text() == "new" and regular.stat().st_mode & 0o777 == 0o640
    link = tmp_path / "link.md"
    link.symlink_to(regular)
    write_output(str(link), "through the link")
    assert link.is_symlink() and regular.read_text() == "through the link"
    dangling = tmp_path / "dangling.md"
    dangling.symlink_to(tmp_path / "target.md")
    write_output(str(dangling), "created")
    assert dangling.is_symlink() and (tmp_path / "target.md").read_text() == "created"
    assert output_target("/dev/null") == ("through", "/dev/null")
    write_output("/dev/null", "gone")
    assert Path("/dev/null").is_char_device()
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert output_target(str(fifo)) == ("through", str(fifo))
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    write_output(str(fifo), "into the pipe")
    reader.join(10)
    assert got == [b"into the pipe"] and fifo.is_fifo()
    assert output_target("/dev/stdout")[0] == "through"
    for refused in (str(tmp_path),):
        with pytest.raises(ThreadminerError, match="is a folder; not written"):
            write_output(refused, "x")
    store = tmp_path / "store.sqlite3"
    store.write_bytes(b"SQLite format 3\0")
    alias = tmp_path / "alias"
    alias.symlink_to(store)
    with pytest.raises(ThreadminerError, match="is the store"):
        write_output(str(alias), "x", protect=[str(store)])
    assert store.read_bytes() == b"SQLite format 3\0"
    write_output("-", "to stdout\n")
    assert capfdbinary.readouterr().out == b"to stdout\n"


@pytest.mark.parametrize("block", [5, 13, 64, 4099])
@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
def test_mbox_split_does_not_depend_on_block_boundaries(monkeypatch, block, ending):
    """Separators and line ends cut anywhere by the reads: the same messages, at the same
    offsets, as one read of the whole file."""
    import threadminer.sources.mbox as mbox

    data = hm.mbox_of(seed_raws()[:6]).replace(b"\n", ending)
    whole = list(iter_mbox_entries(io.BytesIO(data)))
    monkeypatch.setattr(mbox, "READ_BLOCK", block)
    pieces = list(iter_mbox_entries(io.BufferedReader(io.BytesIO(data), buffer_size=block)))
    assert pieces == whole and len(whole) == 6
    for offset, raw in whole:
        assert data[offset:].startswith(b"From mboxrd@z")
        assert parse_bytes(raw).message_id
