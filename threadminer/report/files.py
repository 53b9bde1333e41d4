"""Writing report files (`-o FILE`) safely.

What `-o PATH` does with what is already at PATH, decided once here for every command:

- `-`: standard output, as for most Unix tools.
- nothing, or a regular file: written to a temporary file beside it, then renamed over it,
  so readers never see a half-written file and a failure leaves the old one as it was; an
  existing file keeps its permission bits.
- a symlink: followed, as a shell redirection would, and its target replaced as above (the
  link stays a link; a dangling link's target is created).
- a character device or a FIFO (`/dev/null`, `/dev/tty`), or a path naming an open file
  descriptor (`/dev/stdout`, `/dev/fd/63` from `>(command)`): written through, as `>` does,
  since that is what naming one means; a rename would have replaced the device node, the
  pipe or the file behind the descriptor with a plain file.
- a folder, a block device or a socket: refused (a report is never meant to go there).
- a file in `protect` (the store): refused, whatever name reaches it.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from contextlib import contextmanager
from typing import BinaryIO, Iterable, Iterator

from ..errors import ThreadminerError


def _refuse(path: str, why: str) -> ThreadminerError:
    return ThreadminerError(f"{path}: {why}; not written")


def output_target(path: str, protect: Iterable[str] = ()) -> tuple[str, str]:
    """(how, where) for `-o path`: how is "stdout", "atomic" (rename a temporary file onto
    `where`) or "through" (open `where` and write into it). Raises ThreadminerError for a
    target that is refused."""
    if path == "-":
        return "stdout", "-"
    if _names_open_descriptor(path):
        return "through", path
    # stat follows links the way open() will (including /proc/self/fd links to pipes,
    # which realpath cannot name); a regular file is then renamed over at its real path.
    target = os.path.realpath(path) if os.path.islink(path) else path
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "atomic", target
    except OSError as exc:
        raise _refuse(path, f"cannot check ({exc.strerror or exc})") from None
    for other in protect:
        try:
            if other and os.path.samestat(info, os.stat(other)):
                raise _refuse(path, f"is the store {other}")
        except FileNotFoundError:
            continue
        except OSError:
            continue
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return "atomic", target
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "through", path
    kind = ("a folder" if stat.S_ISDIR(mode) else "a block device" if stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    raise _refuse(path, f"is {kind}")


# Paths that name an already open file descriptor (`-o /dev/stdout`, `-o >(cmd)` which the
# shell passes as /dev/fd/63): written through, whatever the descriptor is, since replacing
# the file it happens to point to would leave the descriptor's owner writing to nothing.
FD_PATHS = ("/dev/fd/", "/dev/stdout", "/dev/stderr", "/proc/self/fd/", "/proc/thread-self/fd/")


def _names_open_descriptor(path: str) -> bool:
    if path.startswith(FD_PATHS):
        return True
    try:
        return os.readlink(path).startswith(FD_PATHS)
    except OSError:
        return False


@contextmanager
def open_output(path: str, protect: Iterable[str] = ()) -> Iterator[BinaryIO]:
    """A binary stream for `-o path` (see the module's docstring for what each kind of
    target gets). Nothing is written at `path` unless the block ends without error, except
    through a device or FIFO, which cannot be written atomically."""
    how, where = output_target(path, protect)
    if how == "stdout":
        out = sys.stdout.buffer
        yield out
        out.flush()
        return
    if how == "through":
        try:
            fh = open(where, "wb")
        except OSError as exc:
            raise ThreadminerError(f"{path}: cannot write ({exc.strerror or exc})") from None
        try:
            with fh:
                yield fh
        except OSError as exc:
            raise ThreadminerError(f"{path}: cannot write ({exc.strerror or exc})") from None
        return
    with atomic_file(where) as out:
        yield out


@contextmanager
def atomic_file(path: str) -> Iterator[BinaryIO]:
    """A binary file that becomes `path` when the block ends without error: written to a
    temporary file beside it, then renamed, so readers never see a half-written file and a
    failure leaves the old file as it was. Created with the usual permissions (not 0600),
    or with those of the file it replaces."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        old_mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        old_mode = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".threadminer-", dir=folder)
    except OSError as exc:
        raise ThreadminerError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        if old_mode is None:
            mask = os.umask(0)
            os.umask(mask)
            old_mode = 0o666 & ~mask  # as open() would create it, not mkstemp's 0600
        os.chmod(tmp, old_mode)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise ThreadminerError(f"{path}: cannot write ({exc.strerror})") from None
        raise


def write_output(path: str, data: bytes | str, protect: Iterable[str] = ()) -> None:
    """Write a whole report to `-o path` (text is written as UTF-8)."""
    with open_output(path, protect) as out:
        out.write(data.encode("utf-8") if isinstance(data, str) else data)


def write_bytes_atomic(path: str, data: bytes, protect: Iterable[str] = ()) -> None:
    write_output(path, data, protect)


def copy_file_atomic(path: str, source: str, *, gzip_it: bool = False, protect: Iterable[str] = ()) -> None:
    """Copy the file `source` to `path` (gzip-compressed if asked), under the `-o` rules
    and streaming: a download of any size is never held in memory."""
    import gzip
    import shutil

    with open_output(path, protect) as out, open(source, "rb") as src:
        if gzip_it:
            with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as packed:
                shutil.copyfileobj(src, packed, 1 << 16)
        else:
            shutil.copyfileobj(src, out, 1 << 16)


def write_text_atomic(path: str, text: str, protect: Iterable[str] = ()) -> None:
    write_output(path, text, protect)
