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
import sys
from dataclasses import dataclass
from typing import BinaryIO, Iterator, Union

from ..errors import SourceError
from ..message import MAX_MESSAGE_BYTES, Message, MessageError, looks_like_mail, parse_bytes
from . import public_inbox
from .compressed import open_maybe_compressed, wrap_stream
from .mbox import TooLarge, is_from_line, iter_mbox
from .text import parse_pasted_page, parse_plain_text

# Decompressed archives may be large (a year of LKML is a few GB); this only stops bombs.
MAX_EXPANDED_BYTES = 64 * 1024 * 1024 * 1024
SNIFF_BYTES = 1 << 16
# Markers hypermail, MHonArc and pipermail write around a message body.
HTML_BODY_MARKERS = (b'<!-- body="start" -->', b"<!--X-Body-of-Message-->", b"<!--beginarticle-->")


@dataclass(frozen=True)
class Skipped:
    """One item of an archive that was not read, and why."""

    source: str
    where: str
    reason: str


@dataclass(frozen=True)
class Checkpoint:
    """A position inside a long source (a public-inbox epoch's last commit read)."""

    key: str
    position: str


Item = Union[Message, Skipped, Checkpoint]


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
    if kind == "mail":
        try:
            yield parse_bytes(data, source)
        except MessageError as exc:
            raise SourceError(f"{source}: {exc}") from None
        return
    if kind == "html":
        from .html import parse_html

        messages = parse_html(data, source)
        if not messages:
            raise SourceError(f"{source}: no message found in this HTML page")
        yield from messages
        return
    page = parse_pasted_page(data, source)
    if page is not None:
        yield page
        return
    yield parse_plain_text(data, source)


def sniff(head: bytes) -> str:
    """Classify the first bytes of an input: mbox, mail, html, text, binary or empty."""
    stripped = head.lstrip()
    if not stripped:
        return "empty"
    # Mail first: real archives hold messages with stray NUL or control bytes in a header
    # (Patchwork's fuzz corpus), which are still mail.
    first = head.lstrip(b"\r\n").split(b"\n", 1)[0]
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


def _read_mbox(stream: BinaryIO, source: str) -> Iterator[Item]:
    count = 0
    for count, raw in enumerate(iter_mbox(stream), 1):
        if isinstance(raw, TooLarge):
            yield Skipped(source, f"message {count}", f"over the {MAX_MESSAGE_BYTES >> 20} MiB limit")
            continue
        try:
            yield parse_bytes(raw, source)
        except MessageError as exc:
            yield Skipped(source, f"message {count}", str(exc))


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
    for commit, raw in public_inbox.iter_epoch(path, since):
        try:
            yield parse_bytes(raw, path)
        except MessageError as exc:
            yield Skipped(path, f"commit {commit[:12]}", str(exc))
        yield Checkpoint(key, commit)


def _read_files(path: str) -> Iterator[Item]:
    """Every message file under `path` (maildir cur/ and new/, MH folders, nested maildirs),
    in a stable order. tmp/ and dot-files are skipped, as mail readers do."""
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "tmp")
        for name in sorted(files):
            if name.startswith("."):
                continue
            full = os.path.join(root, name)
            rel = os.path.relpath(full, path)
            try:
                size = os.path.getsize(full)
                if size > MAX_MESSAGE_BYTES:
                    yield Skipped(path, rel, f"over the {MAX_MESSAGE_BYTES >> 20} MiB limit")
                    continue
                with open(full, "rb") as fh:
                    data = fh.read()
            except OSError as exc:
                yield Skipped(path, rel, exc.strerror or str(exc))
                continue
            if is_from_line(data.lstrip(b"\r\n").split(b"\n", 1)[0]):
                # An mbox file inside the folder.
                for item in _read_mbox(io.BytesIO(data), full):
                    yield item
                continue
            try:
                yield parse_bytes(data, full)
            except MessageError as exc:
                yield Skipped(path, rel, str(exc))
