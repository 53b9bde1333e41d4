"""The patch a message carries, its files and an identity for the change.

Interim: whether a message carries a patch is decided here, by the first unquoted diff header
(`diff --git`, a `--- `/`+++ ` pair, a CVS `Index:` block, a git binary patch) in its body or
in a patch attachment, as b4's DIFF_RE decides. `analysis/diffs.py` (every diff in a message,
with voice, depth, repairs) replaces `patch_files` once it lands: a message carries a patch
when it has a diff at depth 0.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ..message import Message

VERSION = 1


@dataclass(frozen=True)
class PatchFile:
    """One file a patch touches, with its added and removed line counts."""

    path: str
    added: int
    removed: int


RE_DIFF_HEADER = re.compile(
    r"^(?:diff --git \S+ \S+|diff -\S*[ru]\S* \S+ \S+|--- \S[^\n]*\n\+\+\+ \S|Index: \S[^\n]*\n={20,}"
    r"|GIT binary patch)", re.M)
RE_HUNK = re.compile(r"^@@@? -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
RE_GIT_FILE = re.compile(r"^diff --git (\S+) (\S+)")
RE_DIFFSTAT = re.compile(r"^\s*\d+ files? changed.*\d+ (?:insertion|deletion)", re.M | re.I)


def patch_text(msg: Message) -> str | None:
    """The text holding the message's own patch: the body when its unquoted text has a diff,
    else the first patch attachment that has one; None when the message carries no patch."""
    if RE_DIFF_HEADER.search(msg.body):
        return msg.body
    for att in msg.attachments:
        if RE_DIFF_HEADER.search(att.text):
            return att.text
    return None


def patch_files(msg: Message) -> tuple[PatchFile, ...] | None:
    """The files of the message's own patch with +/- counts; None when it carries none.

    Interim: `analysis/diffs.find_diffs` (every diff with voice and depth) replaces this;
    a message carries a patch when it has a diff at depth 0."""
    text = patch_text(msg)
    if text is None:
        return None
    return diff_files(text)


def _strip_prefix(path: str) -> str:
    return path[2:] if path[:2] in ("a/", "b/") else path


def diff_files(text: str) -> tuple[PatchFile, ...]:
    """Files and +/- counts of the unquoted diffs in a text, counted by hunk headers."""
    files: dict[str, list[int]] = {}
    current: str | None = None
    old_left = new_left = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if old_left > 0 or new_left > 0:
            tag = line[:1]
            if tag == "-":
                old_left -= 1
                files[current][1] += 1  # type: ignore[index]
                continue
            if tag == "+":
                new_left -= 1
                files[current][0] += 1  # type: ignore[index]
                continue
            if tag == "\\":
                continue
            if tag == " " or line == "":
                # "" is a context line whose leading space a mailer stripped.
                old_left -= 1
                new_left -= 1
                continue
            old_left = new_left = 0
        m = RE_GIT_FILE.match(line)
        if m:
            current = _strip_prefix(m.group(2))
            files.setdefault(current, [0, 0])
            continue
        if line.startswith("+++ ") and i > 0 and lines[i - 1].startswith("--- "):
            new = line[4:].split("\t")[0].strip()
            old = lines[i - 1][4:].split("\t")[0].strip()
            path = _strip_prefix(old if new == "/dev/null" else new)
            if current is None or current != path:
                current = path
            files.setdefault(current, [0, 0])
            continue
        m = RE_HUNK.match(line)
        if m and current is not None:
            old_left = int(m.group(2)) if m.group(2) is not None else 1
            new_left = int(m.group(4)) if m.group(4) is not None else 1
    return tuple(PatchFile(path, a, r) for path, (a, r) in files.items())


def patch_id(text: str) -> str:
    """An id equal for the same change: the +/- lines of each file without whitespace,
    line numbers or index lines, files in any order (what `git patch-id --stable` ignores)."""
    per_file: dict[str, hashlib._Hash] = {}
    current = ""
    in_hunk = False
    for line in text.split("\n"):
        m = RE_GIT_FILE.match(line)
        if m:
            current, in_hunk = _strip_prefix(m.group(2)), False
            continue
        if line.startswith("+++ "):
            current = _strip_prefix(line[4:].split("\t")[0].strip()) or current
            continue
        if line.startswith("@@"):
            in_hunk = True
            continue
        if line == "-- ":
            break  # the signature below a patch
        if in_hunk and line[:1] in ("+", "-") and not line.startswith(("--- ", "+++ ")):
            per_file.setdefault(current, hashlib.sha1(current.encode("utf-8", "replace")))
            per_file[current].update(("".join(line.split()) + "\n").encode("utf-8", "replace"))
    total = hashlib.sha1()
    for digest in sorted(h.hexdigest() for h in per_file.values()):
        total.update(digest.encode())
    return total.hexdigest()
