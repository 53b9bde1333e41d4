"""public-inbox v2 inboxes and single epochs, read straight from git.

Each commit of an epoch adds one message as the blob `m`; a deletion commit removes it and
adds `d`. We list the `m` blobs in commit order with `git log --raw` and stream their
contents through one `git cat-file --batch` process, so memory holds one message at a time.
"""

from __future__ import annotations

import os
import re
import subprocess
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


def iter_epoch(path: str, since: str | None = None) -> Iterator[tuple[str, bytes]]:
    """Yield (commit, raw message bytes) for each message of one epoch, oldest first.

    `since` is a commit already read: only later commits are listed (resumable imports).
    """
    rev = f"{since}..HEAD" if since else "HEAD"
    log = _git(["--git-dir", path, "log", "--reverse", "--root", "--raw", "--no-abbrev", "--no-renames",
                "--format=C %H", rev], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    cat = _git(["--git-dir", path, "cat-file", "--batch"], stdin=subprocess.PIPE,
               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert log.stdout is not None and cat.stdin is not None and cat.stdout is not None
    commit = ""
    blob = ""  # the current `m` blob: a commit that changes nothing re-adds the same message
    changed = True
    finished = False

    def fetch(blob_id: str) -> bytes:
        cat.stdin.write(blob_id.encode() + b"\n")
        cat.stdin.flush()
        header = cat.stdout.readline().split()
        if len(header) != 3 or header[1] != b"blob":
            raise SourceError(f"{path}: git cat-file failed on {blob_id}")
        data = cat.stdout.read(int(header[2]))
        cat.stdout.read(1)  # the newline after each object
        return data

    try:
        for line in log.stdout:
            text = line.decode("ascii", "replace").rstrip("\n")
            if text.startswith("C "):
                if not changed and blob:
                    yield commit, fetch(blob)  # an identical copy delivered again
                commit = text[2:]
                changed = False
                continue
            if text.endswith("\td"):
                changed, blob = True, ""  # a deletion: nothing to re-add after it
            elif text.endswith("\tm"):
                changed = True
            m = RE_RAW_ENTRY.match(text)
            if not m:
                continue  # deletions ("D m", "A d") and blank lines
            blob = m.group(1)
            yield commit, fetch(blob)
        if not changed and blob:
            yield commit, fetch(blob)
        finished = True
    finally:
        try:
            cat.stdin.close()
        except OSError:
            pass
        if not finished:  # the reader stopped early, or failed: do not wait for git
            log.kill()
            cat.kill()
        cat.wait()
        log.wait()
    if log.returncode != 0:
        err = log.stderr.read().decode("utf-8", "replace").strip() if log.stderr else ""
        first = err.splitlines()[0] if err else f"git log exited with {log.returncode}"
        raise SourceError(f"{path}: not a readable public-inbox epoch ({first})")
