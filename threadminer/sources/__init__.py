"""Read messages from any local SOURCE: mbox (plain, .gz, .xz), maildir, a folder of
messages, .eml, public-inbox inboxes and epochs, HTML archive pages, pasted pages, plain
text, and standard input.

`read(source)` is a generator of `Message`, `Skipped` (an item inside an archive that could
not be read: it is counted, not fatal) and `Checkpoint` (a resume position for long
archives). A SOURCE that cannot be read at all raises `SourceError`.
"""

from __future__ import annotations

import io
import os
import re
import stat
import sys
from dataclasses import dataclass
from typing import BinaryIO, Iterator, Union

from ..errors import SourceError
from ..message import MAX_MESSAGE_BYTES, Message, MessageError, looks_like_mail, parse_bytes
from . import public_inbox
from .compressed import open_maybe_compressed, wrap_stream
from .mbox import TooLarge, first_line, is_from_line, iter_mbox_entries
from .text import parse_pasted_page, parse_plain_text

# Decompressed archives may be large (a year of LKML is a few GB); this only stops bombs.
# A compressed input is also held to an expansion ratio (compressed.MAX_EXPANSION_RATIO).
MAX_EXPANDED_BYTES = 64 * 1024 * 1024 * 1024
SNIFF_BYTES = 1 << 16
# Markers hypermail, MHonArc and pipermail write around a message body.
HTML_BODY_MARKERS = (b'<!-- body="start" -->', b"<!--X-Body-of-Message-->", b"<!--beginarticle-->")


@dataclass(frozen=True)
class Skipped:
    """One item of an archive that was not read, and why. `where` names its place in the
    archive (mbox entry and byte offset, epoch commit, file name) and, when it could be
    read from the raw header, its Message-ID, which is also in `message_id`."""

    source: str
    where: str
    reason: str
    message_id: str | None = None


@dataclass(frozen=True)
class Notice(Skipped):
    """Something the reader did differently from what was asked, and why (an epoch whose
    history was rewritten is read again from its start). Nothing was lost; it is a Skipped
    so that consumers which only know Skipped still report it."""


@dataclass(frozen=True)
class Checkpoint:
    """A position inside a long source (a public-inbox epoch's last commit read)."""

    key: str
    position: str


Item = Union[Message, Skipped, Checkpoint]

# A Message-ID in a raw header block, read cheaply to name a message that failed to parse.
RE_RAW_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*<([^<>\s]{1,250})>", re.I | re.M)


def raw_message_id(raw: bytes) -> str | None:
    """The Message-ID of raw mail bytes when its header block names one plainly."""
    head = raw[:65536]
    end = head.find(b"\n\n")
    found = RE_RAW_MESSAGE_ID.search(head if end == -1 else head[:end])
    return found.group(1).decode("utf-8", "replace") if found else None


def parse_item(raw: bytes, source: str, where: str, archive: str | None = None) -> Message | Skipped:
    """One message of an archive: parsed, or a Skipped naming it (place and Message-ID)
    and saying why. No failure inside one message may stop the rest of the archive: an
    unexpected exception (a bug, the stdlib parser's RecursionError, a MemoryError on an
    absurd part) is reported as a skip with its type, not raised."""
    try:
        return parse_bytes(raw, source)
    except MessageError as exc:
        reason = str(exc)
    except Exception as exc:  # noqa: BLE001 - see the docstring
        reason = f"cannot be read ({type(exc).__name__}: {str(exc)[:200]})"
    mid = raw_message_id(raw)
    # (In a folder the message's source is its file; a skip names the folder and the file.)
    return Skipped(archive or source, f"{where}, <{mid}>" if mid else where, reason, mid)


def read(source: str, resume: dict[str, str] | None = None) -> Iterator[Item]:
    """Read one local SOURCE (a path or "-"). URLs and Message-IDs are resolved elsewhere."""
    if source == "-":
        yield from read_stream(sys.stdin.buffer, "-")
        return
    if not os.path.exists(source):
        raise SourceError(f"{source}: no such file or directory")
    if os.path.isdir(source):
        yield from read_folder(source, resume or {})
        return
    if not os.path.isfile(source):
        raise SourceError(f"{source}: not a regular file")
    if source.endswith((".tar", ".zip")):
        raise SourceError(f"{source}: archives of files are not read; unpack it first")
    stream = open_maybe_compressed(source, MAX_EXPANDED_BYTES)
    with stream:
        yield from read_stream(stream, source)


