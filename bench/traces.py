"""Crash reports found in a public-inbox epoch: every report with its title, a seeded random
sample to read by hand, and the speed of finding them against reading the messages.

    python bench/traces.py [EPOCH] [--sample N] [--seed S] [--context K] [--list] [--corrupted]

Default EPOCH: ../shared/corpus/public-inbox/linux-modules/0.git.

Messages are read with `threadminer.sources.read` (streamed, one at a time) and
`traces.find_reports(msg.body)` runs on each. Printed: the count of messages and reports,
the reports by title (with --list every report: depth, lines, title, corrupted flag,
Message-ID), then --sample reports drawn with random.Random(--seed), each with its body lines
(and --context lines around) so a reader can judge whether it is a crash report and whether
its title and extent are right. --corrupted prints every report titled "... in corrupted" the
same way, for reading (bench/traces_corrupted_verdicts.md holds the verdicts).

Speed: the time spent in `find_reports` against the time to read and decode the same
messages (the baseline every analysis pays), same run; and against a pass that only runs
the cheap pre-filter regex over each body.

syzbot's own report mails ("[syzbot] ... TITLE") are a check of the titles: the first
report's title against the subject (syzbot titles the raw log it saw first; a mail may show
a later crash of the same bug, whose titles meet the subject's through alt titles).
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

from threadminer.message import Message  # noqa: E402
from threadminer.sources import read  # noqa: E402
from threadminer.analysis.trace_titles import RE_HEADER_KEYWORD  # noqa: E402
from threadminer.analysis.traces import find_reports  # noqa: E402

# "[syzbot] [mm?] INFO: task hung in foo (3)" -> "INFO: task hung in foo"
RE_SYZBOT_TAGS = re.compile(r"^\[syzbot\] (?:\[[\w?]+\] )*|\s+\(\d+\)$")
DEFAULT_EPOCH = os.path.join(ROOT, "..", "shared", "corpus", "public-inbox", "linux-modules", "0.git")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("epoch", nargs="?", default=DEFAULT_EPOCH)
    parser.add_argument("--sample", type=int, default=50, help="reports to print for reading (default 50)")
    parser.add_argument("--seed", type=int, default=5, help="seed of the sample (default 5)")
    parser.add_argument("--context", type=int, default=2, help="body lines shown around a sampled report")
    parser.add_argument("--list", action="store_true", help="list every report found")
    parser.add_argument("--corrupted", action="store_true", help='print every report titled "... in corrupted"')
    args = parser.parse_args()
    if not os.path.isdir(args.epoch):
        sys.exit(f"no such epoch: {args.epoch}")

    messages = 0
    read_time = hint_time = trace_time = 0.0
    found = []  # (message_id, subject, report); bodies are kept only for messages with reports
    bodies: dict[str, str] = {}
    syzbot = []  # (subject title, first report) of syzbot's own report mails
    started = time.perf_counter()
    items = iter(read(args.epoch))
    while True:
        t0 = time.perf_counter()
        item = next(items, None)
        t1 = time.perf_counter()
        read_time += t1 - t0
        if item is None:
            break
        if not isinstance(item, Message):
            continue
        messages += 1
        RE_HEADER_KEYWORD.search(item.body)
        t2 = time.perf_counter()
        hint_time += t2 - t1
        reports = find_reports(item.body)
        trace_time += time.perf_counter() - t2
        for report in reports:
            found.append((item.message_id, item.subject, report))
        if reports and item.author.name == "syzbot" and item.subject.startswith("[syzbot]"):
            syzbot.append((RE_SYZBOT_TAGS.sub("", item.subject), reports[0]))
        if reports:
            bodies[item.message_id] = item.body
    total = time.perf_counter() - started

    print(f"epoch: {os.path.normpath(args.epoch)}")
    print(f"messages: {messages}, with reports: {len(bodies)}, reports: {len(found)} "
          f"(depth 0: {sum(1 for _, _, r in found if r.depth == 0)}, quoted: {sum(1 for _, _, r in found if r.depth)})")
    print(f"time: read+decode {read_time:.2f}s, pre-filter only {hint_time:.3f}s, find_reports {trace_time:.2f}s, "
          f"whole run {total:.2f}s")
    print(f"find_reports / read+decode = {trace_time / read_time:.3f}; "
          f"find_reports / pre-filter = {trace_time / hint_time:.1f}; "
          f"throughput {messages / trace_time:,.0f} messages/s in find_reports, "
          f"{messages / read_time:,.0f} messages/s reading")
    in_corrupted = [item for item in found if item[2].title.endswith(" in corrupted")]
    print(f'corrupted: {len(in_corrupted)} reports titled "... in corrupted", '
          f"{sum(1 for _, _, r in found if r.corrupted)} flagged corrupted (cut, interleaved or without a stack)")
    if syzbot:
        same = sum(1 for subject, report in syzbot if report.title == subject)
        print(f"syzbot's report mails: the first report's title is the subject's in {same}/{len(syzbot)}")
        for subject, report in syzbot:
            if report.title != subject:
                print(f"  subject {subject!r}: {report.title!r}, alt titles {list(report.alt_titles)}")
    print()
    print("reports by title:")
    for title, count in Counter(r.title for _, _, r in found).most_common():
        print(f"  {count:4d}  {title}")
    if args.list:
        print()
        print("every report (depth, lines, title, Message-ID):")
        for mid, _, report in found:
            print(f"  {report.depth}  {report.first_line}-{report.last_line}  {report.title}"
                  f"{'  [corrupted]' if report.corrupted else ''}  <{mid}>")
    if args.corrupted and in_corrupted:
        print()
        print(f'every report titled "... in corrupted" ({len(in_corrupted)}), with its body lines:')
        for number, item in enumerate(in_corrupted, 1):
            show(number, found.index(item), item, bodies, args.context)
    if args.sample and found:
        rng = random.Random(args.seed)
        picks = sorted(rng.sample(range(len(found)), min(args.sample, len(found))))
        print()
        print(f"sample of {len(picks)} reports (random.Random({args.seed})), each with its body lines:")
        for number, index in enumerate(picks, 1):
            show(number, index, found[index], bodies, args.context)


def show(number: int, index: int, item, bodies: dict[str, str], context: int) -> None:
    """One report with its body lines ("|" marks the report's own) and `context` around."""
    mid, subject, report = item
    lines = bodies[mid].split("\n")
    print()
    print(f"#{number} [{index}] {report.title!r} kind={report.kind} corrupted={report.corrupted} "
          f"kernel={report.kernel} depth={report.depth} lines={report.first_line}-{report.last_line}")
    print(f"   <{mid}> {subject[:90]!r}")
    low = max(1, report.first_line - context)
    high = min(len(lines), report.last_line + context)
    for n in range(low, high + 1):
        mark = "|" if report.first_line <= n <= report.last_line else " "
        print(f"   {mark}{n:5d} {lines[n - 1][:160]}")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # piped into head: not an error
        sys.stderr.close()
