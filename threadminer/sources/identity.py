"""Recognising a SOURCE read before: a file, a folder of messages, a public-inbox inbox.

The store remembers each path SOURCE it read with a cheap identity (size and modification
time, as make and rsync judge files) and a digest of what was read. The same identity again
means nothing new to read; a plain mbox that only grew is read from where it ended; public-
inbox epochs resume from their last commit (`Checkpoint`); anything else is read again,
and the store's duplicate detection keeps that idempotent.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass

from . import public_inbox
from .compressed import GZIP_MAGIC

XZ_MAGIC = b"\xfd7zXZ\x00"
CHUNK = 1 << 20


@dataclass(frozen=True)
class Identity:
    path: str        # absolute path
    kind: str        # "file", "folder" or "inbox" (public-inbox inbox or epoch)
    size: int        # bytes (a file), entries (a folder), epochs (an inbox)
    mtime_ns: int
    appendable: bool  # an uncompressed mbox: new mail is appended at its end


def identify(source: str) -> Identity | None:
    """The identity of a path SOURCE, or None for stdin and what is not a file or folder."""
    if source == "-":
        return None
    path = os.path.abspath(source)
    try:
        st = os.stat(path)
    except OSError:
        return None
    if os.path.isdir(path):
        epochs = [path] if public_inbox.is_epoch(path) else public_inbox.epochs_of_inbox(path)
        if epochs:
            return Identity(path, "inbox", len(epochs), _newest_ref(epochs), False)
        count, newest = 0, st.st_mtime_ns
        for root, dirs, files in os.walk(path):
            count += len(files)
            newest = max([newest] + [_mtime(os.path.join(root, d)) for d in dirs])
        return Identity(path, "folder", count, newest, False)
    if not os.path.isfile(path):
        return None
    with open(path, "rb") as fh:
        head = fh.read(6)
    appendable = head.startswith(b"From ") and not head.startswith((GZIP_MAGIC, XZ_MAGIC))
    return Identity(path, "file", st.st_size, st.st_mtime_ns, appendable)


def digest(ident: Identity, length: int | None = None) -> str:
    """What was read, as a digest: the file's first `length` bytes (all by default), the
    folder's entries (names, sizes, times), or the inbox's epoch heads."""
    sha = hashlib.sha1()
    if ident.kind == "file":
        remaining = ident.size if length is None else length
        with open(ident.path, "rb") as fh:
            while remaining > 0:
                block = fh.read(min(CHUNK, remaining))
                if not block:
                    break
                sha.update(block)
                remaining -= len(block)
    elif ident.kind == "folder":
        for root, dirs, files in os.walk(ident.path):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                try:
                    st = os.stat(full)
                except OSError:
                    continue
                sha.update(f"{os.path.relpath(full, ident.path)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode(
                    "utf-8", "surrogateescape"))
    else:
        epochs = [ident.path] if public_inbox.is_epoch(ident.path) else public_inbox.epochs_of_inbox(ident.path)
        for epoch in epochs:
            sha.update(f"{epoch}\0{_head(epoch)}\n".encode("utf-8", "surrogateescape"))
    return sha.hexdigest()


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _newest_ref(epochs: list[str]) -> int:
    newest = 0
    for epoch in epochs:
        for name in ("packed-refs", "refs/heads", "HEAD"):
            newest = max(newest, _mtime(os.path.join(epoch, name)))
    return newest


def _head(epoch: str) -> str:
    try:
        out = subprocess.run(["git", "--git-dir", epoch, "rev-parse", "--verify", "-q", "HEAD"],
                             capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.decode("ascii", "replace").strip()


def pending_commits(ident: Identity, checkpoints: dict[str, str]) -> int | None:
    """How many commits an inbox import will read (for a progress total), or None."""
    if ident.kind != "inbox":
        return None
    epochs = [ident.path] if public_inbox.is_epoch(ident.path) else public_inbox.epochs_of_inbox(ident.path)
    total = 0
    for epoch in epochs:
        since = checkpoints.get("epoch:" + os.path.realpath(epoch))
        rev = f"{since}..HEAD" if since else "HEAD"
        try:
            out = subprocess.run(["git", "--git-dir", epoch, "rev-list", "--count", rev],
                                 capture_output=True, timeout=60)
            total += int(out.stdout.strip() or 0)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            return None
    return total
