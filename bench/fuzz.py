"""Long fuzz run: mutations of real messages (tests/fuzz_mail.py), the checks of tests/test_fuzz.py.

    python bench/fuzz.py [--cases N] [--seed S] [--archive-every K] [--shared PATH]

Each case mutates a real message (seed thread, fixtures, and ../shared corpora when present:
Patchwork's fuzz cases, b4's samples, linux-modules) and checks that it is read as a message
(text fields, hashable, renderable, read back under the same Message-ID, printable safely) or
skipped with a name. Every K cases the last K mutants go, between intact messages, through
`threadminer import` in a subprocess: exit 0, no internal error, every entry accounted for.
A failing case is written to bench/out/fuzz/ and the run goes on; the exit status is the
number of failures (capped at 100). Printed: cases per second, the slowest case, failures.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fuzz_mail import Broken, check_message_bytes, mbox_with, mutate, seed_messages  # noqa: E402
from threadminer.sources.mbox import iter_mbox_entries  # noqa: E402

OUT = ROOT / "bench" / "out" / "fuzz"


def save(case: int, seed: int, names: str, raw: bytes, why: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"seed{seed}-case{case}.eml"
    path.write_bytes(raw)
    path.with_suffix(".txt").write_text(f"{names}\n{why}\n")
    return path


def import_batch(batch: list[bytes], intact: list[bytes]) -> str | None:
    """None when `threadminer import` of the batch behaves, else what went wrong."""
    data = mbox_with(batch, intact)
    entries = sum(1 for _ in iter_mbox_entries(io.BytesIO(data)))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "batch.mbox")
        with open(path, "wb") as fh:
            fh.write(data)
        proc = subprocess.run([sys.executable, "-m", "threadminer", "--db", os.path.join(tmp, "s.sqlite3"), "-q",
                               "import", "--json", path], cwd=ROOT, capture_output=True, timeout=600)
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0 or "Traceback" in err or "internal error" in err:
        return f"exit {proc.returncode}: {err[-1500:]}"
    counts = json.loads(proc.stdout)
    accounted = counts["messages_new"] + counts["messages_seen"] + counts["skipped"]
    if accounted != entries:
        return f"{entries} entries, {accounted} accounted for: {counts}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--archive-every", type=int, default=2_000)
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = parser.parse_args()
    import random

    shared = Path(args.shared)
    raws = seed_messages(shared if (shared / "corpus").is_dir() else None, limit_corpus=2_000)
    intact = raws[:27]
    rng = random.Random(args.seed)
    failures = 0
    slowest = (0.0, -1, "")
    batch: list[bytes] = []
    started = time.perf_counter()
    print(f"seed {args.seed}: {len(raws)} real messages to mutate, {args.cases} cases")
    for case in range(args.cases):
        names, raw = mutate(rng.choice(raws), rng)
        t0 = time.perf_counter()
        try:
            check_message_bytes(raw)
        except Broken as exc:
            failures += 1
            print(f"FAIL case {case} ({names}): {exc} -> {save(case, args.seed, names, raw, str(exc))}")
        took = time.perf_counter() - t0
        if took > slowest[0]:
            slowest = (took, case, names)
        batch.append(raw)
        if len(batch) >= args.archive_every or case == args.cases - 1:
            problem = import_batch(batch, intact)
            if problem:
                failures += 1
                path = save(case, args.seed, "archive batch", mbox_with(batch, intact), problem)
                print(f"FAIL import of cases {case - len(batch) + 1}-{case}: {problem} -> {path}")
            batch = []
    elapsed = time.perf_counter() - started
    print(f"{args.cases} cases in {elapsed:.1f} s ({args.cases / elapsed:.0f}/s, imports included); "
          f"slowest case {slowest[1]} ({slowest[2]}): {slowest[0]:.2f} s; failures: {failures}")
    return min(failures, 100)


if __name__ == "__main__":
    sys.exit(main())
