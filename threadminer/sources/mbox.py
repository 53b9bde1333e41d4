"""Streaming mbox reader: mboxrd and mboxo, plain, gzip or xz, split on strict From_ lines.

Line ends may be LF, CRLF or a lone CR (classic Mac OS exports), and may change from one
message to the next (archives concatenated from several systems): a From_ line counts after
an empty line in any of them, and a message whose lines end in CR is handed on with LF.
"""

from __future__ import annotations

import re
from typing import BinaryIO, Iterator

from ..message import MAX_MESSAGE_BYTES, normalize_newlines

# A From_ separator: "From sender date", where the date ends in a year (asctime form), as
# mutt, git format-patch ("From <sha> Mon Sep 17 00:00:00 2001"), public-inbox and Mailman
# ("From user at host  Thu Dec 31 22:50:51 2009") write it.
RE_FROM_LINE = re.compile(rb"^From \S.*\d{4}\s*$")
# Some tools write From_ lines without the date ("From pat016"); an archive whose first line
# is one of those is split on any "From " line after an empty line.
RE_LAX_FROM_LINE = re.compile(rb"^From \S")
# mboxrd escapes every ">*From " body line with one more ">"; unescaping removes one.
RE_MBOXRD_ESCAPED = re.compile(rb"^>(>*From )", re.M)
RE_LINE_END = re.compile(rb"\r\n|\r|\n")


class TooLarge(Exception):
    """Raised inside the reader's output for an oversized message; carries its size."""


def is_from_line(line: bytes, strict: bool = True) -> bool:
    if not line.startswith(b"From "):
        return False
    line = line.rstrip(b"\r\n")
    if b"\r" in line:  # a lone CR ends the line
        line = line.split(b"\r", 1)[0]
    return (RE_FROM_LINE if strict else RE_LAX_FROM_LINE).match(line) is not None


def first_line(data: bytes) -> bytes:
    """The first non-empty line of `data`, whatever its line end."""
    data = data.lstrip(b"\r\n")
    end = RE_LINE_END.search(data)
    return data if end is None else data[: end.start()]


def _finish(message: bytes, mboxrd: bool) -> bytes:
    """A message's bytes without its From_ line and the blank line written before the next."""
    end = RE_LINE_END.search(message)
    body = normalize_newlines(message[end.end():]) if end is not None else b""
    if body.endswith(b"\n\n"):
        body = body[:-1]
    elif body.endswith(b"\r\n\r\n"):
        body = body[:-2]
    if mboxrd and b">From " in body:
        body = RE_MBOXRD_ESCAPED.sub(rb"\1", body)
    return body


def iter_mbox(stream: BinaryIO, mboxrd: bool = True,
              max_bytes: int = MAX_MESSAGE_BYTES) -> Iterator[bytes | TooLarge]:
    """Yield each message's raw bytes (From_ line removed, >From unescaped); see
    `iter_mbox_entries`, which also gives each message's byte offset."""
    for _, data in iter_mbox_entries(stream, mboxrd, max_bytes):
        yield data


