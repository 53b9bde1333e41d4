"""Find candidate threads: messages whose own (unquoted) lines match a regex.

usage: grep_threads.py REGEX [--all-lines]
prints: root id, thread size, subject, and matching lines with their message's author.
"""

import re
import sys
from collections import defaultdict

from epoch import load

pat = re.compile(sys.argv[1], re.I)
all_lines = "--all-lines" in sys.argv
msgs, root_of, threads = load()
hits = defaultdict(list)
for mid, m in msgs.items():
    for line in m.body.splitlines():
        if not all_lines and line.lstrip().startswith(">"):
            continue
        if pat.search(line):
            hits[root_of[mid]].append((m.author.name, line.strip()[:120]))
for root, lines in sorted(hits.items(), key=lambda kv: -len(kv[1])):
    first = next((k for k, _ in threads[root] if not k.startswith("GHOST:")), None)
    print(f"== {root}  n={len(threads[root])}  {msgs[first].subject[:90]}")
    for who, line in lines[:6]:
        print(f"     {who}: {line}")
