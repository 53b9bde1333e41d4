"""Open plain, gzip and xz files as one binary stream, with an expansion limit."""

from __future__ import annotations

import gzip
import io
import lzma
import zlib
from typing import BinaryIO

from ..errors import SourceError

GZIP_MAGIC = b"\x1f\x8b"
XZ_MAGIC = b"\xfd7zXZ\x00"
# Mail compresses 4-10x with gzip or xz; zeros, or one message repeated a million times,
# compress 1000x. Once past EXPANSION_FLOOR bytes, a compressed input may expand at most
# MAX_EXPANSION_RATIO times the compressed bytes read so far: a bomb stops after 64 MiB and
# a fraction of a second, a real archive of any size never meets the cap. The same figures
# as `fetch` (remote.http.Limits).
EXPANSION_FLOOR = 64 << 20
MAX_EXPANSION_RATIO = 100.0


class LimitedReader(io.RawIOBase):
    """Wrap a decompressing stream: turn its errors into SourceError and cap its output, in
    bytes (`limit`) and against the compressed bytes read (`ratio`, past EXPANSION_FLOOR)."""

    def __init__(self, inner: BinaryIO, name: str, limit: int | None, ratio: float | None = None,
                 compressed: "_Prepend | None" = None):
        self._inner = inner
        self._name = name
        self._limit = limit
        self._ratio = ratio if ratio and ratio > 0 and compressed is not None else None
        self._compressed = compressed
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except EOFError as exc:
            raise SourceError(f"{self._name}: truncated compressed data ({exc})") from None
        except (OSError, lzma.LZMAError, zlib.error) as exc:
            raise SourceError(f"{self._name}: corrupt compressed data ({exc})") from None
        self._count += len(data)
        if self._limit is not None and self._count > self._limit:
            raise SourceError(f"{self._name}: expands past the {self._limit // (1 << 20)} MiB limit")
        if self._ratio is not None and self._count > EXPANSION_FLOOR \
                and self._count > self._ratio * self._compressed.consumed:  # type: ignore[union-attr]
            raise SourceError(f"{self._name}: expands more than {self._ratio:g} times its compressed size "
                              f"(past {EXPANSION_FLOOR >> 20} MiB): a compression bomb, not a mail archive "
                              f"(mail compresses 4-10x)")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


def open_maybe_compressed(path: str, limit: int | None = None,
                          ratio: float | None = MAX_EXPANSION_RATIO) -> BinaryIO:
    """Open `path` for binary reading, decompressing gzip or xz by magic number."""
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from None
    return wrap_stream(raw, path, limit, ratio)


def wrap_stream(raw: BinaryIO, name: str, limit: int | None = None,
                ratio: float | None = MAX_EXPANSION_RATIO) -> BinaryIO:
    """Wrap a binary stream, decompressing if it starts with a gzip or xz magic number.
    A compressed stream is capped at `limit` bytes and at `ratio` times its compressed
    size past EXPANSION_FLOOR (None: no ratio cap)."""
    head = raw.read(6)
    counted = _Prepend(head, raw)
    rest = io.BufferedReader(counted, buffer_size=1 << 16)
    if head.startswith(GZIP_MAGIC):
        inner: BinaryIO = gzip.GzipFile(fileobj=rest, mode="rb")  # type: ignore[assignment]
    elif head.startswith(XZ_MAGIC):
        inner = lzma.LZMAFile(rest, "rb")  # type: ignore[assignment]
    else:
        return rest  # type: ignore[return-value]
    return io.BufferedReader(LimitedReader(inner, name, limit, ratio, counted), buffer_size=1 << 16)  # type: ignore[return-value]


class _Prepend(io.RawIOBase):
    """A raw stream that returns `head` before the rest of `inner`."""

    def __init__(self, head: bytes, inner: BinaryIO):
        self._head = head
        self._inner = inner
        self.consumed = len(head)  # bytes taken from `inner`, the head included

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            if n < len(buffer):  # fill the rest, so a peek sees more than the magic bytes
                more = self._inner.read(len(buffer) - n) or b""
                self.consumed += len(more)
                buffer[n: n + len(more)] = more
                n += len(more)
            return n
        data = self._inner.read(len(buffer)) or b""
        self.consumed += len(data)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()
