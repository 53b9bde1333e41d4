"""`threadminer patches` side by side with `b4 am`, on every series of an archive.

    python bench/b4_compare.py [EPOCH] [--venv DIR] [--workdir DIR] [--rerun-b4] [--reuse-store]
                               [--library] [--per-thread N] [--limit N] [--show KIND]
                               [--sample N] [--seed S] [--json FILE]

Default EPOCH: ../shared/corpus/public-inbox/linux-modules/0.git ($THREADMINER_SHARED replaces
../shared).

1. b4 is installed from the package index into a separate environment (--venv, default
   /work/bench-venv; created when absent). It is not a threadminer dependency.
2. threadminer's side is the command users run, in its own processes, on a store of its own
   (WORKDIR/store.sqlite3, made anew unless --reuse-store):
       threadminer --db STORE import EPOCH
       threadminer --db STORE patches EPOCH -o WORKDIR/tm-out --json        (analyses computed)
       threadminer --db STORE patches EPOCH -o WORKDIR/tm-out-warm --json   (analyses cached)
   The JSON record of each series names its patches and its .mbx; the first run's files are
   compared. --library compares the library call `patches.export_thread(messages)` instead
   (parents from In-Reply-To, not the stored tree), in this process.
3. b4's side: every stored thread holding a message that looks like a patch to b4 (a
   non-reply whose text has a diff, by b4's own DIFF_RE), or in which threadminer wrote a
   series, is written as an mbox (the stored messages, in date order; see mbox_bytes) and
   given to
   `b4 --offline-mode -c b4.attestation-policy=off am -m THREAD.mbox -o OUT -n b4 ROOT`
   (ROOT: the thread's root message; in one process, bench/b4_worker.py). Results are cached
   in --workdir with a digest of the mbox, and b4 runs again only on a changed mbox (or
   with --rerun-b4).
4. For each thread where either side wrote a series, the two mailboxes are read with
   Python's email parser (each message decoded as its own headers say) and compared by one
   function, the same for both sides:
   - patches chosen: the same Message-IDs, in the same order (so the same version);
   - diff text: the text from the first diff line to the end (a `-- ` signature cut),
     whitespace at line ends and blank lines at either end dropped;
   - trailers: the trailer block of each commit message, parsed by `analysis.trailers`
     (b4 rewrites the trailers already on a patch into its normal form, `Cc: <a@b>` becomes
     `Cc: a@b`; threadminer keeps them as written), compared in order.
   Two figures are printed. "raw": all of the above hold. "normalised": the diff texts are
   equal once all whitespace is removed (a mailer's or a re-wrap's damage: format=flowed
   soft breaks and space-stuffing, tabs turned to spaces) and the trailers are the same
   multiset in any order. What the normalised figure forgives is still printed as its own
   kind (diff-whitespace, diff-whitespace-flowed when the posted message was format=flowed,
   trailer-order), so each can be read and judged; bench/b4_compare_notes.md does.
   Beyond the acceptance, and not counted in either figure: the commit's author and title
   as `git mailinfo` reads them (in-body From/Subject first) for each patch both hold.
   Both mailboxes of each thread stay in --workdir for reading (out/b4.mbx, threadminer.mbx).

Speed: threadminer's whole-command wall time (import, then patches over the epoch; again with
the analyses cached) per compared thread, next to b4's in-process time per thread (b4 without
interpreter start-up) in the same run. --per-thread N also times N threads as a user would run
them one at a time: one `threadminer patches ROOT --offline` process and one `b4 am` process
each, start-up included.
"""

from __future__ import annotations

import argparse
import email.header
import email.parser
import email.policy
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from threadminer.analysis.trailers import parse_trailers  # noqa: E402
from threadminer.message import Message  # noqa: E402
from threadminer.store import Store  # noqa: E402

