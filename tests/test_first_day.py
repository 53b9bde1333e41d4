"""A maintainer's first day: the rough edges found by using threadminer for real (issue 11),
each on real input: the linux-modules epoch, the seed thread, notmuch's maildirs."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

from .conftest import FIXTURES, ROOT, Cli, corpus_path, seed_page

SEED_ID = "20221019234256.GR2703033@dread.disaster.area"
GHOST_ID = "20221018223042.GJ2703033@dread.disaster.area"
REPLY_ID = "Y0/kZbIvMgkNhWpM@bfoster"


def run(db: str, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "threadminer", "--db", db, *args], cwd=ROOT, input=stdin,
                          capture_output=True, timeout=300)


# --- any id threadminer prints can be given back -------------------------------------------

def test_every_ghost_root_of_linux_modules_opens_offline(modules_db):
    with sqlite3.connect(modules_db) as conn:
        ghosts = [r[0] for r in conn.execute(
            "SELECT root_key FROM threads WHERE messages > 0 AND root_key NOT IN (SELECT key FROM messages)")]
    assert len(ghosts) == 112  # threads whose root is a referenced message missing from the archive
    listed = {t["root_message_id"] for t in json.loads(run(modules_db, "threads", "--json").stdout)}
    assert set(ghosts) <= listed
    proc = run(modules_db, "-q", "show", "--offline", "--json", *ghosts)
    assert proc.returncode == 0, proc.stderr
    trees = [json.loads(chunk) for chunk in proc.stdout.decode().replace("}\n{", "}\x00{").split("\x00")]
    assert {t["root_message_id"] for t in trees} == set(ghosts)


def test_the_seed_ghost_and_a_duplicate_key_open(cli):
    cli("import", str(corpus_path("seed-thread", "thread.mbox")), str(corpus_path("notmuch-threading-edge",
                                                                                 "duplicate")))
    out = cli("show", "--offline", GHOST_ID).output
    assert f"Dave Chinner: [not in archive, quoted]  <{GHOST_ID}>" in out
    duplicate = "<87r2geywh9.fsf@tethera.net>#2"
    out = cli("show", "--offline", duplicate).output
    assert "* " in out and duplicate in out  # listed under its key, marked as the one asked for
    [record] = cli.json("quotes", duplicate, "--json")
    assert record["message_id"] == "87r2geywh9.fsf@tethera.net"


def test_message_ids_beginning_with_a_dash_are_accepted(modules_db):
    proc = run(modules_db, "-q", "show", "--offline", "-v2-1-a3542e15111c@kernel.org")
    assert proc.returncode == 0, proc.stderr
    assert b"* " in proc.stdout and b"[PATCH v2 1/2] module: Override -EEXISTS" in proc.stdout


# --- a Message-ID names a message ------------------------------------------------------------

def test_quotes_of_one_reply_is_that_reply(modules_db):
    with sqlite3.connect(modules_db) as conn:
        big = conn.execute("SELECT id FROM threads ORDER BY messages DESC LIMIT 1").fetchone()[0]
        reply = conn.execute("SELECT message_id FROM messages WHERE thread_id = ? AND in_reply_to IS NOT NULL"
                             " ORDER BY date LIMIT 1", (big,)).fetchone()[0]
        size = conn.execute("SELECT messages FROM threads WHERE id = ?", (big,)).fetchone()[0]
    one = json.loads(run(modules_db, "-q", "quotes", "--json", "--offline", reply).stdout)
    assert [r["message_id"] for r in one] == [reply]
    whole = json.loads(run(modules_db, "-q", "quotes", "--json", "--offline", "--thread", reply).stdout)
    assert len(whole) == size > 100


def test_traces_without_a_source_reads_the_whole_store(modules_db):
    records = json.loads(run(modules_db, "-q", "traces", "--json").stdout)
    assert len(records) > 200 and len({r["message_id"] for r in records}) > 100


# --- options where users type them -------------------------------------------------------------

def test_global_options_after_the_command(tmp_path):
    db = str(tmp_path / "x.sqlite3")
    proc = subprocess.run([sys.executable, "-m", "threadminer", "import", str(seed_page()), "--db", db, "-q",
                           "--json"], cwd=ROOT, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["messages_new"] == 1
    proc = subprocess.run([sys.executable, "-m", "threadminer", "threads", "--json", "--db", db], cwd=ROOT,
                          capture_output=True, timeout=60)
    assert json.loads(proc.stdout)[0]["participants"] == ["Dave Chinner"]


# --- show --------------------------------------------------------------------------------------

def test_show_marks_the_message_and_caps_indentation(cli):
    cli("import", str(corpus_path("seed-thread", "thread.mbox")))
    out = cli("show", SEED_ID).output.splitlines()
    [marked] = [line for line in out if line.startswith("* ")]
    assert SEED_ID in marked
    assert max(len(line) - len(line.lstrip()) for line in out if line.strip()) <= 2 + 2 * 16 + 8
    assert f"lore: https://lore.kernel.org/r/{SEED_ID}" in out


def test_show_of_a_whole_file_is_the_same_in_every_process(tmp_path):
    # `show FILE` marks every message of the file: their lore links follow the tree, not the
    # order of a set (which changes with the interpreter's hash seed from run to run).
    db = str(tmp_path / "s.sqlite3")
    seed_thread = str(corpus_path("seed-thread", "thread.mbox"))
    assert run(db, "-q", "import", seed_thread).returncode == 0
    outputs = set()
    for hash_seed in ("1", "2", "3"):
        proc = subprocess.run([sys.executable, "-m", "threadminer", "--db", db, "show", "--offline", seed_thread],
                              cwd=ROOT, capture_output=True, timeout=300, env={**os.environ, "PYTHONHASHSEED": hash_seed})
        assert proc.returncode == 0, proc.stderr
        outputs.add(proc.stdout)
    assert len(outputs) == 1
    links = [line for line in outputs.pop().decode().splitlines() if line.startswith("lore: ")]
    assert len(links) == 27 and links[0].endswith("1665725448-31439-1-git-send-email-zhaoyang.huang@unisoc.com")


def test_a_3000_deep_chain_shows_in_short_lines(cli, tmp_path):
    # Stands for the hostile reply chain of issue 12: each message answers the one before.
    mbox = tmp_path / "chain.mbox"
    with open(mbox, "w") as out:
        for n in range(3000):
            out.write(f"From x Thu Jan  1 00:00:00 1970\nMessage-ID: <m{n}@chain>\nFrom: A <a@b>\n"
                      f"Subject: Re: chain\nDate: Mon, 1 Jan 2024 00:{n // 60 % 60:02d}:{n % 60:02d} +0000\n"
                      + (f"In-Reply-To: <m{n - 1}@chain>\n" if n else "") + "\nbody\n\n")
    cli("import", str(mbox))
    out = cli("show", "m2999@chain").output.splitlines()
    assert len(out) == 3000 + 3
    assert max(map(len, out)) < 120
    assert "[2999]" in out[-4]


def test_show_on_a_maildir_shows_every_thread(cli):
    maildir = corpus_path("notmuch-lkml")
    listed = cli.json("threads", "--json", str(maildir))
    out = cli("show", str(maildir)).output
    assert len(listed) > 10
    assert out.count("lore: https://lore.kernel.org/r/") >= len(listed)


# --- several SOURCEs, one bad --------------------------------------------------------------------

def test_one_unreadable_source_does_not_hide_the_others(tmp_path):
    db = str(tmp_path / "x.sqlite3")
    proc = run(db, "-q", "threads", "--json", str(seed_page()), str(tmp_path / "missing.mbox"),
               str(FIXTURES / "quotes" / "outlook-top-post.eml"))
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines() == [f"Error: {tmp_path / 'missing.mbox'}: no such file or directory"]
    assert len(json.loads(proc.stdout)) == 2


def test_progress_is_silent_off_a_terminal(tmp_path):
    proc = run(str(tmp_path / "x.sqlite3"), "import", str(corpus_path("public-inbox", "ksummit", "0.git")))
    assert proc.returncode == 0 and proc.stderr == b""


def test_read_commands_tell_a_typo_in_db_from_an_empty_store(tmp_path):
    proc = run(str(tmp_path / "typo" / "x.db"), "threads")
    assert proc.returncode == 2 and b"no store" in proc.stderr
    Cli(str(tmp_path / "new.db"))("import", str(seed_page()))
    assert run(str(tmp_path / "new.db"), "threads").returncode == 0
