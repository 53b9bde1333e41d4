"""public-inbox v2 inboxes and single epochs, read straight from git.

Each commit of an epoch adds one message as the blob `m`; a deletion commit removes it and
adds `d`. We list the `m` blobs in commit order with `git log --raw` and stream their
contents through one `git cat-file --batch` process, so memory holds one message at a time.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import threading
from typing import Iterator

from ..errors import SourceError

RE_RAW_ENTRY = re.compile(r"^:\d{6} \d{6} [0-9a-f]{40,64} ([0-9a-f]{40,64}) ([AM])\tm$")


def is_epoch(path: str) -> bool:
    """A bare git repository (public-inbox epoch): HEAD, objects/ and refs/."""
    return (os.path.isfile(os.path.join(path, "HEAD")) and os.path.isdir(os.path.join(path, "objects"))
            and os.path.isdir(os.path.join(path, "refs")))


def epochs_of_inbox(path: str) -> list[str]:
    """The epochs of a v2 inbox folder (git/0.git, git/1.git, ...) in order, else []."""
    gitdir = os.path.join(path, "git")
    if not os.path.isdir(gitdir):
        return []
    found = []
    for name in os.listdir(gitdir):
        m = re.fullmatch(r"(\d+)\.git", name)
        if m and is_epoch(os.path.join(gitdir, name)):
            found.append((int(m.group(1)), os.path.join(gitdir, name)))
    return [p for _, p in sorted(found)]


def _git(args: list[str], **kw) -> subprocess.Popen:
    try:
        return subprocess.Popen(["git", *args], **kw)
    except FileNotFoundError:
        raise SourceError("git is not installed: it is needed to read public-inbox epochs") from None


def list_blobs(log_lines: Iterator[bytes]) -> Iterator[tuple[str, str]]:
    """(commit, blob) of each message in `git log --reverse --raw --format='C %H'` output.

    A commit that changes nothing re-adds the same message (public-inbox stores a second
    delivery of an identical message that way): its blob is the current `m` again.
    """
    commit = ""
    blob = ""
    changed = True
    for line in log_lines:
        text = line.decode("ascii", "replace").rstrip("\n")
        if text.startswith("C "):
            if not changed and blob:
                yield commit, blob
            commit = text[2:]
            changed = False
            continue
        if text.endswith("\td"):
            changed, blob = True, ""  # a deletion: nothing to re-add after it
            continue
        m = RE_RAW_ENTRY.match(text)
        if m:
            changed, blob = True, m.group(1)
            yield commit, blob
    if not changed and blob:
        yield commit, blob


def has_commit_in_history(path: str, commit: str) -> bool:
    """Whether `commit` is HEAD or an ancestor of it in the epoch at `path`. False when the
    commit is unknown (a re-cloned epoch) or off the current history (a purge rewrote it)."""
    if not re.fullmatch(r"[0-9a-f]{40,64}", commit):
        return False
    try:
        proc = subprocess.run(["git", "--git-dir", path, "merge-base", "--is-ancestor", commit, "HEAD"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    except FileNotFoundError:
        raise SourceError("git is not installed: it is needed to read public-inbox epochs") from None
    except subprocess.TimeoutExpired:
        raise SourceError(f"{path}: git did not answer whether {commit[:12]} is in its history") from None
    return proc.returncode == 0


def iter_epoch(path: str, since: str | None = None) -> Iterator[tuple[str, bytes]]:
    """Yield (commit, raw message bytes) for each message of one epoch, oldest first.

    `since` is a commit already read: only later commits are listed (resumable imports).
    A feeder thread reads `git log` and queues blob ids into `git cat-file --batch` ahead of
    the reader, so git works on the other core while Python parses.
    """
    rev = f"{since}..HEAD" if since else "HEAD"
    log = _git(["--git-dir", path, "log", "--reverse", "--root", "--raw", "--no-abbrev", "--no-renames",
                "--format=C %H", rev], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    cat = _git(["--git-dir", path, "cat-file", "--batch"], stdin=subprocess.PIPE,
               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert log.stdout is not None and cat.stdin is not None and cat.stdout is not None
    pending: queue.Queue = queue.Queue()
    stop = threading.Event()

    def feed() -> None:
        try:
            for commit, blob in list_blobs(log.stdout):
                if stop.is_set():
                    break
                cat.stdin.write(blob.encode() + b"\n")
                cat.stdin.flush()
                pending.put((commit, blob))
        except (OSError, ValueError):
            pass  # the reader went away and closed the pipes
        finally:
            pending.put(None)
            try:
                cat.stdin.close()
            except OSError:
                pass

    feeder = threading.Thread(target=feed, name="threadminer-epoch-feeder", daemon=True)
    feeder.start()
    finished = False
    try:
        while True:
            item = pending.get()
            if item is None:
                break
            commit, blob = item
            header = cat.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise SourceError(f"{path}: git cat-file failed on {blob}")
            data = cat.stdout.read(int(header[2]))
            cat.stdout.read(1)  # the newline after each object
            yield commit, data
        finished = True
    finally:
        stop.set()
        if not finished:  # the reader stopped early, or failed: do not wait for git
            log.kill()
            cat.kill()
        feeder.join(timeout=5)
        cat.wait()
        log.wait()
    if log.returncode != 0:
        err = log.stderr.read().decode("utf-8", "replace").strip() if log.stderr else ""
        first = err.splitlines()[0] if err else f"git log exited with {log.returncode}"
        raise SourceError(f"{path}: not a readable public-inbox epoch ({first})")
