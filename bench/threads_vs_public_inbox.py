"""Thread partitions against public-inbox's own, on real public-inbox epochs.

    python bench/threads_vs_public_inbox.py [EPOCH ...]

Default: both epochs in ../shared/corpus/public-inbox. Needs Debian's public-inbox
(`public-inbox-init`, `public-inbox-index`).

For each epoch: a v2 inbox is made from a copy of the epoch and indexed by
`public-inbox-index -L basic`, which writes each message's thread id (`tid`) to
over.sqlite3; the epoch is imported into a fresh threadminer store. For every message
both know, we check whether its thread holds exactly the same messages in both. Printed:

- threadminer's threads (reference links plus subject grouping of header-less replies);
- threadminer's reference links only (what public-inbox also uses), to tell threading
  differences from the subject rule public-inbox does not have;
- a naive In-Reply-To chain, for scale;
- each subject-grouped message, with whether it quotes its thread (evidence it belongs).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from threadminer.message import parse_bytes  # noqa: E402
from threadminer.store import Store  # noqa: E402
from threadminer.sources import read  # noqa: E402

CORPUS = os.path.join(ROOT, "..", "shared", "corpus", "public-inbox")


def public_inbox_threads(epoch: str, tmp: str) -> tuple[dict[str, int], float]:
    """Message-ID -> public-inbox tid, and the seconds public-inbox-index took."""
    env = dict(os.environ, PI_CONFIG=os.path.join(tmp, "pi_config"), HOME=tmp)
    inbox = os.path.join(tmp, "inbox")
    subprocess.run(["public-inbox-init", "-V2", "-L", "basic", "bench", inbox, "http://example.invalid/bench",
                    "bench@example.invalid"], check=True, env=env, capture_output=True)
    shutil.rmtree(os.path.join(inbox, "git", "0.git"))
    shutil.copytree(epoch, os.path.join(inbox, "git", "0.git"))
    for folder, _, files in os.walk(inbox):
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    start = time.perf_counter()
    subprocess.run(["public-inbox-index", inbox], check=True, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    over = sqlite3.connect(os.path.join(inbox, "xap15", "over.sqlite3"))
    tids: dict[str, int] = {}
    for mid, tid in over.execute("SELECT m.mid, o.tid FROM over o JOIN id2num i ON i.num = o.num "
                                 "JOIN msgid m ON m.id = i.id WHERE o.num > 0 ORDER BY o.num"):
        tids.setdefault(mid, tid)
    return tids, elapsed


def agreement(truth: dict[str, object], ours: dict[str, object]) -> tuple[int, int]:
    common = set(truth) & set(ours)
    truth_groups: dict[object, set[str]] = defaultdict(set)
    our_groups: dict[object, set[str]] = defaultdict(set)
    for mid in common:
        truth_groups[truth[mid]].add(mid)
        our_groups[ours[mid]].add(mid)
    same = sum(1 for mid in common if truth_groups[truth[mid]] == our_groups[ours[mid]])
    return same, len(common)


def union_partition(links: dict[str, list[str]]) -> dict[str, str]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for mid, others in links.items():
        find(mid)
        for other in others:
            a, b = find(mid), find(other)
            if a != b:
                parent[a] = b
    return {mid: find(mid) for mid in links}


def main() -> None:
    epochs = sys.argv[1:] or [os.path.join(CORPUS, name, "0.git") for name in ("linux-modules", "ksummit")]
    if not shutil.which("public-inbox-index"):
        sys.exit("skip: public-inbox-index is not installed (apt-get install public-inbox)")
    for epoch in epochs:
        if not os.path.isdir(epoch):
            print(f"skip: {epoch} is absent")
            continue
        with tempfile.TemporaryDirectory(prefix="threadminer-pi-") as tmp:
            truth, pi_seconds = public_inbox_threads(epoch, tmp)
            start = time.perf_counter()
            with Store(os.path.join(tmp, "tm.sqlite3")) as store:
                result = store.add(read(epoch))
                tm_seconds = time.perf_counter() - start
                ours: dict[str, object] = {}
                refs: dict[str, list[str]] = {}
                naive: dict[str, list[str]] = {}
                for mid, tid, irt, ref in store.db.execute(
                        "SELECT message_id, thread_id, in_reply_to, refs FROM messages ORDER BY id"):
                    ours.setdefault(mid, tid)
                    refs.setdefault(mid, []).extend(([irt] if irt else []) + ref.split())
                    naive.setdefault(mid, []).extend([irt] if irt else [])
                subject_linked = store.db.execute(
                    "SELECT key, message_id, subject, parent_key FROM messages WHERE parent_rule = 'subject'").fetchall()
                evidence = []
                for key, mid, subject, parent_key in subject_linked:
                    raw = store.db.execute("SELECT raw FROM messages WHERE key = ?", (key,)).fetchone()[0]
                    msg = parse_bytes(zlib.decompress(raw))
                    quoted = sum(1 for line in msg.body.splitlines() if line.startswith(">"))
                    evidence.append((mid, subject, parent_key, quoted))
            name = os.path.basename(os.path.dirname(os.path.abspath(epoch)))
            print(f"== {name}: {result.messages_new} messages stored ({result.messages_seen} exact duplicates), "
                  f"public-inbox indexed {len(truth)}")
            print(f"   public-inbox-index: {pi_seconds:.1f} s; threadminer import: {tm_seconds:.1f} s")
            for label, partition in (("threadminer threads", ours),
                                     ("threadminer reference links only", union_partition(refs)),
                                     ("naive In-Reply-To chain", union_partition(naive))):
                same, total = agreement(truth, partition)
                print(f"   {label:34s} {same}/{total} messages in the same thread as public-inbox: "
                      f"{same / total:.2%}")
            print(f"   subject-grouped header-less replies: {len(evidence)}")
            for mid, subject, parent_key, quoted in evidence:
                print(f"     <{mid}> '{subject[:60]}' under <{parent_key}>, {quoted} quoted lines")


if __name__ == "__main__":
    main()
