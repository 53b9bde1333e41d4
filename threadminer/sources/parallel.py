"""Read a large source in a worker process, so parsing and storing use two cores.

Parsing mail is pure Python and holds the GIL; so does most of what the store does with a
message. For a big archive (a public-inbox epoch, a large mbox or maildir) `read_parallel`
runs `sources.read` in a child process and hands the parsed items over a pipe in batches,
while the parent stores them. Items arrive in the order `read` yields them, and an error in
the child is raised in the parent, so callers cannot tell the difference except by the clock.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Iterator

from ..errors import SourceError

BATCH_ITEMS = 64
# Worth a child process only when there is enough to parse (spawning one costs ~0.2 s).
MIN_FILE_BYTES = 16 * 1024 * 1024
MIN_FOLDER_FILES = 2000


def worth_it(source: str) -> bool:
    """Whether `source` is big enough to read in a worker process."""
    from . import public_inbox

    if source == "-" or not os.path.exists(source):
        return False
    if os.path.isdir(source):
        if public_inbox.is_epoch(source) or public_inbox.epochs_of_inbox(source):
            return True
        count = 0
        for _, _, files in os.walk(source):
            count += len(files)
            if count >= MIN_FOLDER_FILES:
                return True
        return False
    try:
        return os.path.getsize(source) >= MIN_FILE_BYTES
    except OSError:
        return False


def _worker(source: str, resume: dict[str, str] | None, conn) -> None:
    from . import read

    batch: list = []
    try:
        for item in read(source, resume):
            batch.append(item)
            if len(batch) >= BATCH_ITEMS:
                conn.send(("items", batch))
                batch = []
        if batch:
            conn.send(("items", batch))
        conn.send(("done", None))
    except BaseException as exc:  # noqa: BLE001 - hand every failure to the parent
        try:
            if batch:
                conn.send(("items", batch))
            conn.send(("error", exc))
        except Exception:  # noqa: BLE001 - unpicklable: send its text
            conn.send(("error", SourceError(f"{source}: {type(exc).__name__}: {exc}")))
    finally:
        conn.close()


def read_parallel(source: str, resume: dict[str, str] | None = None) -> Iterator:
    """`sources.read(source, resume)`, run in a child process."""
    context = multiprocessing.get_context("spawn")  # no fork of a process that has threads
    parent_conn, child_conn = context.Pipe(duplex=False)
    child = context.Process(target=_worker, args=(source, resume, child_conn), daemon=True,
                            name="threadminer-reader")
    child.start()
    child_conn.close()
    finished = False
    try:
        while True:
            try:
                kind, payload = parent_conn.recv()
            except EOFError:
                raise SourceError(f"{source}: the reader process ended unexpectedly") from None
            if kind == "items":
                yield from payload
            elif kind == "error":
                raise payload
            else:
                finished = True
                break
    finally:
        parent_conn.close()
        if not finished and child.is_alive():
            child.terminate()
        child.join(timeout=10)
