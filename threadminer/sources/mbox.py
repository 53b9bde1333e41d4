"""Streaming mbox reader: mboxrd and mboxo, plain, gzip or xz, split on strict From_ lines."""

from __future__ import annotations

import re
from typing import BinaryIO, Iterator

from ..message import MAX_MESSAGE_BYTES

# A From_ separator: "From sender date", where the date ends in a year (asctime form), as
# mutt, git format-patch ("From <sha> Mon Sep 17 00:00:00 2001"), public-inbox and Mailman
# ("From user at host  Thu Dec 31 22:50:51 2009") write it.
RE_FROM_LINE = re.compile(rb"^From \S.*\d{4}\s*$")
# mboxrd escapes every ">*From " body line with one more ">"; unescaping removes one.
RE_MBOXRD_ESCAPED = re.compile(rb"^>(>*From )")

BLOCK = 1 << 16


class TooLarge(Exception):
    """Raised inside the reader's output for an oversized message; carries its size."""


def is_from_line(line: bytes) -> bool:
    return line.startswith(b"From ") and RE_FROM_LINE.match(line.rstrip(b"\r\n")) is not None


def _finish(lines: list[bytes], mboxrd: bool) -> bytes:
    # Drop the From_ line and the blank line mbox writers put before the next From_.
    body = lines[1:]
    if body and body[-1] in (b"\n", b"\r\n"):
        body = body[:-1]
    if mboxrd:
        body = [RE_MBOXRD_ESCAPED.sub(rb"\1", line) if line.startswith(b">") else line for line in body]
    return b"".join(body)


def iter_mbox(stream: BinaryIO, mboxrd: bool = True,
              max_bytes: int = MAX_MESSAGE_BYTES) -> Iterator[bytes | TooLarge]:
    """Yield each message's raw bytes (From_ line removed, >From unescaped).

    A message over `max_bytes` is not kept in memory: a `TooLarge` is yielded in its place.
    Lines are read in blocks, so memory holds one message plus one block.
    """
    lines: list[bytes] = []
    size = 0
    oversized = False
    prev_blank = True
    started = False
    for line in _iter_lines(stream):
        if is_from_line(line) and (prev_blank or not started):
            if started:
                if oversized:
                    yield TooLarge(size)
                else:
                    yield _finish(lines, mboxrd)
            started = True
            lines = [line]
            size = len(line)
            oversized = False
            prev_blank = False
            continue
        if not started:
            # Text before the first From_ line: not an mbox, or junk at the head. Keep it as a
            # message of its own only if it holds mail headers (a single message without From_).
            started = True
            lines = [b"From unknown Thu Jan  1 00:00:00 1970\n"]
        prev_blank = line in (b"\n", b"\r\n")
        size += len(line)
        if oversized:
            continue
        if size > max_bytes:
            oversized = True
            lines = []
            continue
        lines.append(line)
    if started:
        if oversized:
            yield TooLarge(size)
        elif len(lines) > 1:
            yield _finish(lines, mboxrd)


def _iter_lines(stream: BinaryIO) -> Iterator[bytes]:
    """Lines of a binary stream, read in 64 KiB blocks (a file object's own iteration
    reads unbounded lines into memory on binary junk without newlines)."""
    tail = b""
    while True:
        block = stream.read(BLOCK)
        if not block:
            break
        data = tail + block
        parts = data.split(b"\n")
        tail = parts.pop()
        for part in parts:
            yield part + b"\n"
        if len(tail) > MAX_MESSAGE_BYTES:
            # A "line" this long is binary junk; yield it in pieces so callers can count it.
            yield tail
            tail = b""
    if tail:
        yield tail
