"""A real public-inbox HTTP server on loopback, built from an mbox, for tests.

Debian's `public-inbox` runs the same code as lore.kernel.org. This module builds a v2 inbox
in a temporary folder from an mbox (one git commit per message, blob `m`, as public-inbox
writes them; then `public-inbox-index`), starts `public-inbox-httpd` on 127.0.0.1 at a free
port, and stops it afterwards.

Use from a test module::

    from .public_inbox_server import public_inbox_server, seed_server  # noqa: F401

    def test_something(seed_server):
        base_url, inbox_dir = seed_server      # base_url ends in "/test/"
        ...

    def test_update(tmp_path):
        with public_inbox_server(mbox_path, tmp_path) as (base_url, inbox_dir):
            add_message(inbox_dir, raw_bytes)  # delivered with public-inbox-mda
            ...

`seed_server` (module scope) serves `corpus/seed-thread/thread.mbox`; a test that adds messages
should start its own server with `public_inbox_server` so it does not disturb other tests.
Everything skips with a visible reason when `public-inbox-httpd` is not installed.
"""

from __future__ import annotations

import contextlib
import email.utils
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Iterator

import pytest

INBOX_NAME = "test"
INBOX_ADDRESS = "test@example.com"
PROGRAMS = ("public-inbox-init", "public-inbox-index", "public-inbox-httpd", "public-inbox-mda", "git")
START_TIMEOUT = 20.0

# A strict mboxrd From_ line ("From mboxrd@z Thu Jan  1 00:00:00 1970"); kept apart from
# threadminer's own reader on purpose, so the server's content does not depend on the code
# under test.
RE_FROM_LINE = re.compile(rb"^From \S+ .*\d{4}\r?\n$")
RE_ESCAPED_FROM = re.compile(rb"^>(>*From )")


def missing_programs() -> list[str]:
    return [p for p in PROGRAMS if shutil.which(p) is None]


def skip_without_public_inbox() -> None:
    missing = missing_programs()
    if missing:
        pytest.skip(f"Debian's public-inbox is not installed (missing: {', '.join(missing)})")


def split_mboxrd(path: Path) -> list[bytes]:
    """The raw messages of an mboxrd file (From_ lines removed, >From unescaped)."""
    messages: list[list[bytes]] = []
    prev_blank = True
    with open(path, "rb") as fh:
        for line in fh:
            if prev_blank and RE_FROM_LINE.match(line):
                messages.append([])
                prev_blank = False
                continue
            prev_blank = line in (b"\n", b"\r\n")
            if messages:
                messages[-1].append(RE_ESCAPED_FROM.sub(rb"\1", line))
    out = []
    for lines in messages:
        if lines and lines[-1] in (b"\n", b"\r\n"):
            lines = lines[:-1]  # the blank line mbox writers put before the next From_
        out.append(b"".join(lines))
    return out


def _env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PI_CONFIG"] = str(workdir / "pi_config")
    env["HOME"] = str(workdir)  # public-inbox and git must not read the user's dotfiles
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    return env


def _run(args: list[str], env: dict[str, str], stdin: bytes | None = None) -> None:
    proc = subprocess.run(args, env=env, input=stdin, capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")


def _fast_import_stream(raws: list[bytes]) -> bytes:
    """A git fast-import stream committing each message as blob `m`, as public-inbox does."""
    parser = BytesHeaderParser(policy=compat32)
    out = bytearray()
    for n, raw in enumerate(raws, 1):
        headers = parser.parsebytes(raw)
        name, addr = email.utils.parseaddr(str(headers.get("From", "")))
        when = email.utils.parsedate_tz(str(headers.get("Date", ""))) or None
        stamp = f"{email.utils.mktime_tz(when)} +0000" if when else "0 +0000"
        name = re.sub(r"[<>\n]", "", name) or addr or "unknown"
        subject = str(headers.get("Subject", "")).replace("\n", " ").encode("utf-8", "replace")
        out += b"commit refs/heads/master\n"
        out += f"mark :{n}\n".encode()
        out += f"author {name} <{addr}> {stamp}\n".encode("utf-8", "replace")
        out += f"committer {INBOX_NAME} <{INBOX_ADDRESS}> {stamp}\n".encode()
        out += f"data {len(subject)}\n".encode() + subject + b"\n"
        if n > 1:
            out += f"from :{n - 1}\n".encode()
        out += f"M 100644 inline m\ndata {len(raw)}\n".encode() + raw + b"\n"
    return bytes(out)


def build_inbox(mbox_path: Path, workdir: Path) -> Path:
    """A v2 inbox of the mbox's messages in `workdir/inbox`, indexed; returns its folder."""
    skip_without_public_inbox()
    workdir.mkdir(parents=True, exist_ok=True)
    env = _env(workdir)
    inbox = workdir / "inbox"
    _run(["public-inbox-init", "-V2", INBOX_NAME, str(inbox), f"http://127.0.0.1/{INBOX_NAME}",
          INBOX_ADDRESS], env)
    _run(["git", "config", "-f", env["PI_CONFIG"], "publicinboxmda.spamcheck", "none"], env)
    epoch = inbox / "git" / "0.git"
    if not epoch.exists():
        _run(["git", "init", "-q", "--bare", str(epoch)], env)
    _run(["git", f"--git-dir={epoch}", "fast-import", "--quiet"], env, _fast_import_stream(split_mboxrd(mbox_path)))
    _run(["public-inbox-index", str(inbox)], env)
    return inbox


def add_message(inbox_dir: Path, raw: bytes) -> None:
    """Deliver one more message to a running inbox with public-inbox-mda (as a list would)."""
    env = _env(Path(inbox_dir).parent)
    env["ORIGINAL_RECIPIENT"] = INBOX_ADDRESS
    _run(["public-inbox-mda", "--no-precheck"], env, raw)


def _free_listener() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)  # the daemon wants it so (it warns otherwise)
    return sock


