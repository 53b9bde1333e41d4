"""Fuzzing with mutations of real messages (tests/fuzz_mail.py): a bounded run for CI.

`python bench/fuzz.py --cases 100000` runs the same checks for as long as you like. Here:
a fixed seed (so a failure reproduces) and a few hundred cases; set THREADMINER_FUZZ_SEED
to explore other ones.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

from threadminer.message import Message
from threadminer.sources import Skipped, read
from threadminer.sources.mbox import iter_mbox_entries
from threadminer.store import Store

from .conftest import CORPUS, ROOT, SHARED
from .fuzz_mail import mbox_with, run_cases, seed_messages

SEED = int(os.environ.get("THREADMINER_FUZZ_SEED", "12"))
CASES = 600
ARCHIVE_CASES = 120


def seeds() -> list[bytes]:
    return seed_messages(SHARED if CORPUS.exists() else None)


def test_mutated_messages_parse_or_are_named():
    """Every mutant is read as a message (whose fields are text, which hashes, renders,
    reads back under the same Message-ID, and prints safely) or is a skip naming it; no
    exception escapes."""
    done = sum(1 for _ in run_cases(seeds(), CASES, SEED))
    assert done == CASES


def test_archive_of_mutants_loses_nothing(tmp_path):
    """Mutants between intact real messages, imported: every mbox entry is accounted for
    (stored new, already stored, or skipped and named), every intact message and every
    message with its own Message-ID is in the store, and the command line exits 0 with no
    internal error."""
    raws = seeds()
    mutants = [raw for _, _, raw in run_cases(raws, ARCHIVE_CASES, SEED + 1)]
    intact = raws[:27]  # the seed thread
    data = mbox_with(mutants, intact)
    path = tmp_path / "mutants.mbox"
    path.write_bytes(data)
    entries = sum(1 for _ in iter_mbox_entries(io.BytesIO(data)))
    items = [i for i in read(str(path)) if isinstance(i, (Message, Skipped))]
    assert len(items) == entries  # one item per entry: nothing dropped by the reader
    for item in items:
        if isinstance(item, Skipped):
            assert re.match(r"message \d+ at byte \d+", item.where), item
    with Store(str(tmp_path / "s.sqlite3")) as store:
        result = store.add(iter(items))
        assert result.messages_new + result.messages_seen + len(result.skipped) == entries
        for item in items:
            if isinstance(item, Message) and not item.id_derived:
                assert store.has(item.message_id), item.message_id
    proc = subprocess.run([sys.executable, "-m", "threadminer", "--db", str(tmp_path / "cli.sqlite3"), "-q",
                           "import", str(path)], cwd=ROOT, capture_output=True, timeout=300)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0 and "Traceback" not in err and "internal error" not in err, err[-2000:]
