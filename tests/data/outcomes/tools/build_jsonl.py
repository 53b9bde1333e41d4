"""Build linux-modules.jsonl and threads.txt from the hand-written batch files in
../batches/ (one per labelled thread), filling in what the archive already says
(thread root, author, UTC date, proposal title and version) and checking each label
against the epoch: the message exists, it or its proposal belongs to the thread (a newer
version, or a report, may sit in another thread than the proposal it is about), and the
evidence occurs in it (for `superseded`, in its Subject or body).

Batch format (one thread per file; `#` starts a comment line, kept only for the reader):

    THREAD <root Message-ID>
    DESC <one line saying what the thread is>
    PROP <alias> <patch|series|diff|suggestion> <Message-ID> [v=<int>|v=null] [title=<text to end of line>]
    <verdict> <Message-ID> <alias> <S|P> || <rule_hint> || <evidence> [|| <note>]

usage: build_jsonl.py            (rewrites ../linux-modules.jsonl and ../threads.txt)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from epoch import iso, load

HERE = Path(__file__).resolve().parent.parent
VERDICTS = {"works", "does-not-work", "regresses", "reviewed", "acked", "nacked", "changes-requested",
            "applied", "superseded", "build-failure"}
KINDS = {"patch", "series", "diff", "suggestion"}
RE_TAG = re.compile(r"^\s*(?:(?:re|fwd?|aw)\s*:\s*)*((?:\[[^\]]*\]\s*)*)", re.I)
RE_VERSION = re.compile(r"\bv(\d+)\b", re.I)


def norm(text: str) -> str:
    return " ".join(text.split())


def title_and_version(subject: str) -> tuple[str, int]:
    match = RE_TAG.match(subject)
    tags = match.group(1) if match else ""
    version = RE_VERSION.search(tags)
    return subject[match.end():].strip() if match else subject.strip(), int(version.group(1)) if version else 1


def main() -> int:
    msgs, root_of, threads = load()
    records, described, errors = [], [], []
    for path in sorted((HERE / "batches").glob("*.txt")):
        thread, props = None, {}
        for number, raw in enumerate(path.read_text().splitlines(), 1):
            line = raw.strip()
            where = f"{path.name}:{number}"
            if not line or line.startswith("#"):
                continue
            word, _, rest = line.partition(" ")
            if word == "THREAD":
                thread = rest.strip()
                if thread not in threads:
                    errors.append(f"{where}: {thread} is not a thread root")
                continue
            if word == "DESC":
                described.append((thread, rest.strip()))
                continue
            if word == "PROP":
                alias, kind, mid, *opts = rest.split(" ", 3)
                opts = opts[0] if opts else ""
                if kind not in KINDS or mid not in msgs:
                    errors.append(f"{where}: bad proposal {kind} {mid}")
                    continue
                title, version = title_and_version(msgs[mid].subject)
                version = version if kind in ("patch", "series") else None
                found = re.search(r"\bv=(\d+|null)\b", opts)
                if found:
                    version = None if found.group(1) == "null" else int(found.group(1))
                found = re.search(r"\btitle=(.*)$", opts)
                if found:
                    title = found.group(1).strip()
                props[alias] = {"message_id": mid, "kind": kind, "version": version, "title": title}
                continue
            head, *parts = [p.strip() for p in line.split("||")]
            verdict, mid, alias, signal = head.split()
            if verdict not in VERDICTS or signal not in ("S", "P") or alias not in props or len(parts) < 2:
                errors.append(f"{where}: bad outcome line")
                continue
            if mid not in msgs:
                errors.append(f"{where}: no message {mid}")
                continue
            if root_of[mid] != thread and root_of[props[alias]["message_id"]] != thread:
                errors.append(f"{where}: neither {mid} nor its proposal is in thread {thread}")
            message = msgs[mid]
            hint, evidence, *note = parts
            haystack = norm(message.body) if verdict != "superseded" else norm(message.subject + "\n" + message.body)
            if norm(evidence) not in haystack:
                errors.append(f"{where}: evidence not found in {mid}: {evidence[:60]}")
            record = {"thread": thread, "message_id": mid, "by": message.author.display, "date": iso(message.date),
                      "verdict": verdict, "signal": "structured" if signal == "S" else "prose",
                      "rule_hint": hint, "evidence": evidence, "proposal": props[alias]}
            if note:
                record["note"] = note[0]
            records.append(record)
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        return 1
    with open(HERE / "linux-modules.jsonl", "w") as out:
        for r in records:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    with open(HERE / "threads.txt", "w") as out:
        out.write("# Root Message-IDs of the labelled threads (each labelled exhaustively), one per line:\n")
        out.write("# <root Message-ID> <TAB> what the thread is\n")
        for root, desc in described:
            out.write(f"{root}\t{desc}\n")
    print(f"{len(records)} outcomes in {len(described)} threads")
    return 0


if __name__ == "__main__":
    sys.exit(main())