@contextlib.contextmanager
def serve(inbox_dir: Path, psgi: Path | None = None) -> Iterator[str]:
    """Run public-inbox-httpd for the inbox; yields the inbox's base URL ("http://127.0.0.1:N/test/").

    `psgi`: an app file to run instead of the default PublicInbox::WWW (test_fetch.py wraps
    WWW in lore's /r/ and /all/ redirects).

    The listening socket is bound here (port 0: the kernel picks a free port) and handed to
    the daemon as an inherited descriptor (fd 3 with LISTEN_FDS/LISTEN_PID, the systemd
    protocol public-inbox-daemon(8) supports), so no other process can take the port between
    choosing and listening. The shell only moves the socket to fd 3 and execs the daemon,
    so its pid is the daemon's pid, as LISTEN_PID requires.
    """
    workdir = Path(inbox_dir).parent
    env = _env(workdir)
    sock = _free_listener()
    port = sock.getsockname()[1]
    log = open(workdir / "httpd.log", "wb")
    app = [str(Path(psgi).resolve())] if psgi else []
    proc = subprocess.Popen(["sh", "-c", 'LISTEN_PID=$$ LISTEN_FDS=1 exec public-inbox-httpd -W0 "$@" 3<&0 0</dev/null',
                             "sh", *app],
                            stdin=sock.fileno(), stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    sock.close()
    (workdir / "httpd.pid").write_text(str(proc.pid))  # for reload_server
    base_url = f"http://127.0.0.1:{port}/{INBOX_NAME}/"
    try:
        _wait_until_up(base_url, proc, workdir / "httpd.log")
        yield base_url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the group of the daemon we started, only
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()
        (workdir / "httpd.pid").unlink(missing_ok=True)


def reload_server(inbox_dir: Path) -> None:
    """Make the running server see mail added since it started now: public-inbox-httpd
    keeps its search index open and reopens it on its own only after ~30 s (as on lore), or
    at once on SIGHUP (sent to the daemon this module started, by its pid)."""
    pid_file = Path(inbox_dir).parent / "httpd.pid"
    os.kill(int(pid_file.read_text()), signal.SIGHUP)


def _wait_until_up(base_url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"public-inbox-httpd exited ({proc.returncode}): {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(base_url + "_/text/help/", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"public-inbox-httpd did not answer within {START_TIMEOUT}s")


@contextlib.contextmanager
def public_inbox_server(mbox_path: Path, workdir: Path, psgi: Path | None = None) -> Iterator[tuple[str, Path]]:
    """Build an inbox from `mbox_path` under `workdir` and serve it: yields (base_url, inbox_dir)."""
    inbox = build_inbox(Path(mbox_path), Path(workdir))
    with serve(inbox, psgi) as base_url:
        yield base_url, inbox


@pytest.fixture(scope="module")
def seed_server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """(base_url, inbox_dir) of a server holding the 27-message seed thread."""
    from .conftest import corpus_path

    skip_without_public_inbox()
    mbox = corpus_path("seed-thread", "thread.mbox")
    with public_inbox_server(mbox, tmp_path_factory.mktemp("public-inbox")) as server:
        yield server
