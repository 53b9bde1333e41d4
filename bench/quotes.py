"""Quote trees on public-inbox epochs: how often a quoted block's source is resolved right, and
the quoted/unquoted line split next to talon, quotequail and email_reply_parser.

    python bench/quotes.py [EPOCH...] [--tools-python PATH] [--min-chars N]

Default EPOCHs: ../shared/corpus/public-inbox/{ksummit,linux-modules}/0.git.

Each epoch is imported into a temporary store; every message is parsed with its thread
(`quotes.parse(msg, ThreadAnalysis(store, thread_id).context)`).

Resolution. A quoted block is a text segment at depth >= 1 with at least --min-chars
characters once whitespace is removed. Its source is "in the archive" when the block,
whitespace removed, is an exact substring of the unquoted lines (lines not starting with
">") of another message of the same thread; those messages are the right answers (one
block can have several: a patch and its resend). Printed: the share of such blocks whose
voice resolved to a right answer (unresolved counts as wrong), the share resolved at all
(coverage), and the precision among resolved ones.

Line split. On every message with at least one quoted line, threadminer's split (non-blank
lines of depth-0 text segments are the author's own; lines of depth >= 1 are quoted) is the
reference; for each tool the share of the author's own lines it keeps, the share of quoted
lines it keeps, how often it returns the message unchanged or empty, and the share of own
lines kept in inline replies (own text after the first quote). The tools run in a separate
Python (`--tools-python`, default /work/bench-venv/bin/python when present) given the bodies
as JSON lines; without them the comparison is skipped with a note.

Speed: parse time per message against decoding the same messages from the store (the
baseline every analysis pays), same run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from threadminer.composer import ThreadAnalysis  # noqa: E402
from threadminer.analysis.context import normalise  # noqa: E402
from threadminer.analysis.quotes import parse  # noqa: E402
from threadminer.sources import read  # noqa: E402
from threadminer.store import Store  # noqa: E402

CORPUS = os.path.join(ROOT, "..", "shared", "corpus", "public-inbox")
DEFAULT_EPOCHS = [os.path.join(CORPUS, name, "0.git") for name in ("ksummit", "linux-modules")]
DEFAULT_TOOLS_PYTHON = "/work/bench-venv/bin/python"

# Run inside the tools' Python: reads {"id", "body"} lines, writes {"id", tool: text|null}.
TOOLS_WORKER = r'''
import json, sys, signal
out = {}
tools = {}
try:
    from talon import quotations
    tools["talon"] = lambda body: quotations.extract_from_plain(body)
except Exception as exc:
    print("talon unavailable:", exc, file=sys.stderr)
try:
    import quotequail
    def qq(body):
        parts = quotequail.quote(body)
        return "\n".join(text for own, text in parts if own)
    tools["quotequail"] = qq
except Exception as exc:
    print("quotequail unavailable:", exc, file=sys.stderr)
try:
    from email_reply_parser import EmailReplyParser
    tools["email_reply_parser"] = EmailReplyParser.parse_reply
except Exception as exc:
    print("email_reply_parser unavailable:", exc, file=sys.stderr)
print(json.dumps(sorted(tools)), flush=True)
def timeout(*_):
    raise TimeoutError()
signal.signal(signal.SIGALRM, timeout)
for line in sys.stdin:
    item = json.loads(line)
    res = {"id": item["id"]}
    for name, fn in tools.items():
        signal.alarm(10)
        try:
            res[name] = fn(item["body"])
        except Exception:
            res[name] = None
        finally:
            signal.alarm(0)
    print(json.dumps(res), flush=True)
'''

RE_QUOTED = re.compile(r"^>")


def pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:6.2f}% ({part}/{whole})" if whole else "   n/a (0/0)"


def oracle_text(body: str) -> str:
    """The bench's own idea of a message's unquoted text: lines not starting with '>'."""
    return normalise("\n".join(line for line in body.split("\n") if not RE_QUOTED.match(line)))


def run_epoch(epoch: str, min_chars: int, tools_python: str | None, show_wrong: int = 0) -> None:
    name = os.path.basename(os.path.dirname(os.path.abspath(epoch)))
    print(f"\n== {name}: {epoch}")
    with tempfile.TemporaryDirectory(prefix="tm-bench-quotes-") as tmp:
        store = Store(os.path.join(tmp, "store.sqlite3"))
        started = time.perf_counter()
        imported = store.add(read(epoch))
        print(f"imported {imported.messages_new} messages in {time.perf_counter() - started:.1f} s")

        stats = Counter()
        split_rows: list[dict] = []
        decode_seconds = parse_seconds = 0.0
        for thread_id in store.thread_ids():
            t0 = time.perf_counter()
            context = ThreadAnalysis(store, thread_id).context
            decode_seconds += time.perf_counter() - t0
            oracle = {mid: oracle_text(msg.body) for mid, msg in context.messages.items()}
            for mid, msg in context.messages.items():
                t0 = time.perf_counter()
                tree = parse(msg, context)
                parse_seconds += time.perf_counter() - t0
                stats["messages"] += 1
                for voice in tree.voices[1:]:
                    stats["voices"] += 1
                    if voice.source_message_id in context.messages:
                        stats["voices in thread"] += 1
                    elif voice.source_message_id:
                        stats["voices ghost with id"] += 1
                    else:
                        stats["voices unresolved"] += 1
                for seg in tree.segments:
                    if seg.depth == 0 or seg.kind != "text":
                        continue
                    block = normalise(seg.text)
                    if len(block) < min_chars:
                        continue
                    stats["blocks"] += 1
                    right = {other for other, text in oracle.items() if other != mid and block in text}
                    source = tree.voices[seg.voice].source_message_id
                    if not right:
                        stats["blocks without source in thread"] += 1
                        continue
                    stats["blocks with source"] += 1
                    if len(right) > 1:
                        stats["blocks with several right sources"] += 1
                    if source is not None:
                        stats["resolved"] += 1
                        if source in right:
                            stats["right"] += 1
                        elif stats["wrong shown"] < show_wrong:
                            stats["wrong shown"] += 1
                            print("  wrong:", mid, seg.first_line, source, sorted(right)[:2])
                split_rows.append(_split_row(mid, msg.body, tree))

        n = stats["blocks with source"]
        print(f"messages {stats['messages']}, quoted voices {stats['voices']}: resolved in thread "
              f"{pct(stats['voices in thread'], stats['voices'])}, ghost with Message-ID "
              f"{pct(stats['voices ghost with id'], stats['voices'])}, unresolved "
              f"{pct(stats['voices unresolved'], stats['voices'])}")
        print(f"quoted blocks (>= {min_chars} chars): {stats['blocks']}; source in thread (oracle): "
              f"{pct(n, stats['blocks'])}, of which with several right answers {stats['blocks with several right sources']}")
        print(f"  resolved right:       {pct(stats['right'], n)}")
        print(f"  coverage (resolved):  {pct(stats['resolved'], n)}")
        print(f"  precision:            {pct(stats['right'], stats['resolved'])}")
        if decode_seconds:
            per = 1000 * parse_seconds / max(1, stats["messages"])
            print(f"speed: parse {per:.2f} ms/message; parse time / store decode time = "
                  f"{parse_seconds / decode_seconds:.2f}")
        compare_tools(split_rows, tools_python)
        store.close()


def _split_row(mid: str, body: str, tree) -> dict:
    """threadminer's split of one message: own and quoted non-blank raw lines, and which own
    lines come after the first quote (inline answers)."""
    raw = body.split("\n")
    own: list[str] = []
    quoted: list[str] = []
    inline: list[str] = []
    seen_quote = False
    for seg in tree.segments:
        lines = [raw[i - 1].strip() for i in range(seg.first_line, seg.last_line + 1)]
        lines = [x for x in lines if x and x != ">" and not re.fullmatch(r">[> ]*", x)]
        if seg.depth >= 1:
            quoted.extend(lines)
            seen_quote = seen_quote or bool(lines)
        elif seg.kind == "text":
            own.extend(lines)
            if seen_quote:
                inline.extend(lines)
    return {"id": mid, "body": body, "own": own, "quoted": quoted, "inline": inline}


def compare_tools(rows: list[dict], tools_python: str | None) -> None:
    rows = [r for r in rows if r["quoted"]]
    print(f"line split on {len(rows)} messages with quoted lines (threadminer's split is the reference):")
    if not tools_python:
        print("  comparison skipped: no Python with talon/quotequail/email_reply_parser "
              "(make one: python3 -m venv /work/bench-venv && /work/bench-venv/bin/pip install "
              "talon quotequail email-reply-parser; or pass --tools-python)")
        return
    try:
        proc = subprocess.Popen([tools_python, "-c", TOOLS_WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
    except OSError as exc:
        print(f"  comparison skipped: cannot run {tools_python} ({exc.strerror})")
        return
    assert proc.stdin is not None and proc.stdout is not None
    tools = json.loads(proc.stdout.readline() or "[]")
    if not tools:
        proc.kill()
        print(f"  comparison skipped: {tools_python} has none of the tools")
        return
    results: dict[str, dict] = {}
    for row in rows:  # one at a time: the worker answers each line before the next is sent
        proc.stdin.write(json.dumps({"id": row["id"], "body": row["body"]}) + "\n")
        proc.stdin.flush()
        answer = json.loads(proc.stdout.readline())
        results[row["id"]] = answer
    proc.stdin.close()
    proc.wait()
    header = f"  {'tool':20} {'own kept':>22} {'quoted kept':>22} {'inline own kept':>22} {'unchanged':>20} {'empty':>20} {'failed':>6}"
    print(header)
    mine = Counter()
    for row in rows:
        mine["own"] += len(row["own"])
        mine["quoted"] += len(row["quoted"])
        mine["inline"] += len(row["inline"])
    print(f"  {'threadminer':20} {pct(mine['own'], mine['own']):>22} {pct(0, mine['quoted']):>22} "
          f"{pct(mine['inline'], mine['inline']):>22} {pct(0, len(rows)):>20} {'-':>20} {0:>6}")
    for tool in tools:
        c = Counter()
        for row in rows:
            text = results[row["id"]].get(tool)
            if text is None:
                c["failed"] += 1
                continue
            kept = Counter(x.strip() for x in text.split("\n") if x.strip())
            c["messages"] += 1
            c["own total"] += len(row["own"])
            c["quoted total"] += len(row["quoted"])
            c["inline total"] += len(row["inline"])
            c["own"] += _kept(row["own"], kept)
            c["quoted"] += _kept(row["quoted"], kept)
            c["inline"] += _kept(row["inline"], kept)
            if text.strip() == row["body"].strip():
                c["unchanged"] += 1
            if not text.strip() and row["own"]:
                c["empty"] += 1
        print(f"  {tool:20} {pct(c['own'], c['own total']):>22} {pct(c['quoted'], c['quoted total']):>22} "
              f"{pct(c['inline'], c['inline total']):>22} {pct(c['unchanged'], c['messages']):>20} "
              f"{pct(c['empty'], c['messages']):>20} {c['failed']:>6}")


def _kept(lines: list[str], kept: Counter) -> int:
    budget = Counter(kept)
    count = 0
    for line in lines:
        if budget[line] > 0:
            budget[line] -= 1
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("epochs", nargs="*", default=DEFAULT_EPOCHS)
    parser.add_argument("--tools-python", default=None,
                        help=f"Python with the tools to compare (default {DEFAULT_TOOLS_PYTHON} if present)")
    parser.add_argument("--min-chars", type=int, default=40, help="smallest quoted block counted (whitespace removed)")
    parser.add_argument("--show-wrong", type=int, default=0, metavar="N", help="print N wrongly resolved blocks")
    args = parser.parse_args()
    tools_python = args.tools_python or (DEFAULT_TOOLS_PYTHON if os.path.exists(DEFAULT_TOOLS_PYTHON) else None)
    for epoch in args.epochs:
        if not os.path.isdir(epoch):
            print(f"skipped {epoch}: not found")
            continue
        run_epoch(epoch, args.min_chars, tools_python, args.show_wrong)


if __name__ == "__main__":
    main()
