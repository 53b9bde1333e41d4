"""Import throughput on a public-inbox epoch, against Python's own mailbox parse, same run.

    python bench/ingest.py [EPOCH] [--repeat N]

Default EPOCH: ../shared/corpus/public-inbox/linux-modules/0.git.

Baseline: the epoch's messages are written once to a temporary mboxrd file; Python's
`mailbox.mbox` with an `email.policy.default` parser reads it, and for each message the
fields threadminer keeps are read (Message-ID, From, Subject, Date, In-Reply-To,
References, the text body). threadminer: `threadminer import EPOCH` into a fresh store
(parse, thread, compress, store) and `threadminer import MBOX` of the same temporary mbox,
each in its own process so its peak RSS is its own. Printed: messages per second for each,
the ratio to the baseline, and peak RSS.
"""

from __future__ import annotations

import argparse
import email.policy
import mailbox
import os
import subprocess
import sys
import tempfile
import time
from email.parser import BytesParser

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from threadminer.sources import public_inbox  # noqa: E402

DEFAULT_EPOCH = os.path.join(ROOT, "..", "shared", "corpus", "public-inbox", "linux-modules", "0.git")


def write_mbox(epoch: str, path: str) -> int:
    count = 0
    with open(path, "wb") as out:
        for _, raw in public_inbox.iter_epoch(epoch):
            out.write(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n")
            for line in raw.splitlines(keepends=True):
                if line.lstrip(b">").startswith(b"From "):
                    line = b">" + line
                out.write(line)
            if not raw.endswith(b"\n"):
                out.write(b"\n")
            out.write(b"\n")
            count += 1
    return count


HEADERS = ("Message-ID", "From", "Subject", "Date", "In-Reply-To", "References", "To", "Cc")


def baseline(mbox_path: str, level: str) -> tuple[int, float]:
    """Python's mailbox + email.policy.default: `parse` only parses each message; `headers`
    also reads the headers threadminer keeps; `body` also gets the text body."""
    parser = BytesParser(policy=email.policy.default)
    box = mailbox.mbox(mbox_path, factory=lambda f: parser.parse(f), create=False)
    start = time.perf_counter()
    count = 0
    for msg in box:
        count += 1
        if level == "parse":
            continue
        for name in HEADERS:
            try:
                msg.get(name)
            except Exception:  # noqa: BLE001 - the stdlib raises on some malformed headers
                pass
        if level == "headers":
            continue
        try:
            body = msg.get_body(preferencelist=("plain",))
            if body is not None:
                body.get_content()
        except Exception:  # noqa: BLE001
            pass
    return count, time.perf_counter() - start


# Runs `threadminer import` and reports the peak RSS of the importing process and of the
# reader process it starts for large sources (a child it waits for).
CHILD = """
import resource, sys
from threadminer.cli import cli
cli.main(sys.argv[1:], standalone_mode=False)
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stderr.write(f"RSS {me} {kids}\\n")
"""


def run_import(source: str, db: str) -> tuple[float, int, int]:
    """(seconds, peak RSS KiB of the import process, peak RSS KiB of its reader process)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, "--db", db, "-q", "import", source],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"threadminer import failed: {proc.stderr.decode()[-500:]}")
    line = [x for x in proc.stderr.decode().splitlines() if x.startswith("RSS ")][-1]
    _, me, kids = line.split()
    return elapsed, int(me), int(kids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("epoch", nargs="?", default=DEFAULT_EPOCH)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs for each side")
    args = parser.parse_args()
    if not os.path.isdir(args.epoch):
        sys.exit(f"skip: {args.epoch} is absent")
    with tempfile.TemporaryDirectory(prefix="threadminer-bench-") as tmp:
        mbox_path = os.path.join(tmp, "epoch.mbox")
        count = write_mbox(args.epoch, mbox_path)
        size = os.path.getsize(mbox_path)
        print(f"epoch: {args.epoch}")
        print(f"messages: {count} ({size / 1e6:.1f} MB as mboxrd)")
        rates = {}
        for level in ("parse", "headers", "body"):
            best = min(baseline(mbox_path, level)[1] for _ in range(args.repeat))
            rates[level] = count / best
            print(f"baseline mailbox+policy.default, {level:8s}        {best:6.2f} s  {rates[level]:7.0f} msg/s")
        results = {}
        for label, source in (("threadminer import <mbox>", mbox_path), ("threadminer import <epoch>", args.epoch)):
            best = None
            peak = reader = 0
            for i in range(args.repeat):
                db = os.path.join(tmp, f"{label.split()[-1].strip('<>')}-{i}.sqlite3")
                elapsed, peak, reader = run_import(source, db)
                best = elapsed if best is None else min(best, elapsed)
            results[label] = (best, peak)
            rate = count / best
            ratios = "  ".join(f"{rate / r:.2f}x {lvl}" for lvl, r in rates.items())
            print(f"{label:28s} {best:6.2f} s  {rate:7.0f} msg/s  vs baseline: {ratios}")
            print(f"{'':28s} peak RSS: import process {peak / 1024:.0f} MB, reader process {reader / 1024:.0f} MB")
        print("(threadminer figures include process start, threading, compression and SQLite writes;"
              " the baselines only parse)")


if __name__ == "__main__":
    main()
