"""threadminer's git-am export side by side with `b4 am`, on every series of an archive.

    python bench/b4_compare.py [EPOCH] [--venv DIR] [--workdir DIR] [--rerun-b4] [--limit N]
                               [--show KIND] [--sample N] [--seed S]

Default EPOCH: ../shared/corpus/public-inbox/linux-modules/0.git ($THREADMINER_SHARED replaces ../shared).

1. b4 is installed from the package index into a separate environment (--venv, default
   /work/bench-venv; created when absent). It is not a threadminer dependency.
2. The epoch is read with `threadminer.sources.read` and threaded with
   `threadminer.threads.build_threads`. Every thread holding a message that looks like a
   patch to b4 (a non-reply whose text has a diff, by b4's own DIFF_RE) is written as an
   mbox in date order.
3. b4 runs on each: `b4 --offline-mode -c b4.attestation-policy=off am -m THREAD.mbox
   -o OUT -n b4 ROOT-MSGID` (in one process, bench/b4_worker.py; its results are cached in
   --workdir and reused unless --rerun-b4).
4. threadminer's side is one library call per thread, `patches.export_thread(messages,
   parent_of)` (the function `threadminer patches` will call), latest revision.
5. For each thread where either side wrote a series, the two mailboxes are compared:
   - same version chosen: the same set of patch Message-IDs;
   - same patches: each patch's diff text equal after normalising whitespace;
   - same trailers: the trailer block of each commit message, parsed and normalised
     (b4 rewrites trailers already present into its normal form; threadminer keeps them
     as written, so both are compared parsed).
   A series agrees when all three hold. Disagreements are printed by kind; --show KIND
   lists them, --sample N prints a seeded sample of disagreements for reading. A patch sent
   format=flowed whose diff differs only because b4 does not decode format=flowed (decoding
   b4's text gives threadminer's diff exactly) is its own kind, and counted apart.
   Both mailboxes of each thread stay in --workdir for reading (out/b4.mbx, threadminer.mbx);
   bench/b4_compare_notes.md says which side is right for the disagreements read.

Speed: b4's time per thread (in-process, so without interpreter start-up) next to
threadminer's time for the same threads, same run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from threadminer.analysis.trailers import parse_trailers  # noqa: E402
from threadminer.message import Message, unflow  # noqa: E402
from threadminer.patches import export_thread  # noqa: E402
from threadminer.sources import read  # noqa: E402
from threadminer.threads import Summary, build_threads  # noqa: E402

SHARED = os.environ.get("THREADMINER_SHARED", os.path.join(ROOT, "..", "shared"))
DEFAULT_EPOCH = os.path.join(SHARED, "corpus", "public-inbox", "linux-modules", "0.git")
B4_VERSION = "0.16.0"
# b4's own test for "this message has a patch" (b4/__init__.py DIFF_RE), to pick threads
# without taking threadminer's view of what a patch is.
B4_DIFF_RE = re.compile(r"^(---.*\n\+\+\+|GIT binary patch|diff --git \w/\S+ \w/\S+)", re.M | re.I)
RE_REPLY = re.compile(r"^(Re|Aw|Fwd):", re.I)
RE_FLOWED = re.compile(rb"^Content-Type:[^\n]*(?:\n[ \t][^\n]*)*format=\"?flowed", re.I | re.M)
SEPARATOR = b"From git@z Thu Jan  1 00:00:00 1970\n"


def ensure_b4(venv: str) -> str:
    """The bench environment's Python, with b4 installed (created on first use)."""
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        print(f"creating bench environment {venv}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    probe = subprocess.run([python, "-c", "import b4; print(b4.__VERSION__)"], capture_output=True, text=True)
    if probe.returncode != 0:
        print(f"installing b4=={B4_VERSION} into {venv}", file=sys.stderr)
        subprocess.run([python, "-m", "pip", "install", "-q", f"b4=={B4_VERSION}"], check=True)
        probe = subprocess.run([python, "-c", "import b4; print(b4.__VERSION__)"], capture_output=True, text=True)
    print(f"b4 {probe.stdout.strip()} in {venv}", file=sys.stderr)
    return python


def load_threads(epoch: str) -> tuple[list[list[Message]], dict[str, str | None]]:
    """Threads of the epoch (messages in date order) and every message's parent."""
    messages = [m for m in read(epoch) if isinstance(m, Message)]
    by_id = {}
    for m in messages:
        by_id.setdefault(m.message_id, m)
    summaries = [Summary(m.message_id, m.message_id, m.in_reply_to, m.references, m.subject, m.date,
                         m.author.email) for m in by_id.values()]
    parent_of: dict[str, str | None] = {}
    threads = []
    for thread in build_threads(summaries):
        members = []
        for node in thread.nodes.values():
            parent_of[node.message_id] = thread.nodes[node.parent].message_id if node.parent else None
            if not node.ghost and node.message_id in by_id:
                members.append(by_id[node.message_id])
        members.sort(key=lambda m: (m.date.timestamp() if m.date else 0, m.message_id))
        threads.append(members)
    return threads, parent_of


def has_candidate_patch(thread: list[Message]) -> bool:
    for m in thread:
        if RE_REPLY.match(m.subject or ""):
            continue
        if B4_DIFF_RE.search(m.body) or any(B4_DIFF_RE.search(a.text) for a in m.attachments):
            return True
    return False


def write_mbox(thread: list[Message], path: str) -> None:
    """An mboxo file b4 reads with Python's mailbox.mbox: From_ lines, body lines starting
    with "From " escaped."""
    with open(path, "wb") as out:
        for m in thread:
            raw = m.as_bytes().replace(b"\r\n", b"\n")
            out.write(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n")
            out.write(re.sub(rb"(?m)^(>*From )", rb">\1", raw))
            if not raw.endswith(b"\n"):
                out.write(b"\n")
            out.write(b"\n")


def run_b4(python: str, jobs: list[dict], cache: dict, cache_file: str) -> None:
    """Run b4 on every job; results go into `cache`, saved to `cache_file` as they come."""
    worker = os.path.join(ROOT, "bench", "b4_worker.py")
    proc = subprocess.Popen([python, worker], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            cwd="/tmp")
    assert proc.stdin and proc.stdout
    for i, job in enumerate(jobs):
        proc.stdin.write(json.dumps(job) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            sys.exit(f"b4 worker stopped at {job['msgid']}")
        result = json.loads(line)
        result["outdir"] = job["outdir"]
        cache[job["msgid"]] = result
        if (i + 1) % 100 == 0 or i + 1 == len(jobs):
            print(f"  b4: {i + 1}/{len(jobs)} threads", file=sys.stderr)
            with open(cache_file, "w") as fh:
                json.dump(cache, fh)
    proc.stdin.close()
    proc.wait()


# --- reading the two mailboxes -------------------------------------------------------------

RE_DIFF_START = re.compile(r"^(?:diff --git |--- \S.*\n\+\+\+ |Index: |GIT binary patch)", re.M)


def split_mbx(data: bytes) -> list[dict]:
    """The messages of a git-am mbox: Message-Id, Subject, body."""
    out = []
    for chunk in data.split(SEPARATOR):
        if not chunk.strip():
            continue
        text = chunk.decode("utf-8", "replace")
        head, _, body = text.partition("\n\n")
        headers = {}
        for line in re.sub(r"\n[ \t]+", " ", head).split("\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        out.append({"message_id": headers.get("message-id", "").strip("<>"), "subject": headers.get("subject", ""),
                    "body": body})
    return out


def diff_of(body: str) -> str:
    """The diff of a patch mail, whitespace at line ends and trailing blank lines aside."""
    m = RE_DIFF_START.search(body)
    if not m:
        return ""
    text = body[m.start():]
    if "\n-- \n" in text:
        text = text.rsplit("\n-- \n", 1)[0]
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def trailers_of(body: str) -> list[tuple[str, str]]:
    """The trailer block of a commit message, parsed and normalised."""
    m = re.search(r"^---[ \t]*$", body, re.M)
    d = RE_DIFF_START.search(body)
    cut = min(x.start() for x in (m, d) if x) if (m or d) else len(body)
    message = body[:cut].rstrip()
    last = message.split("\n\n")[-1]
    return [(t.lname, t.value.lower()) for t in parse_trailers(last)]


def compare(b4_msgs: list[dict], tm_msgs: list[dict], flowed: set[str] = frozenset()) -> list[str]:
    """Kinds of disagreement between the two mailboxes of one thread ([] = agree).
    `flowed`: Message-IDs of format=flowed messages (b4 does not undo format=flowed)."""
    if not b4_msgs and not tm_msgs:
        return []
    if not b4_msgs:
        return ["only-threadminer"]
    if not tm_msgs:
        return ["only-b4"]
    b4_ids = [m["message_id"] for m in b4_msgs]
    tm_ids = [m["message_id"] for m in tm_msgs]
    kinds = []
    if set(b4_ids) != set(tm_ids):
        kinds.append("patches-chosen")
    tm_by = {m["message_id"]: m for m in tm_msgs}
    diff_bad = diff_flowed = trail_missing = trail_extra = order = False
    for m in b4_msgs:
        o = tm_by.get(m["message_id"])
        if o is None:
            continue
        if diff_of(m["body"]) != diff_of(o["body"]):
            # b4 re-wraps a format=flowed body without decoding it; the kind says so only
            # when decoding b4's text (RFC 3676) gives threadminer's diff exactly.
            if m["message_id"] in flowed and diff_of(unflow(m["body"], False)) == diff_of(o["body"]):
                diff_flowed = True
            else:
                diff_bad = True
        a, b = trailers_of(m["body"]), trailers_of(o["body"])
        if Counter(a) - Counter(b):
            trail_missing = True
        if Counter(b) - Counter(a):
            trail_extra = True
        if Counter(a) == Counter(b) and a != b:
            order = True
    if diff_bad:
        kinds.append("diff-text")
    if diff_flowed:
        kinds.append("diff-text-format-flowed")
    if trail_missing:
        kinds.append("trailers-only-b4")
    if trail_extra:
        kinds.append("trailers-only-threadminer")
    if order:
        kinds.append("trailer-order")
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("epoch", nargs="?", default=DEFAULT_EPOCH)
    parser.add_argument("--venv", default="/work/bench-venv")
    parser.add_argument("--workdir", default="/tmp/b4_compare")
    parser.add_argument("--rerun-b4", action="store_true", help="run b4 again even when its output is cached")
    parser.add_argument("--limit", type=int, default=0, help="only the first N threads with patches")
    parser.add_argument("--show", action="append", default=[], help="list every disagreement of this kind")
    parser.add_argument("--sample", type=int, default=0, help="print N disagreements drawn at random")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--json", help="write per-thread results to this file")
    args = parser.parse_args()
    if not os.path.isdir(args.epoch):
        sys.exit(f"no such epoch: {args.epoch}")
    python = ensure_b4(args.venv)

    t0 = time.perf_counter()
    threads, parent_of = load_threads(args.epoch)
    read_seconds = time.perf_counter() - t0
    chosen = [t for t in threads if has_candidate_patch(t)]
    if args.limit:
        chosen = chosen[: args.limit]
    print(f"{sum(len(t) for t in threads)} messages, {len(threads)} threads, {len(chosen)} with a patch "
          f"(read and threaded in {read_seconds:.1f}s)")

    os.makedirs(args.workdir, exist_ok=True)
    stamp = os.path.join(args.workdir, "b4-results.json")
    cached = {}
    if os.path.exists(stamp) and not args.rerun_b4:
        with open(stamp) as fh:
            cached = json.load(fh)
    jobs = []
    for t in chosen:
        root = t[0].message_id
        key = re.sub(r"[^A-Za-z0-9]+", "_", root)[:60] + "_" + hashlib.sha1(root.encode()).hexdigest()[:10]
        folder = os.path.join(args.workdir, key)
        os.makedirs(folder, exist_ok=True)
        mbox = os.path.join(folder, "thread.mbox")
        write_mbox(t, mbox)
        if root not in cached:
            out = os.path.join(folder, "out")
            shutil.rmtree(out, ignore_errors=True)
            jobs.append({"mbox": mbox, "msgid": root, "outdir": out})
    if jobs:
        print(f"running b4 on {len(jobs)} threads", file=sys.stderr)
        run_b4(python, jobs, cached, stamp)

    kinds: Counter[str] = Counter()
    per_kind: dict[str, list[str]] = defaultdict(list)
    agree = compared = 0
    tm_seconds = b4_seconds = 0.0
    rows = []
    for t in chosen:
        root = t[0].message_id
        res = cached[root]
        b4_seconds += res["seconds"]
        b4_file = os.path.join(res["outdir"], "b4.mbx")
        b4_msgs = split_mbx(open(b4_file, "rb").read()) if os.path.exists(b4_file) else []
        started = time.perf_counter()
        exports = export_thread(t, parent_of)
        tm_seconds += time.perf_counter() - started
        tm_msgs = split_mbx(exports[0].mbx) if exports else []
        flowed = {m.message_id for m in t if m.raw and RE_FLOWED.search(m.raw[:200000])}
        found = compare(b4_msgs, tm_msgs, flowed)
        if not b4_msgs and not tm_msgs:
            continue
        compared += 1
        if not found:
            agree += 1
        for k in found:
            kinds[k] += 1
            per_kind[k].append(root)
        rows.append({"root": root, "kinds": found, "b4": [m["message_id"] for m in b4_msgs],
                     "threadminer": [m["message_id"] for m in tm_msgs], "b4_exit": res["exit"],
                     "dir": os.path.dirname(res["outdir"])})
        if exports:
            with open(os.path.join(os.path.dirname(res["outdir"]), "threadminer.mbx"), "wb") as fh:
                fh.write(exports[0].mbx)

    print(f"series compared (threads where either side wrote one): {compared}")
    print(f"agree on patches chosen, diff text and trailers: {agree} ({100.0 * agree / max(compared, 1):.1f}%)")
    flowed_only = sum(1 for r in rows if r["kinds"] == ["diff-text-format-flowed"])
    print(f"  of the others, {flowed_only} differ only in b4 not decoding format=flowed; counting them as agreeing:"
          f" {agree + flowed_only} ({100.0 * (agree + flowed_only) / max(compared, 1):.1f}%)")
    print("disagreements by kind (a series may have several):")
    for k, n in kinds.most_common():
        print(f"  {k:28} {n}")
    n = len(chosen)
    print(f"speed over {n} threads: b4 {b4_seconds:.1f}s ({1000 * b4_seconds / max(n, 1):.1f} ms/thread, in-process),"
          f" threadminer {tm_seconds:.1f}s ({1000 * tm_seconds / max(n, 1):.1f} ms/thread);"
          f" threadminer/b4 = {tm_seconds / max(b4_seconds, 1e-9):.2f}")
    for k in args.show:
        print(f"\n{k}:")
        for row in rows:
            if k in row["kinds"]:
                print(f"  {row['root']}  {row['dir']}")
    if args.sample:
        bad = [r for r in rows if r["kinds"]]
        for row in random.Random(args.seed).sample(bad, min(args.sample, len(bad))):
            print(f"\n{row['root']} {row['kinds']} (b4 exit {row['b4_exit']})\n  dir {row['dir']}")
            print(f"  b4:          {row['b4']}\n  threadminer: {row['threadminer']}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