SHARED = os.environ.get("THREADMINER_SHARED", os.path.join(ROOT, "..", "shared"))
DEFAULT_EPOCH = os.path.join(SHARED, "corpus", "public-inbox", "linux-modules", "0.git")
B4_VERSION = "0.16.0"
# b4's own test for "this message has a patch" (b4/__init__.py DIFF_RE), to pick threads
# without taking threadminer's view of what a patch is.
B4_DIFF_RE = re.compile(r"^(---.*\n\+\+\+|GIT binary patch|diff --git \w/\S+ \w/\S+)", re.M | re.I)
RE_REPLY = re.compile(r"^(Re|Aw|Fwd):", re.I)
RE_FLOWED = re.compile(rb"^Content-Type:[^\n]*(?:\n[ \t][^\n]*)*format=\"?flowed", re.I | re.M)
RE_MBX_SEPARATOR = re.compile(rb"(?m)^From git@z Thu Jan  1 00:00:00 1970\n")
RE_DIFF_START = re.compile(r"^(?:diff --git |--- \S.*\n\+\+\+ |Index: |GIT binary patch)", re.M)
# Kinds the normalised figure forgives (whitespace of the diff, order of the trailers).
FORGIVEN = frozenset({"diff-whitespace", "diff-whitespace-flowed", "trailer-order"})


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


# --- threadminer's side: the command line ----------------------------------------------------