def read_stream(stream: BinaryIO, source: str) -> Iterator[Item]:
    """Read a stream whose format is told by its first bytes (compression included)."""
    if not isinstance(stream, io.BufferedReader) or source == "-":
        stream = wrap_stream(stream, source, MAX_EXPANDED_BYTES)
    head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]  # type: ignore[attr-defined]
    kind = sniff(head)
    if kind == "empty":
        raise SourceError(f"{source}: empty input")
    if kind == "binary":
        raise SourceError(f"{source}: binary data, not a mail archive or page")
    if kind == "mbox":
        yield from _read_mbox(stream, source)
        return
    data = stream.read(MAX_MESSAGE_BYTES + 1)
    if len(data) > MAX_MESSAGE_BYTES:
        raise SourceError(f"{source}: over the {MAX_MESSAGE_BYTES >> 20} MiB limit for one message or page")
    try:
        yield from _read_one(kind, data, source)
    except (SourceError, MessageError) as exc:
        raise SourceError(str(exc) if isinstance(exc, SourceError) else f"{source}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - one document: say what failed, no traceback
        raise SourceError(f"{source}: cannot be read ({type(exc).__name__}: {str(exc)[:200]})") from None


def _read_one(kind: str, data: bytes, source: str) -> list[Message]:
    """The messages of one mail, HTML page or pasted text (parsed whole before any is
    yielded, so a failure is one error, not half a page)."""
    if kind == "mail":
        return [parse_bytes(data, source)]
    if kind == "html":
        from .html import parse_html

        messages = parse_html(data, source)
        if not messages:
            raise SourceError(f"{source}: no message found in this HTML page")
        return list(messages)
    page = parse_pasted_page(data, source)
    if page is not None:
        return [page]
    return [parse_plain_text(data, source)]


def sniff(head: bytes) -> str:
    """Classify the first bytes of an input: mbox, mail, html, text, binary or empty."""
    stripped = head.lstrip()
    if not stripped:
        return "empty"
    # Mail first: real archives hold messages with stray NUL or control bytes in a header
    # (Patchwork's fuzz corpus), which are still mail.
    first = first_line(head)
    if is_from_line(first) or (is_from_line(first, strict=False) and looks_like_mail(head)):
        return "mbox"
    if looks_like_mail(head):
        return "mail"
    sample = head[:8192]
    if b"\0" in sample:
        # A serial console emits NUL runs (at a reboot, on a line glitch): a log with them is
        # still text when what is left is text, with lines. Binary formats are NULs *and*
        # other control bytes.
        sample = head.replace(b"\0", b"")[:8192]
        if len(sample) < 64 or sample.count(b"\n") < len(sample) // 1024 + 1:
            return "binary"
    # Text is mostly printable: allow UTF-8 and Latin-1 high bytes, refuse control junk.
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    if controls > len(sample) // 50:
        return "binary"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:
            high = sum(1 for b in sample if b >= 128)
            if high > len(sample) // 3:
                return "binary"
    low = stripped[:1024].lower()
    if low.startswith((b"<!doctype html", b"<html", b"<!-- mhonarc", b"<?xml")) or b"<html" in low[:512] \
            or (low.startswith(b"<!--") and b"-->" in low and b"<" in low[low.index(b"-->"):]):
        return "html"
    # Archive pages whose first bytes are a template or PHP: the archivers' body markers.
    if any(marker in head for marker in HTML_BODY_MARKERS):
        return "html"
    return "text"


def _position(stream: BinaryIO) -> int:
    """Where a plain file stream stands (a read that resumes an mbox where it ended starts
    past 0); 0 for streams without positions (decompressed data, pipes)."""
    try:
        return stream.tell() if stream.seekable() else 0
    except (OSError, ValueError):
        return 0


def _read_mbox(stream: BinaryIO, source: str) -> Iterator[Item]:
    count = 0
    offset = start = _position(stream)
    try:
        for count, (offset, raw) in enumerate(iter_mbox_entries(stream), 1):
            offset += start
            where = f"message {count} at byte {offset}"
            if isinstance(raw, TooLarge):
                yield Skipped(source, where, f"over the {MAX_MESSAGE_BYTES >> 20} MiB limit")
                continue
            yield parse_item(raw, source, where)
    except SourceError as exc:
        # A cut or corrupt compressed stream, or one past its expansion cap: say where it
        # stopped and what was read before (those messages were handed on, complete).
        if not count:
            raise SourceError(f"{exc}; no complete message was read before it") from None
        done = "1 complete message was" if count == 1 else f"{count} complete messages were"
        raise SourceError(f"{exc}; {done} read before it (the last one at byte {offset})") from None


def read_folder(path: str, resume: dict[str, str]) -> Iterator[Item]:
    """A maildir, a public-inbox inbox or epoch, or a folder of message files."""
    if public_inbox.is_epoch(path):
        yield from _read_epoch(path, resume)
        return
    epochs = public_inbox.epochs_of_inbox(path)
    if epochs:
        for epoch in epochs:
            yield from _read_epoch(epoch, resume)
        return
    found = 0
    for item in _read_files(path):
        if isinstance(item, Message):
            found += 1
        yield item
    if not found:
        raise SourceError(f"{path}: not a maildir, public-inbox inbox or folder of messages")


def _read_epoch(path: str, resume: dict[str, str]) -> Iterator[Item]:
    key = "epoch:" + os.path.realpath(path)
    since = resume.get(key)
    if since and not public_inbox.has_commit_in_history(path, since):
        # Re-cloned, or history purged (public-inbox-purge rewrites it): the commit we
        # stopped at is not an ancestor of HEAD any more. Reading again from the start is
        # safe (the store recognises what it holds) and the only way to see what changed.
        yield Notice(path, f"checkpoint {since[:12]}",
                     "the epoch's history was rewritten since the last import (re-cloned or purged): "
                     "read again from its first commit")
        since = None
    for commit, raw in public_inbox.iter_epoch(path, since):
        yield parse_item(raw, path, f"commit {commit[:12]}")
        yield Checkpoint(key, commit)


class _NotRegular(Exception):
    pass


def file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def read_regular_file(path: str, limit: int) -> bytes:
    """The bytes of the regular file `path` (a symlink to one is followed), at most `limit`
    bytes. Anything else (a FIFO would block the reader forever, /dev/zero never ends,
    opening some devices acts on them) raises _NotRegular before it is opened, and again
    after, in case it was swapped in between."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise _NotRegular(f"{file_kind(info.st_mode)}, not read")
    if info.st_size > limit:
        raise _NotRegular(f"over the {limit >> 20} MiB limit")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _NotRegular(f"{file_kind(info.st_mode)}, not read")
        data = fh.read(limit + 1)
    if len(data) > limit:  # it grew since stat
        raise _NotRegular(f"over the {limit >> 20} MiB limit")
    return data


def _read_files(path: str) -> Iterator[Item]:
    """Every message file under `path` (maildir cur/ and new/, MH folders, nested maildirs),
    in a stable order. tmp/ and dot-files are skipped, as mail readers do; so is anything
    that is not a regular file (FIFOs, devices, sockets), with a Skipped naming it."""
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "tmp")
        for name in sorted(files):
            if name.startswith("."):
                continue
            full = os.path.join(root, name)
            rel = os.path.relpath(full, path)
            try:
                data = read_regular_file(full, MAX_MESSAGE_BYTES)
            except _NotRegular as exc:
                yield Skipped(path, rel, str(exc))
                continue
            except OSError as exc:
                yield Skipped(path, rel, exc.strerror or str(exc))
                continue
            if is_from_line(first_line(data)):
                # An mbox file inside the folder.
                yield from _read_mbox(io.BytesIO(data), full)
                continue
            yield parse_item(data, full, rel, archive=path)
