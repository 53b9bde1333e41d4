"""Streaming mbox reader: mboxrd and mboxo, plain, gzip or xz, split on strict From_ lines."""

from __future__ import annotations

import re
from typing import BinaryIO, Iterator

from ..message import MAX_MESSAGE_BYTES

# A From_ separator: "From sender date", where the date ends in a year (asctime form), as
# mutt, git format-patch ("From <sha> Mon Sep 17 00:00:00 2001"), public-inbox and Mailman
# ("From user at host  Thu Dec 31 22:50:51 2009") write it.
RE_FROM_LINE = re.compile(rb"^From \S.*\d{4}\s*$")
# Some tools write From_ lines without the date ("From pat016"); an archive whose first line
# is one of those is split on any "From " line after an empty line.
RE_LAX_FROM_LINE = re.compile(rb"^From \S")
# mboxrd escapes every ">*From " body line with one more ">"; unescaping removes one.
RE_MBOXRD_ESCAPED = re.compile(rb"^>(>*From )", re.M)


class TooLarge(Exception):
    """Raised inside the reader's output for an oversized message; carries its size."""


def is_from_line(line: bytes, strict: bool = True) -> bool:
    if not line.startswith(b"From "):
        return False
    return (RE_FROM_LINE if strict else RE_LAX_FROM_LINE).match(line.rstrip(b"\r\n")) is not None


def _finish(message: bytes, mboxrd: bool) -> bytes:
    """A message's bytes without its From_ line and the blank line written before the next."""
    newline = message.find(b"\n")
    body = message[newline + 1:] if newline != -1 else b""
    if body.endswith(b"\n\n"):
        body = body[:-1]
    elif body.endswith(b"\r\n\r\n"):
        body = body[:-2]
    if mboxrd and b">From " in body:
        body = RE_MBOXRD_ESCAPED.sub(rb"\1", body)
    return body


def iter_mbox(stream: BinaryIO, mboxrd: bool = True,
              max_bytes: int = MAX_MESSAGE_BYTES) -> Iterator[bytes | TooLarge]:
    """Yield each message's raw bytes (From_ line removed, >From unescaped).

    Separators are found with bytes.find on 1 MiB blocks: a "From " line counts only at the
    start of the file or after an empty line, and only if it looks like a From_ line (so a
    body line "From here on..." after a blank line in an unescaped mboxo is kept). A message
    over `max_bytes` is not kept in memory: a `TooLarge` is yielded in its place. Memory
    holds one message plus one block.
    """
    buf = b""
    strict = True  # From_ lines must carry a date, unless the first one did not
    started = False  # a From_ line has been seen: buf holds a message's bytes
    dropped = 0  # bytes of an oversized message skipped so far
    while True:
        block = stream.read(READ_BLOCK)
        eof = not block
        buf += block
        if not started:
            if eof and not buf.strip():
                return
            lead = len(buf) - len(buf.lstrip(b"\r\n"))
            if eof or len(buf) - lead >= 5:
                body = buf[lead:]
                first = body.split(b"\n", 1)[0]
                if body.startswith(b"From ") and (b"\n" in body or eof) and is_from_line(first, strict=False):
                    buf = body
                    strict = is_from_line(first)
                else:
                    # Text before the first From_ line: treat it as a message without one.
                    buf = b"From unknown Thu Jan  1 00:00:00 1970\n" + body
                started = True
            elif not eof:
                continue
        pos = 0
        while True:
            sep = _next_separator(buf, pos + 1, strict)
            if sep == -1:
                break
            message = buf[pos:sep]
            pos = sep
            if dropped or len(message) > max_bytes:
                yield TooLarge(dropped + len(message))
                dropped = 0
            else:
                yield _finish(message, mboxrd)
        buf = buf[pos:]
        if eof:
            break
        if len(buf) > max_bytes:
            # No separator in sight: drop what we hold, remember its size, keep scanning.
            keep = buf[-len(b"\n\nFrom "):]
            dropped += len(buf) - len(keep)
            buf = keep
    if started and buf.strip():
        if dropped or len(buf) > max_bytes:
            yield TooLarge(dropped + len(buf))
        else:
            yield _finish(buf, mboxrd)


READ_BLOCK = 1 << 20


def _next_separator(buf: bytes, start: int, strict: bool = True) -> int:
    """Offset of the next From_ line that follows an empty line, or -1."""
    while True:
        hit = buf.find(b"\nFrom ", start)
        if hit == -1:
            return -1
        line_end = buf.find(b"\n", hit + 1)
        if line_end == -1:
            return -1  # the line is not complete yet: look again with more data
        preceded_by_blank = buf[hit - 1: hit] == b"\n" or buf[hit - 2: hit] == b"\n\r"
        if preceded_by_blank and is_from_line(buf[hit + 1: line_end], strict):
            return hit + 1
        start = hit + 1
