"""Diffs found in a public-inbox epoch: how many patches carry their diff, quoted and damaged
diffs, a seeded sample to read by hand, and the cost of finding them.

    python bench/diffs.py [EPOCH] [--sample N] [--seed S] [--list]

Default EPOCH: $THREADMINER_SHARED (else ../shared)/corpus/public-inbox/linux-modules/0.git.

Messages are read with `threadminer.sources.read` (streamed) and `diffs.find_diffs(msg)` runs
on each. Printed:

- messages whose subject has "[PATCH" and that carry a diff of their own (depth 0);
- "[PATCH n/m]" messages (n > 0) with no diff of their own found, each listed (these should
  be ~0: read each);
- diffs found at depth > 0 (quoted), truncated, repaired, by kind and format; notes where
  unidiff disagrees; depth-0 diffs whose diffstat totals disagree with the diff;
- --sample diffs drawn with random.Random(--seed) among quoted, truncated or repaired ones,
  each with its body lines, to judge by hand.

Speed, same run, against the time to read and decode the messages: the cheap pre-filter
alone; `find_diffs(msg)`, which builds a quote tree only when a diff is quoted (what an
import pays when it has no tree); `find_diffs(msg, tree)` given the tree; `quotes.parse` on
the pre-filtered messages; `traces.find_reports` (the crash-report detection an import
already runs) on the same messages. The two find_diffs calls must agree (counted). Times
are this process's CPU time (time.process_time), so other load on the machine does not
skew the ratios.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from threadminer.analysis.diffs import find_diffs, might_hold_diff  # noqa: E402
from threadminer.analysis.quotes import parse as quote_tree  # noqa: E402
from threadminer.analysis.traces import find_reports  # noqa: E402
from threadminer.message import Message  # noqa: E402
from threadminer.sources import read  # noqa: E402

DEFAULT_EPOCH = os.path.join(os.environ.get("THREADMINER_SHARED", os.path.join(ROOT, "..", "shared")),
                             "corpus", "public-inbox", "linux-modules", "0.git")
RE_PATCH = re.compile(r"\[[^\]]*\bPATCH\b", re.I)
RE_COUNTER = re.compile(r"\[[^\]]*\bPATCH\b[^\]]*?\b(\d+)/(\d+)\s*\]", re.I)
RE_REPLY = re.compile(r"\b(?:re|aw|fwd?)\s*:", re.I)  # anywhere: "[REGRESSION] Re: [PATCH ...]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("epoch", nargs="?", default=DEFAULT_EPOCH)
    parser.add_argument("--sample", type=int, default=30, help="diffs to print for reading (default 30)")
    parser.add_argument("--seed", type=int, default=9, help="seed of the sample (default 9)")
    parser.add_argument("--list", action="store_true", help="list every diff found")
    args = parser.parse_args()
    if not os.path.isdir(args.epoch):
        sys.exit(f"no such epoch: {args.epoch}")

    read_time = hint_time = lazy_time = diff_time = tree_time = trace_time = 0.0
    messages = hinted = 0
    found: list[tuple[Message, object]] = []  # (message, diff)
    patch_subjects = own_patch = any_patch_subject = any_own_patch = 0
    missing: list[Message] = []
    stat_mismatch: list[tuple[Message, str]] = []
    lazy_differs: list[str] = []
    items = iter(read(args.epoch))
    while True:
        t0 = time.process_time()
        msg = next(items, None)
        t1 = time.process_time()
        read_time += t1 - t0
        if msg is None:
            break
        if not isinstance(msg, Message):
            continue
        messages += 1
        hint = might_hold_diff(msg.body) or any(might_hold_diff(a.text) for a in msg.attachments)
        t2 = time.process_time()
        hint_time += t2 - t1
        lazy = find_diffs(msg)  # as an import without a quote tree calls it
        t3 = time.process_time()
        lazy_time += t3 - t2
        diffs = ()
        if hint:
            hinted += 1
            tree = quote_tree(msg)
            t4 = time.process_time()
            tree_time += t4 - t3
            diffs = find_diffs(msg, tree)  # as a caller holding the tree calls it
            t3 = time.process_time()
            diff_time += t3 - t4
            if [(d.voice, d.depth, d.first_line, d.last_line, d.text) for d in diffs] != [
                    (d.voice, d.depth, d.first_line, d.last_line, d.text) for d in lazy]:
                lazy_differs.append(msg.message_id)
        find_reports(msg.body)
        trace_time += time.process_time() - t3
        for d in diffs:
            found.append((msg, d))
        own = [d for d in diffs if d.depth == 0 and d.kind == "diff"]
        if RE_PATCH.search(msg.subject):
            any_patch_subject += 1
            any_own_patch += bool(own)
        is_patch = bool(RE_PATCH.search(msg.subject)) and not RE_REPLY.search(msg.subject)
        if is_patch:
            patch_subjects += 1
            own_patch += bool(own)
        m = RE_COUNTER.search(msg.subject)
        if is_patch and m and int(m.group(1)) > 0 and not own:
            missing.append(msg)
        for d in own:
            for note in d.notes:
                if note.startswith("the diffstat above"):
                    stat_mismatch.append((msg, f"{note}; diff +{d.added}/-{d.removed}"))

    diffs = [d for _, d in found]
    print(f"epoch: {os.path.normpath(args.epoch)}")
    print(f"messages: {messages}; passing the pre-filter: {hinted}; with a diff: {len({m.message_id for m, _ in found})}")
    print(f"diffs: {len(diffs)}; by kind: {dict(Counter(d.kind for d in diffs))}; "
          f"by format: {dict(Counter(d.format for d in diffs))}")
    print(f"messages whose subject has [PATCH: {any_patch_subject}; carrying a diff at depth 0: {any_own_patch}")
    print(f"  of them not replies: {patch_subjects}; carrying a diff at depth 0: {own_patch}")
    print(f"[PATCH n/m] (n>0) with no diff of their own: {len(missing)}")
    for msg in missing:
        print(f"    {msg.message_id}  {msg.subject[:90]}")
    quoted = [d for d in diffs if d.depth > 0]
    print(f"diffs at depth > 0: {len(quoted)} (by depth {dict(sorted(Counter(d.depth for d in quoted).items()))}); "
          f"with an author: {sum(1 for d in quoted if d.author)}")
    print(f"truncated: {sum(d.truncated for d in diffs)} (depth 0: {sum(d.truncated for d in diffs if not d.depth)}); "
          f"repaired: {sum(d.repaired for d in diffs)} (depth 0: {sum(d.repaired for d in diffs if not d.depth)})")
    print(f"in attachments: {sum(1 for d in diffs if d.attachment)}; no-newline markers: {sum(d.no_newline for d in diffs)}")
    unidiff = [(m, d) for m, d in found if any(n.startswith("unidiff") for n in d.notes)]
    print(f"unidiff disagrees: {len(unidiff)}")
    for m, d in unidiff[:20]:
        print(f"    {m.message_id} lines {d.first_line}-{d.last_line}: {[n for n in d.notes if n.startswith('unidiff')]}")
    print(f"depth-0 diffs whose diffstat totals differ: {len(stat_mismatch)}")
    for m, why in stat_mismatch[:20]:
        print(f"    {m.message_id}: {why}")

    print(f"messages where find_diffs(msg) without a tree differs from find_diffs(msg, tree): {len(lazy_differs)}")
    for mid in lazy_differs[:10]:
        print(f"    {mid}")

    print("\nspeed (CPU seconds, same run; ratio to read+decode):")
    print(f"  read+decode                       {read_time:8.2f}  1.000")
    print(f"  pre-filter only                   {hint_time:8.3f}  {hint_time / read_time:.3f}")
    print(f"  find_diffs(msg), tree when needed {lazy_time:8.2f}  {lazy_time / read_time:.3f}")
    print(f"  find_diffs(msg, tree) given tree  {diff_time:8.2f}  {diff_time / read_time:.3f}")
    print(f"  quotes.parse (pre-filtered msgs)  {tree_time:8.2f}  {tree_time / read_time:.3f}  ({hinted} messages)")
    print(f"  traces.find_reports               {trace_time:8.2f}  {trace_time / read_time:.3f}")

    if args.list:
        print("\nall diffs:")
        for m, d in found:
            print(f"  {m.message_id} v{d.voice} d{d.depth} {d.kind}/{d.format} lines {d.first_line}-{d.last_line} "
                  f"+{d.added}/-{d.removed} files={[f.path for f in d.files]} T={d.truncated} R={d.repaired}")

    pool = [(m, d) for m, d in found if d.depth > 0 or d.truncated or d.repaired]
    rng = random.Random(args.seed)
    sample = rng.sample(pool, min(args.sample, len(pool)))
    print(f"\nsample of {len(sample)} among {len(pool)} quoted, truncated or repaired diffs (seed {args.seed}):")
    for n, (m, d) in enumerate(sample, 1):
        print(f"\n--- {n}. {m.message_id}  {m.subject[:70]}")
        print(f"    voice {d.voice} depth {d.depth} author {d.author!r} {d.kind}/{d.format} lines {d.first_line}-{d.last_line}"
              f" files {[(f.path, f.status, f.added, f.removed) for f in d.files]} hunks {d.hunks} +{d.added}/-{d.removed}"
              f" truncated={d.truncated} repaired={d.repaired} attachment={d.attachment}")
        for note in d.notes:
            print(f"    note: {note}")
        source = next((a.text for a in m.attachments if a.filename == d.attachment or a.content_type == d.attachment),
                      m.body) if d.attachment else m.body
        lines = source.split("\n")
        lo, hi = max(1, d.first_line - 2), min(len(lines), d.last_line + 2)
        for k in range(lo, hi + 1):
            mark = ">>" if d.first_line <= k <= d.last_line else "  "
            print(f"    {mark}{k:5d} {lines[k - 1][:110]}")


if __name__ == "__main__":
    main()
