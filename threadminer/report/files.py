"""Writing report files safely: a temporary file, then an atomic rename."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from typing import BinaryIO, Iterator

from ..errors import ThreadminerError


@contextmanager
def atomic_file(path: str) -> Iterator[BinaryIO]:
    """A binary file that becomes `path` when the block ends without error: written to a
    temporary file beside it, then renamed, so readers never see a half-written file and a
    failure leaves the old file as it was. Created with the usual permissions (not 0600)."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".threadminer-", dir=folder)
    except OSError as exc:
        raise ThreadminerError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # as open() would create it, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise ThreadminerError(f"{path}: cannot write ({exc.strerror})") from None
        raise


def write_bytes_atomic(path: str, data: bytes) -> None:
    with atomic_file(path) as out:
        out.write(data)


def copy_file_atomic(path: str, source: str, *, gzip_it: bool = False) -> None:
    """Copy the file `source` to `path` (gzip-compressed if asked), atomically and
    streaming: a download of any size is never held in memory."""
    import gzip
    import shutil

    with atomic_file(path) as out, open(source, "rb") as src:
        if gzip_it:
            with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as packed:
                shutil.copyfileobj(src, packed, 1 << 16)
        else:
            shutil.copyfileobj(src, out, 1 << 16)


def write_text_atomic(path: str, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))
