"""Writing report files safely: atomic replacement and file names made safe from subjects."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata

from ..errors import ThreadminerError


def write_bytes_atomic(path: str, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and a rename: readers never see a
    half-written file, and a failure leaves the old file as it was."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".threadminer-", dir=folder)
    except OSError as exc:
        raise ThreadminerError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise ThreadminerError(f"{path}: cannot write ({exc.strerror})") from None


def write_text_atomic(path: str, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def safe_filename(text: str, limit: int = 80) -> str:
    """A file name made from mail text (a subject): ASCII letters, digits, '.', '_', '-';
    never empty, never hidden, never a path."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._-")
    text = re.sub(r"_+", "_", text)[:limit].rstrip("._-")
    return text or "untitled"
