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


class LimitedReader(io.RawIOBase):
    """Wrap a decompressing stream: turn its errors into SourceError and cap its output."""

    def __init__(self, inner: BinaryIO, name: str, limit: int | None):
        self._inner = inner
        self._name = name
        self._limit = limit
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
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


def open_maybe_compressed(path: str, limit: int | None = None) -> BinaryIO:
    """Open `path` for binary reading, decompressing gzip or xz by magic number."""
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from None
    return wrap_stream(raw, path, limit)


def wrap_stream(raw: BinaryIO, name: str, limit: int | None = None) -> BinaryIO:
    """Wrap a binary stream, decompressing if it starts with a gzip or xz magic number."""
    head = raw.read(6)
    rest = io.BufferedReader(_Prepend(head, raw), buffer_size=1 << 16)
    if head.startswith(GZIP_MAGIC):
        inner: BinaryIO = gzip.GzipFile(fileobj=rest, mode="rb")  # type: ignore[assignment]
    elif head.startswith(XZ_MAGIC):
        inner = lzma.LZMAFile(rest, "rb")  # type: ignore[assignment]
    else:
        return rest  # type: ignore[return-value]
    return io.BufferedReader(LimitedReader(inner, name, limit), buffer_size=1 << 16)  # type: ignore[return-value]


class _Prepend(io.RawIOBase):
    """A raw stream that returns `head` before the rest of `inner`."""

    def __init__(self, head: bytes, inner: BinaryIO):
        self._head = head
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            if n < len(buffer):  # fill the rest, so a peek sees more than the magic bytes
                more = self._inner.read(len(buffer) - n) or b""
                buffer[n: n + len(more)] = more
                n += len(more)
            return n
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()