def threadminer(db: str, *argv: str) -> tuple[float, str]:
    """Run `threadminer --db DB -q ARGV...` in its own process: (wall seconds, stdout)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "threadminer", "--db", db, "-q", *argv], capture_output=True,
                          text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"threadminer {' '.join(argv)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, done.stdout


def cli_patches(db: str, epoch: str, outdir: str) -> tuple[float, list[dict]]:
    shutil.rmtree(outdir, ignore_errors=True)
    seconds, out = threadminer(db, "patches", epoch, "-o", outdir, "--json")
    return seconds, json.loads(out)["series"]


# --- the stored threads (b4's input) ---------------------------------------------------------

def stored_threads(db: str) -> list[tuple[str, list[Message]]]:
    """Each stored thread: (the Message-ID b4 is given, messages in date order, one per
    Message-ID). The root when it is stored, else the earliest message."""
    out = []
    with Store(db, create=False) as store:
        for tid in store.thread_ids():
            info = store.thread_info(tid)
            msgs: dict[str, Message] = {}
            for m in store.thread_messages(tid):
                msgs.setdefault(m.message_id, m)
            if not msgs:
                continue
            members = list(msgs.values())
            root = info.root_message_id if info.root_message_id in msgs else members[0].message_id
            out.append((root, members))
    return out


def has_candidate_patch(thread: list[Message]) -> bool:
    for m in thread:
        if RE_REPLY.match(m.subject or ""):
            continue
        if B4_DIFF_RE.search(m.body) or any(B4_DIFF_RE.search(a.text) for a in m.attachments):
            return True
    return False


def mbox_bytes(thread: list[Message]) -> bytes:
    """The thread as an mbox, in date order, body lines starting with "From " escaped as
    ">From " (mboxrd, as lore's t.mbox.gz). b4 reads a local mbox with Python's mailbox.mbox
    (mboxo), which leaves the ">": such a line in a commit message stays ">From " in b4's
    output. A diff line never starts with "From ", so the diff and trailer comparisons are
    not touched. (A maildir would avoid the escape, but b4 takes a maildir's messages in
    directory order, which changes the order it adds trailers in.)"""
    parts = []
    for m in thread:
        raw = m.as_bytes().replace(b"\r\n", b"\n")
        parts.append(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n")
        parts.append(re.sub(rb"(?m)^(>*From )", rb">\1", raw))
        if not raw.endswith(b"\n"):
            parts.append(b"\n")
        parts.append(b"\n")
    return b"".join(parts)


def run_b4(python: str, jobs: list[dict], cache: dict, cache_file: str) -> None:
    """Run b4 on every job; results go into `cache`, saved to `cache_file` as they come."""
    worker = os.path.join(ROOT, "bench", "b4_worker.py")
    proc = subprocess.Popen([python, worker], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            cwd=tempfile.gettempdir())
    assert proc.stdin and proc.stdout
    for i, job in enumerate(jobs):
        proc.stdin.write(json.dumps(job) + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            sys.exit(f"b4 worker stopped at {job['msgid']}")
        result = json.loads(line)
        result["outdir"] = job["outdir"]
        result["digest"] = job["digest"]
        cache[job["msgid"]] = result
        if (i + 1) % 100 == 0 or i + 1 == len(jobs):
            print(f"  b4: {i + 1}/{len(jobs)} threads", file=sys.stderr)
            with open(cache_file, "w") as fh:
                json.dump(cache, fh)
    proc.stdin.close()
    proc.wait()


# --- reading and comparing the two mailboxes (one function for both sides) -------------------

def read_mbx(data: bytes) -> list[dict]:
    """The messages of a git-am mbox, each decoded as its own headers say: Message-Id, body,
    and the commit's author and title as `git mailinfo` reads them."""
    out = []
    parser = email.parser.BytesParser(policy=email.policy.default)
    for chunk in RE_MBX_SEPARATOR.split(data):
        if not chunk.strip():
            continue
        msg = parser.parsebytes(chunk)
        part = next((p for p in msg.walk() if p.get_content_type() == "text/plain"), msg)
        try:
            body = part.get_content()
        except (LookupError, ValueError):
            body = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
        body = body.replace("\r\n", "\n")
        head = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(chunk)
        author, title = commit_identity(header_text(head.get("From")), header_text(head.get("Subject")), body)
        out.append({"message_id": str(msg.get("Message-Id", "")).strip().strip("<>"), "body": body,
                    "author": author, "title": title})
    return out


def header_text(value) -> str:
    """A header's text, RFC 2047 words decoded, unfolded."""
    if value is None:
        return ""
    try:
        text = str(email.header.make_header(email.header.decode_header(str(value))))
    except (LookupError, ValueError, UnicodeError):
        text = str(value)
    return " ".join(text.split())


RE_INBODY = re.compile(r"^(From|Subject):[ \t]*(.*)$", re.I)


def commit_identity(author: str, subject: str, body: str) -> tuple[str, str]:
    """(author, title) of the commit `git am` makes: in-body From/Subject lines at the top
    of the body win over the headers; "Name <addr>" or "addr (Name)", quotes dropped; the
    title is the subject without its leading "Re:" and [...] prefixes."""
    for line in body.lstrip("\n").split("\n"):
        m = RE_INBODY.match(line)
        if not m:
            break
        if m.group(1).lower() == "from":
            author = m.group(2).strip()
        else:
            subject = m.group(2).strip()
    m = re.match(r"^(.*?)\s*<([^>]*)>\s*$", author) or re.match(r"^()\s*(\S+@\S+)\s*(?:\((.*)\))?$", author)
    if m:
        name = (m.group(1) or (m.group(3) if m.lastindex and m.lastindex >= 3 else "") or "").strip().strip('"')
        author = f"{name} <{m.group(2).strip()}>"
    title = subject
    while True:
        stripped = re.sub(r"^\s*(?:(?:re|aw|fwd?)\s*:|\[[^\]]*\])\s*", "", title, flags=re.I)
        if stripped == title:
            break
        title = stripped
    return author, " ".join(title.split())


def diff_of(body: str) -> str:
    """The diff of a patch mail, whitespace at line ends and blank lines at either end aside."""
    m = RE_DIFF_START.search(body)
    if not m:
        return ""
    text = body[m.start():]
    if "\n-- \n" in text:
        text = text.rsplit("\n-- \n", 1)[0]
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def without_whitespace(text: str) -> str:
    return re.sub(r"\s+", "", text)


def trailers_of(body: str) -> list[tuple[str, str]]:
    """The trailer block of a commit message, parsed and normalised."""
    m = re.search(r"^---[ \t]*$", body, re.M)
    d = RE_DIFF_START.search(body)
    cut = min(x.start() for x in (m, d) if x) if (m or d) else len(body)
    message = body[:cut].rstrip()
    last = message.split("\n\n")[-1]
    return [(t.lname, t.value.lower()) for t in parse_trailers(last)]


def compare(b4_msgs: list[dict], tm_msgs: list[dict], flowed: frozenset[str] = frozenset()) -> list[str]:
    """Kinds of disagreement between the two mailboxes of one thread ([] = agree).
    `flowed`: Message-IDs of messages posted format=flowed (names the whitespace kind)."""
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
    elif b4_ids != tm_ids:
        kinds.append("patch-order")
    tm_by = {m["message_id"]: m for m in tm_msgs}
    found: set[str] = set()
    for m in b4_msgs:
        o = tm_by.get(m["message_id"])
        if o is None:
            continue
        a_diff, b_diff = diff_of(m["body"]), diff_of(o["body"])
        if a_diff != b_diff:
            if without_whitespace(a_diff) != without_whitespace(b_diff):
                found.add("diff-text")
            elif m["message_id"] in flowed:
                found.add("diff-whitespace-flowed")
            else:
                found.add("diff-whitespace")
        a, b = trailers_of(m["body"]), trailers_of(o["body"])
        if Counter(a) - Counter(b):
            found.add("trailers-only-b4")
        if Counter(b) - Counter(a):
            found.add("trailers-only-threadminer")
        if Counter(a) == Counter(b) and a != b:
            found.add("trailer-order")
    order = ["diff-text", "diff-whitespace-flowed", "diff-whitespace", "trailers-only-b4",
             "trailers-only-threadminer", "trailer-order"]
    return kinds + [k for k in order if k in found]


def compare_commits(b4_msgs: list[dict], tm_msgs: list[dict]) -> list[str]:
    """Beyond the acceptance (not counted): the commit's author and title differ for a patch
    both mailboxes hold."""
    tm_by = {m["message_id"]: m for m in tm_msgs}
    found = []
    for m in b4_msgs:
        o = tm_by.get(m["message_id"])
        if o is None:
            continue
        if m["author"] != o["author"] and "author" not in found:
            found.append("author")
        if m["title"] != o["title"] and "title" not in found:
            found.append("title")
    return found


# --- threadminer's library path (--library) ------------------------------------------------

def library_mailboxes(threads: list[tuple[str, list[Message]]]) -> tuple[float, dict[str, bytes]]:
    from threadminer.patches import export_thread

    out: dict[str, bytes] = {}
    started = time.perf_counter()
    for root, msgs in threads:
        exports = export_thread(msgs)
        if exports:
            out[root] = exports[0].mbx
    return time.perf_counter() - started, out


# --- one thread at a time, start-up included (--per-thread) ---------------------------------

def per_thread_times(db: str, venv: str, sample: list[tuple[str, str]], workdir: str) -> tuple[float, float]:
    """Mean wall seconds of one `threadminer patches ROOT --offline` process and one `b4 am`
    process per thread, over `sample` ((root, mbox path) pairs)."""
    b4 = os.path.join(venv, "bin", "b4")
    tm_total = b4_total = 0.0
    for root, mbox in sample:
        out = os.path.join(workdir, "per-thread")
        shutil.rmtree(out, ignore_errors=True)
        seconds, _ = threadminer(db, "patches", "--offline", root, "-o", os.path.join(out, "tm"), "--json")
        tm_total += seconds
        started = time.perf_counter()
        subprocess.run([b4, "--offline-mode", "-q", "-c", "b4.attestation-policy=off", "am", "-m", mbox, "-o",
                        os.path.join(out, "b4"), "-n", "b4", "--", root], capture_output=True,
                       cwd=tempfile.gettempdir())
        b4_total += time.perf_counter() - started
    n = max(len(sample), 1)
    return tm_total / n, b4_total / n


def folder_name(root: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", root)[:60] + "_" + hashlib.sha1(root.encode()).hexdigest()[:10]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("epoch", nargs="?", default=DEFAULT_EPOCH)
    parser.add_argument("--venv", default="/work/bench-venv")
    parser.add_argument("--workdir", default="/tmp/b4_compare")
    parser.add_argument("--rerun-b4", action="store_true", help="run b4 again even when its output is cached")
    parser.add_argument("--reuse-store", action="store_true",
                        help="keep WORKDIR/store.sqlite3 (the import and cold figures then mean little)")
    parser.add_argument("--library", action="store_true",
                        help="compare the library call export_thread(messages) instead of the CLI")
    parser.add_argument("--per-thread", type=int, default=0, metavar="N",
                        help="also time N threads one process each (threadminer and b4, start-up included)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N threads")
    parser.add_argument("--show", action="append", default=[], help="list every disagreement of this kind")
    parser.add_argument("--sample", type=int, default=0, help="print N disagreements drawn at random")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--json", help="write per-thread results to this file")
    args = parser.parse_args()
    if not os.path.isdir(args.epoch):
        sys.exit(f"no such epoch: {args.epoch}")
    python = ensure_b4(args.venv)
    os.makedirs(args.workdir, exist_ok=True)

    # threadminer, as users run it: import once, then `patches` over the whole epoch.
    db = os.path.join(args.workdir, "store.sqlite3")
    if not args.reuse_store:
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
    import_seconds, _ = threadminer(db, "import", args.epoch, "--json")
    cold_seconds, records = cli_patches(db, args.epoch, os.path.join(args.workdir, "tm-out"))
    warm_seconds, _ = cli_patches(db, args.epoch, os.path.join(args.workdir, "tm-out-warm"))

    threads = stored_threads(db)
    thread_of = {m.message_id: root for root, msgs in threads for m in msgs}
    tm_files: dict[str, bytes] = {}
    for rec in records:
        root = thread_of.get(rec["patches"][0]["message_id"]) if rec["patches"] else None
        if root is not None and root not in tm_files:
            with open(rec["file"], "rb") as fh:
                tm_files[root] = fh.read()
    library_seconds = None
    if args.library:
        library_seconds, tm_files = library_mailboxes(threads)
    chosen = [(root, msgs) for root, msgs in threads if root in tm_files or has_candidate_patch(msgs)]
    if args.limit:
        chosen = chosen[: args.limit]
    print(f"{sum(len(m) for _, m in threads)} messages, {len(threads)} stored threads, {len(chosen)} where b4 "
          f"sees a patch or threadminer wrote a series")

    stamp = os.path.join(args.workdir, "b4-results.json")
    cached = {}
    if os.path.exists(stamp) and not args.rerun_b4:
        with open(stamp) as fh:
            cached = json.load(fh)
    jobs = []
    mboxes = {}
    for root, msgs in chosen:
        folder = os.path.join(args.workdir, folder_name(root))
        os.makedirs(folder, exist_ok=True)
        mbox = mboxes[root] = os.path.join(folder, "thread.mbox")
        data = mbox_bytes(msgs)
        digest = hashlib.sha1(data).hexdigest()
        with open(mbox, "wb") as fh:
            fh.write(data)
        if cached.get(root, {}).get("digest") != digest:
            out = os.path.join(folder, "out")
            shutil.rmtree(out, ignore_errors=True)
            jobs.append({"mbox": mbox, "msgid": root, "outdir": out, "digest": digest})
    if jobs:
        print(f"running b4 on {len(jobs)} threads", file=sys.stderr)
        run_b4(python, jobs, cached, stamp)

    kinds: Counter[str] = Counter()
    commit_kinds: Counter[str] = Counter()
    agree = agree_normalised = compared = 0
    b4_seconds = 0.0
    rows = []
    for root, msgs in chosen:
        res = cached[root]
        b4_seconds += res["seconds"]
        b4_file = os.path.join(res["outdir"], "b4.mbx")
        b4_msgs = read_mbx(open(b4_file, "rb").read()) if os.path.exists(b4_file) else []
        tm_data = tm_files.get(root)
        tm_msgs = read_mbx(tm_data) if tm_data else []
        flowed = frozenset(m.message_id for m in msgs if m.raw and RE_FLOWED.search(m.raw[:200000]))
        found = compare(b4_msgs, tm_msgs, flowed)
        if not b4_msgs and not tm_msgs:
            continue
        compared += 1
        agree += not found
        agree_normalised += set(found) <= FORGIVEN
        kinds.update(found)
        commits = compare_commits(b4_msgs, tm_msgs)
        commit_kinds.update(commits)
        folder = os.path.dirname(res["outdir"])
        rows.append({"root": root, "kinds": found, "commit_kinds": commits, "b4": [m["message_id"] for m in b4_msgs],
                     "threadminer": [m["message_id"] for m in tm_msgs], "b4_exit": res["exit"], "dir": folder})
        if tm_data:
            with open(os.path.join(folder, "threadminer.mbx"), "wb") as fh:
                fh.write(tm_data)

    side = "library export_thread (parents from In-Reply-To)" if args.library else "threadminer patches (CLI)"
    print(f"threadminer side: {side}")
    print(f"series compared (threads where either side wrote one): {compared}")
    print(f"raw agreement (same patches in the same order, diff text equal but for line-end whitespace,"
          f" same trailers in the same order): {agree} ({100.0 * agree / max(compared, 1):.1f}%)")
    print(f"normalised agreement (diff text equal once all whitespace is removed, trailers in any order):"
          f" {agree_normalised} ({100.0 * agree_normalised / max(compared, 1):.1f}%)")
    print("disagreements by kind (a series may have several):")
    for k, n in kinds.most_common():
        print(f"  {k:28} {n}{'   (forgiven by the normalisation)' if k in FORGIVEN else ''}")
    print("beyond the acceptance, not counted above: series where a patch both export differs in the commit's")
    for k in ("author", "title"):
        print(f"  {k:28} {commit_kinds[k]}")
    n = max(compared, 1)
    b4_ms = 1000 * b4_seconds / n
    print(f"speed over {compared} compared threads ({len(threads)} threads in the store):")
    print(f"  b4 am, in-process (no start-up):        {b4_seconds:7.1f}s  {b4_ms:7.1f} ms/thread")
    whole = import_seconds + cold_seconds
    print(f"  threadminer import + patches (CLI):     {whole:7.1f}s  {1000 * whole / n:7.1f} ms/thread"
          f"  (import {import_seconds:.1f}s, patches {cold_seconds:.1f}s)  threadminer/b4 = {whole / max(b4_seconds, 1e-9):.2f}")
    print(f"  threadminer patches again (cached):     {warm_seconds:7.1f}s  {1000 * warm_seconds / n:7.1f} ms/thread"
          f"  threadminer/b4 = {warm_seconds / max(b4_seconds, 1e-9):.2f}")
    if library_seconds is not None:
        print(f"  threadminer library export_thread:      {library_seconds:7.1f}s"
              f"  {1000 * library_seconds / n:7.1f} ms/thread (threads already read)")
    if args.per_thread:
        sample = random.Random(args.seed).sample([r["root"] for r in rows], min(args.per_thread, len(rows)))
        tm_one, b4_one = per_thread_times(db, args.venv, [(r, mboxes[r]) for r in sample], args.workdir)
        print(f"  one thread per process, start-up included, {len(sample)} threads: threadminer"
              f" {1000 * tm_one:.0f} ms, b4 {1000 * b4_one:.0f} ms; threadminer/b4 = {tm_one / max(b4_one, 1e-9):.2f}")
    for k in args.show:
        print(f"\n{k}:")
        for row in rows:
            if k in row["kinds"] + row["commit_kinds"]:
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
