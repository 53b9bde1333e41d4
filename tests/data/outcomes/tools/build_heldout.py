"""Build heldout.jsonl and heldout-threads.txt from the hand-written batch files in
../batches-heldout/ (one per labelled thread), the held-out set of HELDOUT.md.

Same batch format as build_jsonl.py, plus a CORPUS line naming the corpus the thread is
in (a key of epoch.HELDOUT), and one extension: a PROP may name a ghost (a Message-ID that
the thread references but the corpus lacks, such as a patch posted to another list whose
replies were copied here); it then needs `v=` and `title=`, since there is no message to
read them from.

    CORPUS <ksummit|notmuch-lkml|seed-thread|wayland|fedora>
    THREAD <root Message-ID as threadminer reports it>
    DESC <one line saying what the thread is>
    PROP <alias> <patch|series|diff|suggestion> <Message-ID> [v=<int>|v=null] [title=<text>]
    <verdict> <Message-ID> <alias> <S|P> || <rule_hint> || <evidence> [|| <note>]

Checks: the thread is a root of that corpus; the outcome's message exists; it or its
proposal lies in the thread (a newer version, or a report, may sit in another thread);
the evidence occurs in the message (whitespace-normalised; for `superseded` also in its
Subject).

usage: build_heldout.py     (rewrites ../heldout.jsonl and ../heldout-threads.txt)
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

from build_jsonl import KINDS, VERDICTS, norm, title_and_version
from epoch import HELDOUT, iso, load

HERE = Path(__file__).resolve().parent.parent


def members(threads: dict) -> dict[str, set[str]]:
    """Every Message-ID of each thread, ghosts included (a ghost may be a proposal)."""
    return {root: {key.removeprefix("GHOST:") for key, _ in order} for root, order in threads.items()}


def main() -> int:
    corpora: dict[str, tuple] = {}
    records, described, errors = [], [], []
    for path in sorted((HERE / "batches-heldout").glob("*.txt")):
        corpus = thread = None
        msgs: dict = {}
        inside: dict[str, set[str]] = {}
        props: dict[str, dict] = {}
        for number, raw in enumerate(path.read_text().splitlines(), 1):
            line = raw.strip()
            where = f"{path.name}:{number}"
            if not line or line.startswith("#"):
                continue
            word, _, rest = line.partition(" ")
            if word == "CORPUS":
                corpus = rest.strip()
                if corpus not in HELDOUT:
                    errors.append(f"{where}: unknown corpus {corpus}")
                    return report(errors)
                if corpus not in corpora:
                    msgs_, _, threads_ = load(HELDOUT[corpus])
                    corpora[corpus] = (msgs_, members(threads_))
                msgs, inside = corpora[corpus]
                continue
            if word == "THREAD":
                thread = rest.strip()
                if thread not in inside:
                    errors.append(f"{where}: {thread} is not a thread root in {corpus}")
                continue
            if word == "DESC":
                described.append((corpus, thread, rest.strip()))
                continue
            if word == "PROP":
                alias, kind, mid, *opts = rest.split(" ", 3)
                opts = opts[0] if opts else ""
                ghost = mid not in msgs
                if kind not in KINDS or (ghost and mid not in inside.get(thread, ())):
                    errors.append(f"{where}: bad proposal {kind} {mid}")
                    continue
                title, version = title_and_version(msgs[mid].subject) if not ghost else (None, None)
                version = version if kind in ("patch", "series") else None
                found = re.search(r"\bv=(\d+|null)\b", opts)
                if found:
                    version = None if found.group(1) == "null" else int(found.group(1))
                found = re.search(r"\btitle=(.*)$", opts)
                if found:
                    title = found.group(1).strip()
                if ghost and (not title or not re.search(r"\bv=", opts)):
                    errors.append(f"{where}: ghost proposal {mid} needs v= and title=")
                    continue
                props[alias] = {"message_id": mid, "kind": kind, "version": version, "title": title}
                continue
            head, *parts = [p.strip() for p in line.split("||")]
            verdict, mid, alias, signal = head.split()
            if verdict not in VERDICTS or signal not in ("S", "P") or alias not in props or len(parts) < 2:
                errors.append(f"{where}: bad outcome line")
                continue
            if mid not in msgs:
                errors.append(f"{where}: no message {mid} in {corpus}")
                continue
            if not ({mid, props[alias]["message_id"]} & inside.get(thread, set())):
                errors.append(f"{where}: neither {mid} nor its proposal is in thread {thread}")
            message = msgs[mid]
            hint, evidence, *note = parts
            haystack = norm(message.body) if verdict != "superseded" else norm(message.subject + "\n" + message.body)
            if norm(evidence) not in haystack:
                errors.append(f"{where}: evidence not found in {mid}: {evidence[:60]}")
            record = {"corpus": corpus, "thread": thread, "message_id": mid, "by": message.author.display,
                      "date": iso(message.date), "verdict": verdict,
                      "signal": "structured" if signal == "S" else "prose",
                      "rule_hint": hint, "evidence": evidence, "proposal": props[alias]}
            if note:
                record["note"] = note[0]
            records.append(record)
    if errors:
        return report(errors)
    with open(HERE / "heldout.jsonl", "w") as out:
        for r in records:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    with open(HERE / "heldout-threads.txt", "w") as out:
        out.write("# Held-out labelled threads (each labelled exhaustively), one per line:\n")
        out.write("# <corpus> <TAB> <root Message-ID> <TAB> what the thread is\n")
        for corpus, root, desc in described:
            out.write(f"{corpus}\t{root}\t{desc}\n")
    print(f"{len(records)} outcomes in {len(described)} threads")
    by = Counter((r["verdict"], r["signal"]) for r in records)
    for verdict in sorted(VERDICTS):
        print(f"  {verdict:18} structured {by[verdict, 'structured']:3}  prose {by[verdict, 'prose']:3}")
    print("  by corpus:", dict(Counter(r["corpus"] for r in records)))
    print("  threads by corpus:", dict(Counter(c for c, _, _ in described)))
    print("  threads without outcome:", len({(c, t) for c, t, _ in described} - {(r["corpus"], r["thread"]) for r in records}))
    return 0


def report(errors: list[str]) -> int:
    for e in errors:
        print(e, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
