"""Analyses computed once and read back: each command's first and second run, beside the
import of the same epoch, in the same run.

    python bench/analyses.py [EPOCH ...] [--repeat N]

Default: the ksummit and linux-modules epochs in ../shared/corpus/public-inbox/. For each
epoch, in a fresh store: `threadminer import EPOCH`, then `quotes EPOCH --json` twice, then
`traces EPOCH --json` twice, then `summarize --all` twice, each a whole process (what a user
waits for); each first run starts with nothing cached (the store's analysis cache emptied). Printed: seconds (the best of N runs for repeatable steps), the ratios the analysis
spine must meet (first `quotes` <= 1.0x the import; a second run <= 25% of the first and
<= 0.5x the import) and whether the second run's output equals the first's.
"""

from __future__ import annotations

import argparse
import compileall
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "..", "shared", "corpus", "public-inbox")
DEFAULT_EPOCHS = [os.path.join(CORPUS, "ksummit", "0.git"), os.path.join(CORPUS, "linux-modules", "0.git")]


def run(db: str, *args: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "threadminer", "--db", db, "-q", *args], cwd=ROOT,
                          capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"threadminer {' '.join(args)} failed: {proc.stderr.decode()[:300]}")
    return elapsed, proc.stdout


def forget_analyses(db: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM analyses")


def measure(epoch: str, repeat: int) -> dict[str, float | bool]:
    with tempfile.TemporaryDirectory(prefix="tm-bench-") as tmp:
        db = os.path.join(tmp, "store.sqlite3")
        out: dict[str, float | bool] = {}
        imports = []
        for _ in range(repeat):
            if os.path.exists(db):
                for suffix in ("", "-wal", "-shm"):
                    if os.path.exists(db + suffix):
                        os.remove(db + suffix)
            imports.append(run(db, "import", epoch)[0])
        out["import"] = min(imports)
        for command, args in (("quotes", ("quotes", epoch, "--json")), ("traces", ("traces", epoch, "--json")),
                              ("summarize", ("summarize", "--all", "--format", "json"))):
            firsts = []
            for _ in range(repeat):
                forget_analyses(db)  # a first run: nothing cached
                elapsed, first_output = run(db, *args)
                firsts.append(elapsed)
            seconds = []
            for _ in range(repeat):
                elapsed, second_output = run(db, *args)
                seconds.append(elapsed)
            out[f"{command} first"] = min(firsts)
            out[f"{command} second"] = min(seconds)
            out[f"{command} same output"] = first_output == second_output
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("epochs", nargs="*", default=DEFAULT_EPOCHS)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    # Byte-compiled once, as an installed package is (pip compiles wheels; an editable
    # install under PYTHONDONTWRITEBYTECODE would otherwise compile every module per run).
    compileall.compile_dir(os.path.join(ROOT, "threadminer"), quiet=1)
    for epoch in args.epochs:
        if not os.path.isdir(epoch):
            print(f"skip: {epoch} is absent (the corpus in ../shared)")
            continue
        name = os.path.basename(os.path.dirname(os.path.abspath(epoch)))
        r = measure(epoch, args.repeat)
        imp = r["import"]
        print(f"\n{name}: import {imp:.2f} s (best of {args.repeat})")
        for command in ("quotes", "traces", "summarize"):
            first, second = r[f"{command} first"], r[f"{command} second"]
            print(f"  {command:10s} first {first:6.2f} s ({first / imp:4.2f}x import)   second {second:5.2f} s "
                  f"({second / first:4.0%} of first, {second / imp:4.2f}x import)   "
                  f"same output: {r[f'{command} same output']}")
        q1, q2 = r["quotes first"], r["quotes second"]
        worst_second = max(r[f"{c} second"] / r[f"{c} first"] for c in ("quotes", "traces", "summarize"))
        worst_vs_import = max(r[f"{c} second"] / imp for c in ("quotes", "traces", "summarize"))
        print(f"  targets: first quotes <= 1.0x import: {q1 / imp:.2f}x {'ok' if q1 <= imp else 'MISSED'}; "
              f"second runs <= 25% of first: {worst_second:.0%} {'ok' if worst_second <= 0.25 else 'MISSED'}; "
              f"<= 0.5x import: {worst_vs_import:.2f}x {'ok' if worst_vs_import <= 0.5 else 'MISSED'}")
        del q2


if __name__ == "__main__":
    main()
