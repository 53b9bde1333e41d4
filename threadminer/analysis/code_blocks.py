"""Code written in a body: diffs and code suggestions, each with the voice that wrote it.

`find_code_blocks(lines, tree, skip)` reads a body's numbered lines with their quote tree and
returns the runs of code in it:

- a *diff*: a unified diff (`diff --git`, `--- a/x` + `+++ b/x`, `Index: x`, or a bare
  `@@ -a,b +c,d @@` hunk), at any quote depth, its hunk line counts followed so context lines
  that lost their leading space (pasted archive pages strip it) stay inside it; a fragment
  without headers counts when at least two of its lines are `+`/`-` lines of code;
- a *suggestion*: code that is not a diff, e.g. "I would have thought:" followed by
  ``if (!folio_try_get_rcu(folio)) { rcu_read_unlock(); ... }``: consecutive lines that read
  as C (statements ending in ";", braces, `if (`/`for (`/`#define` ...), introduced by a
  prose line of the same voice; not crash traces (the lines in `skip`), not compiler output,
  not diffstats, not console logs.

Diffs come from `analysis/diffs.py` (`find_diffs`); the reader here (`_diff_blocks`) is used
only when no diffs are given. Bare +/- fragments without any header are found here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from .lines import Line
from .quotes import TEXT, QuoteTree

VERSION = 1

# --- diffs (interim) ---------------------------------------------------------------------

# "diff --git a/mm/filemap.c b/mm/filemap.c"
RE_GIT_HEADER = re.compile(r"^diff --git (?:\"?a/)?(\S+?)\"? (?:\"?b/)?(\S+?)\"?\s*$")
# "diff -u old/x.c new/x.c", "diff -Nru a b"
RE_PLAIN_DIFF = re.compile(r"^diff -\S*[ur]\S* (\S+) (\S+)\s*$")
# "--- a/mm/filemap.c" (then "+++ b/mm/filemap.c"); "--- a/x\t2022-10-19 ..." keeps the path
RE_OLD_FILE = re.compile(r"^--- (?:a/)?(\S+)")
RE_NEW_FILE = re.compile(r"^\+\+\+ (?:b/)?(\S+)")
# "Index: kernel/module/main.c" then "====="
RE_INDEX = re.compile(r"^Index: (\S+)\s*$")
# "@@ -1860,8 +1860,13 @@ static void *mapping_get_entry(...)"
RE_HUNK = re.compile(r"^@@@? -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
# Lines a git diff carries between its header and first hunk.
RE_EXTENDED = re.compile(r"^(?:index [0-9a-f]+\.\.[0-9a-f]+|new file mode|deleted file mode|old mode|new mode|"
                         r"similarity index|dissimilarity index|rename (?:from|to)|copy (?:from|to)|"
                         r"Binary files|GIT binary patch|={20,})")
RE_DIFF_LINE = re.compile(r"^[-+ \\]")


@dataclass(frozen=True)
class CodeBlock:
    """One run of code in a body: its kind ("diff" or "suggestion"), 1-based line range,
    quote depth and voice, the files a diff names, and the prose line introducing it."""

    kind: str
    first_line: int
    last_line: int
    depth: int
    voice: int
    files: tuple[str, ...]
    text: str
    intro: str = ""


def _strip_path(path: str) -> str:
    return path[2:] if path.startswith(("a/", "b/")) else path


def _diff_start(lines: list[Line], i: int) -> tuple[int, list[str]] | None:
    """If a diff starts at lines[i]: (lines its header takes, files it names)."""
    text = lines[i].content
    m = RE_GIT_HEADER.match(text)
    if m:
        return 1, [_strip_path(m.group(2))]
    m = RE_PLAIN_DIFF.match(text)
    if m:
        return 1, [_strip_path(m.group(2))]
    if i + 1 < len(lines):
        m, n = RE_OLD_FILE.match(text), RE_NEW_FILE.match(lines[i + 1].content)
        if m and n and lines[i + 1].markers == lines[i].markers:
            new = n.group(1)
            return 2, [_strip_path(m.group(1) if new == "/dev/null" else new)]
    m = RE_INDEX.match(text)
    if m:
        return 1, [m.group(1)]
    if RE_HUNK.match(text):
        return 0, []
    return None


def _diff_blocks(lines: list[Line]) -> list[tuple[int, int, list[str]]]:
    """Diffs in a run of lines of one depth: (first index, last index, files). Interim, until
    analysis/diffs.py: follows hunk counts, so context lines stripped of their leading space
    stay in the hunk; a bare +/- fragment of code counts too."""
    out: list[tuple[int, int, list[str]]] = []
    i = 0
    n = len(lines)
    ends = _fragment_ends(lines)
    while i < n:
        start = _diff_start(lines, i)
        if start is None:
            frag = ends.get(i)
            if frag is not None:
                out.append((i, frag, []))
                i = frag + 1
            else:
                i += 1
            continue
        first = i
        header, files = start
        i += header
        last = i - 1
        old_left = new_left = 0
        while i < n:
            text = lines[i].content
            if old_left > 0 or new_left > 0:
                # Inside a hunk: every line is part of it until the counts run out.
                if text.startswith("-") and not text.startswith("--- "):
                    old_left -= 1
                elif text.startswith("+") and not text.startswith("+++ "):
                    new_left -= 1
                elif text.startswith("\\"):
                    pass
                else:
                    old_left -= 1
                    new_left -= 1
                last = i
                i += 1
                continue
            m = RE_HUNK.match(text)
            if m:
                old_left = int(m.group(2)) if m.group(2) is not None else 1
                new_left = int(m.group(4)) if m.group(4) is not None else 1
                last = i
                i += 1
                continue
            nxt = _diff_start(lines, i)
            if nxt is not None and nxt[0] > 0:
                files.extend(f for f in nxt[1] if f not in files)
                last = i + nxt[0] - 1
                i += nxt[0]
                continue
            if RE_EXTENDED.match(text) or (text[:1] in ("+", "-") and len(text) > 1 and last == i - 1
                                           and not text.startswith("-- ")):
                # Header lines, or +/- lines of a hand-edited hunk whose counts were short.
                last = i
                i += 1
                continue
            break
        out.append((first, last, files))
        i = max(i, last + 1)
    return out


def _signed(text: str) -> bool:
    return text.startswith(("+", "-")) and not text.startswith(("--", "++")) and len(text) > 1


def _fragment_ends(lines: list[Line]) -> dict[int, int]:
    """Where diff fragments without headers may start: {index: index of its last line}.

    A fragment is a run of +/- lines of code (at least two, and at least half of them code)
    with code context lines between them; it starts at a +/- line and runs to the first line
    that is neither. Every start inside one run ends at the same line, so the runs are read
    once, back to front, with the counts of what follows each line (reading them again from
    each line would take time quadratic in a long patch's length)."""
    out: dict[int, int] = {}
    n = len(lines)
    i = 0
    while i < n:
        if not _signed(lines[i].content):
            i += 1
            continue
        end = i
        while end < n:
            text = lines[end].content
            if _signed(text) or (text.startswith((" ", "\t")) and text.strip() and is_code(text)):
                end += 1
            else:
                break
        signed = code = 0
        for k in range(end - 1, i - 1, -1):
            text = lines[k].content
            if _signed(text):
                signed += 1
                code += bool(is_code(text[1:]))
                if signed >= 2 and code >= 2 and code * 2 >= signed:
                    out[k] = end - 1
        i = end
    return out


# --- code suggestions ----------------------------------------------------------------------

# A C statement or block line: ends with ";", "{", "}", "};", ") {", or opens with a keyword.
RE_CODE_END = re.compile(r"(?:;|\{|\}|\};|\)\s*\{|\\)\s*(?://.*|/\*.*\*/)?$")
RE_CODE_START = re.compile(
    r"^\s*(?:if\s*\(|else\b|for\s*\(|while\s*\(|switch\s*\(|case\s+\S+:|default:|return\b|goto\s+\w+;|break;|"
    r"continue;|#\s*(?:define|include|if|ifdef|ifndef|else|endif|undef)\b|static\s+\w|struct\s+\w+\s*[{*\w]|"
    r"(?:unsigned|int|long|char|bool|void|u8|u16|u32|u64|size_t)\s+\**\w+\s*[;=,(\[]|\w+\s*\([^()]*\)\s*;|"
    r"\}|\{|/\*|\*/|\w+(?:->|\.)\w+\s*[-+*/|&]?=)")
# Lines that are code-shaped but output: compiler diagnostics, diffstats, logs, shell.
RE_NOT_CODE = re.compile(
    r"^\s*(?:\S+\.[chS]:\d+(?::\d+)?:|\S+\s+\|\s+\d+\s*[-+]*\s*$|\d+ files? changed|\[\s*\d+\.\d+\]|[$#] \S|"
    r"(?:In file included from|from|error|warning|note):|Call Trace:|RIP:|<TASK>|</TASK>)")
# Prose: several words of letters; a sentence end.
RE_WORD = re.compile(r"[A-Za-z]{2,}")


def is_code(text: str) -> bool:
    """Does one line read as C code (not prose, not program output)?"""
    stripped = text.strip()
    if not stripped or RE_NOT_CODE.match(stripped):
        return False
    if RE_CODE_START.match(stripped):
        return True
    if RE_CODE_END.search(stripped):
        words = RE_WORD.findall(stripped)
        # "Thanks for the review;" is prose: code has few plain words per symbol.
        symbols = sum(stripped.count(c) for c in "();{}=*&[]->")
        return symbols >= 2 or len(words) <= 3
    return False


# Lines that are neither code nor prose introducing it: trailers, the "---" separator.
RE_NOT_PROSE = re.compile(r"^\s*(?:[A-Z][\w-]*-by:|---\s*$|diff --git|index [0-9a-f]|@@ )")


def _is_prose(text: str) -> bool:
    stripped = text.strip()
    if RE_NOT_CODE.match(stripped) or RE_NOT_PROSE.match(stripped):
        return False
    return len(RE_WORD.findall(stripped)) >= 2 and not is_code(stripped)


def _suggestion_blocks(lines: list[Line], taken: set[int]) -> list[tuple[int, int, str]]:
    """Runs of code lines introduced by a prose line: (first index, last index, intro)."""
    out: list[tuple[int, int, str]] = []
    i = 0
    n = len(lines)
    while i < n:
        if i in taken or not is_code(lines[i].content):
            i += 1
            continue
        j = i
        code_lines = 0
        last = i
        while j < n and j not in taken:
            text = lines[j].content
            if not text.strip():
                # A blank line inside a block: go on only if code follows it.
                if j + 1 < n and is_code(lines[j + 1].content):
                    j += 1
                    continue
                break
            if is_code(text):
                code_lines += 1
                last = j
            elif _is_prose(text) and not text.startswith(("\t", "    ")):
                break
            else:
                last = j  # an argument line of a wrapped call, a lone identifier
            j += 1
        intro = _intro(lines, i)
        if code_lines >= 2 and intro:
            out.append((i, last, intro))
        i = max(j, i + 1)
    return out


def _intro(lines: list[Line], i: int) -> str:
    """The prose line(s) just above a code run (blank lines between allowed), or ""."""
    j = i - 1
    while j >= 0 and not lines[j].content.strip():
        j -= 1
    if j < 0 or not _is_prose(lines[j].content):
        return ""
    parts = [lines[j].content.strip()]
    k = j - 1
    # The sentence may start on an earlier line: take lines up to a sentence end or a blank.
    while k >= 0 and lines[k].content.strip() and not re.search(r"[.!?:]\s*$", lines[k].content) \
            and len(parts) < 4:
        parts.insert(0, lines[k].content.strip())
        k -= 1
    return " ".join(parts)


# --- the body ------------------------------------------------------------------------------

def find_code_blocks(lines: list[Line], tree: QuoteTree, skip: Iterable[int] = (),
                     diffs: Iterable | None = None) -> list[CodeBlock]:
    """Diffs and code suggestions in a body, per voice, in body order. `lines` are the body's
    numbered lines, `tree` its quote tree; `skip` holds line numbers that belong to crash
    reports (code-shaped, but not code anyone proposes). `diffs`: the body's diffs as
    `diffs.find_diffs` reads them (anything with first_line, last_line, files of .path, kind
    and attachment); without them the interim reader here finds them. Either way a bare
    +/- fragment of code without any header is found here."""
    skipped = set(skip)
    known: list[tuple[int, int, list[str]]] = []
    if diffs is not None:
        known = [(d.first_line, d.last_line, [f.path for f in d.files], d.depth) for d in diffs
                 if d.kind == "diff" and d.attachment is None]
    out: list[CodeBlock] = []
    for seg in tree.segments:
        if seg.kind != TEXT:
            continue
        run = lines[seg.first_line - 1: seg.last_line]
        taken: set[int] = {k for k, line in enumerate(run) if line.number in skipped}
        if diffs is None:
            blocks = _diff_blocks(run)
        else:
            # A quoted diff may hold the replier's inline comments: only its own depth's lines.
            blocks = [(max(first, seg.first_line) - seg.first_line, min(last, seg.last_line) - seg.first_line, files)
                      for first, last, files, depth in known
                      if depth == seg.depth and first <= seg.last_line and last >= seg.first_line]
            covered = {k for first, last, _ in blocks for k in range(first, last + 1)}
            blocks += [b for b in _fragments(run) if not covered & set(range(b[0], b[1] + 1))]
        for first, last, files in sorted(blocks):
            if any(k in taken for k in range(first, last + 1)):
                continue
            taken.update(range(first, last + 1))
            out.append(CodeBlock("diff", run[first].number, run[last].number, seg.depth, seg.voice,
                                 tuple(dict.fromkeys(files)), "\n".join(l.content for l in run[first:last + 1]),
                                 _intro(run, first)))
        for first, last, intro in _suggestion_blocks(run, taken):
            out.append(CodeBlock("suggestion", run[first].number, run[last].number, seg.depth, seg.voice, (),
                                 "\n".join(l.content for l in run[first:last + 1]), intro))
    out.sort(key=lambda b: b.first_line)
    return out


def _fragments(lines: list[Line]) -> list[tuple[int, int, list[str]]]:
    """Bare +/- fragments of code (no header) in a run of lines."""
    out = []
    i = 0
    ends = _fragment_ends(lines)
    while i < len(lines):
        end = ends.get(i) if i in ends and _diff_start(lines, i) is None else None
        if end is not None:
            out.append((i, end, []))
            i = end + 1
        else:
            i += 1
    return out