def iter_mbox_entries(stream: BinaryIO, mboxrd: bool = True,
                      max_bytes: int = MAX_MESSAGE_BYTES) -> Iterator[tuple[int, bytes | TooLarge]]:
    """Yield (byte offset of its From_ line in the stream, raw bytes) for each message.

    Separators are found with bytes.find on blocks of up to 1 MiB: a "From " line counts only
    at the start of the file or after an empty line, and only if it looks like a From_ line
    (so a body line "From here on..." after a blank line in an unescaped mboxo is kept). A
    message over `max_bytes` is not kept in memory: a `TooLarge` is yielded in its place.
    Memory holds one message plus one block, and each byte is searched once.

    Blocks are taken with `read1` where the stream has it (one read of the layer below): a
    cut or corrupt compressed stream then fails on a read of its own, after every message
    complete before the damage has been yielded.
    """
    read = getattr(stream, "read1", stream.read)
    buf = bytearray()  # appended to in place: a long message arriving block by block is not recopied
    base = 0  # offset in the stream of buf[0]
    strict = True  # From_ lines must carry a date, unless the first one did not
    started = False  # a From_ line has been seen: buf holds a message's bytes
    dropped = 0  # bytes of an oversized message skipped so far
    finder = _Separators(strict)
    while True:
        block = read(READ_BLOCK)
        eof = not block
        buf += block
        if not started:
            if eof and not buf.strip():
                return
            lead = len(buf) - len(buf.lstrip(b"\r\n"))
            if eof or len(buf) - lead >= 5:
                del buf[:lead]
                base += lead
                head = bytes(buf[:4096])
                if head.startswith(b"From ") and not eof and len(head) < 4096 and RE_LINE_END.search(head) is None:
                    continue  # the first line is still arriving
                first = first_line(head)
                if buf.startswith(b"From ") and is_from_line(first, strict=False):
                    strict = is_from_line(first)
                else:
                    # Text before the first From_ line: treat it as a message without one.
                    prefix = b"From unknown Thu Jan  1 00:00:00 1970\n"
                    buf[:0] = prefix
                    base -= len(prefix)
                finder = _Separators(strict)
                started = True
            elif not eof:
                continue
        pos = 0
        view = memoryview(buf)
        try:
            while True:
                sep = finder.next(buf, pos + 1)
                if sep == -1:
                    break
                size = sep - pos
                if dropped or size > max_bytes:
                    yield max(base + pos - dropped, 0), TooLarge(dropped + size)
                    dropped = 0
                else:
                    yield max(base + pos, 0), _finish(bytes(view[pos:sep]), mboxrd)
                pos = sep
        finally:
            view.release()  # a bytearray cannot be resized while a view of it exists
        del buf[:pos]
        base += pos
        finder.moved(pos)
        if eof:
            break
        if len(buf) > max_bytes:
            # No separator in sight: drop what we hold, remember its size, keep scanning.
            cut = len(buf) - len(b"\r\n\r\nFrom ")
            del buf[:cut]
            dropped += cut
            base += cut
            finder.moved(cut)
    if started and buf.strip():
        if dropped or len(buf) > max_bytes:
            yield max(base - dropped, 0), TooLarge(dropped + len(buf))
        else:
            yield max(base, 0), _finish(bytes(buf), mboxrd)


READ_BLOCK = 1 << 20


class _Separators:
    """Finds From_ lines that follow an empty line, remembering how far the buffer was
    searched so that a long message arriving block by block is not searched again from its
    start each time (that made a message 32 MiB long cost 32 x 16 MiB of searching)."""

    def __init__(self, strict: bool):
        self.strict = strict
        self.searched = 0  # offset in the buffer below which no separator starts

    def moved(self, cut: int) -> None:
        """The buffer lost its first `cut` bytes."""
        self.searched = max(self.searched - cut, 0)

    def next(self, buf: bytes, start: int) -> int:
        """Offset of the next From_ line after an empty line, at or after `start`, or -1."""
        found, resume = self._find(buf, max(start, self.searched))
        self.searched = resume
        return found

    def _find(self, buf: bytes, start: int) -> tuple[int, int]:
        """(offset of the separator or -1, where the next search may start)."""
        pos = start
        while True:
            lf = buf.find(b"\nFrom ", pos)
            # A CR-terminated archive has "\r\rFrom "; searched only up to the next LF
            # candidate, so an ordinary archive is not searched twice.
            cr = buf.find(b"\rFrom ", pos, lf if lf != -1 else len(buf))
            hit = cr if cr != -1 else lf
            if hit == -1:
                # The last bytes may be the start of a separator that is still arriving.
                return -1, max(len(buf) - len(b"\nFrom "), pos)
            end = RE_LINE_END.search(buf, hit + 1)
            if end is None:
                return -1, hit  # the line is not complete yet: look again with more data
            if hit == lf:  # "\n\nFrom ", or CRLF's "\r\n\r\nFrom "
                blank = buf[hit - 1: hit] == b"\n" or buf[hit - 2: hit] == b"\n\r"
            else:  # "\r\rFrom ", or "\n\rFrom " where line ends change
                blank = buf[hit - 1: hit] in (b"\r", b"\n")
            if blank and is_from_line(buf[hit + 1: end.start()], self.strict):
                return hit + 1, hit + 1
            pos = hit + 1
