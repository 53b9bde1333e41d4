"""A condensed reading view of one thread: every message in tree order with its
Message-ID, author, UTC date and subject; a posted patch shows its description and
diffstat but not its diff; runs of quoted lines shrink to their last few lines (the
context a reply answers). Use dump_thread.py for the full text.

usage: read_thread.py MESSAGE-ID [--keep-quotes N] [--max-lines N]
"""

import re
import sys

from epoch import iso, load

KEEP = int(sys.argv[sys.argv.index("--keep-quotes") + 1]) if "--keep-quotes" in sys.argv else 3
# Messages longer than this many condensed lines are cut (robot logs, console dumps).
MAX = int(sys.argv[sys.argv.index("--max-lines") + 1]) if "--max-lines" in sys.argv else 120
msgs, root_of, threads = load()
mid = sys.argv[1].strip("<>")
root = root_of.get(mid, mid)


RE_DIFF_START = re.compile(r"^(diff --git |--- a/|Index: )")
RE_DIFF_BODY = re.compile(r"^([ +\-@]|diff |index |new file|deleted file|similarity|rename |old mode|new mode|\\ No newline|$)")


def condensed(body: str) -> list[str]:
    """Quoted runs cut to their last KEEP lines; unquoted diffs (in patches and in
    replies) cut to one marker line, and reading resumes after them."""
    out, run, in_diff, diff_lines = [], [], False, 0
    for line in body.splitlines():
        if in_diff:
            if RE_DIFF_BODY.match(line) and not line.startswith("-- "):
                diff_lines += 1
                continue
            out.append(f"[diff elided: {diff_lines} lines]")
            in_diff = False
        if RE_DIFF_START.match(line):
            in_diff, diff_lines = True, 1
            if run:
                out.extend(run[-KEEP:])
                run = []
            continue
        if line.lstrip().startswith(">"):
            run.append(line)
            continue
        if run:
            if len(run) > KEEP:
                out.append(f"    [... {len(run) - KEEP} quoted lines]")
            out.extend(run[-KEEP:])
            run = []
        out.append(line)
    if in_diff:
        out.append(f"[diff elided: {diff_lines} lines]")
    if run:
        out.append(f"    [... {len(run)} quoted lines at end]")
    return out


for n, (key, depth) in enumerate(threads[root]):
    if key.startswith("GHOST:"):
        print(f"\n##### [{n}] d{depth} GHOST <{key[6:]}>")
        continue
    m = msgs[key]
    print(f"\n##### [{n}] d{depth} <{m.message_id}>\n{m.author.display} | {iso(m.date)} | {m.subject}")
    print("-" * 40)
    lines = [line for line in condensed(m.body) if line.strip()]
    if len(lines) > MAX:
        lines = lines[:MAX] + [f"[... {len(lines) - MAX} more lines cut]"]
    body = "\n".join(lines)
    print(re.sub(r"\n{3,}", "\n\n", body))
