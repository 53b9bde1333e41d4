"""git range-diff output in a cover letter or after a patch's "---": recognised so that it
is labelled (kind "range-diff") and its inner diff-of-diffs is not taken for a patch.

    Range-diff against v1:
    1:  f051cd41de ! 3:  0ccec7037d repo: add -z as an alias
        @@ Documentation/git-repo.adoc
         @@ Documentation/git-repo.adoc: SYNOPSIS
        - git repo info [--format=(keyvalue|nul)] [-z] [--all | <key>...]
        + git repo info [--format=(keyvalue|nul) | -z] [--all | <key>...]

Pair lines ("N: sha ! M: sha subject", "=" for unchanged, "<"/">" for dropped/added
commits) at the margin, the diff between the two versions of each commit indented by four
spaces. The "@@ path: context" lines of that outer diff name the files it touches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .diff_parts import RE_RANGE_PAIR, DiffDraft

if TYPE_CHECKING:
    from .diff_scan import Scanner

NOT_FILES = ("Metadata", "Commit message", "Notes")


def read_range_diff(sc: Scanner, draft: DiffDraft, start: int) -> DiffDraft | None:
    draft.kind = "range-diff"
    draft.format = "range-diff"
    kept: list[tuple[int, str]] = []
    j: int | None = start
    gap = False
    while j is not None and not gap:
        t = sc.text(draft, j)
        if not (RE_RANGE_PAIR.match(t) or t.startswith("    ") or not t.strip()):
            break
        kept.append((j, t))
        j, gap = sc.own_after(draft, j)
    while kept and not kept[-1][1].strip():
        kept.pop()
    if not kept:
        return None
    hunks = added = removed = 0
    files: dict[str, list[int]] = {}  # path -> [added, removed] of the outer diff
    current: list[int] | None = None
    for j, t in kept:
        sc.take(draft, j)
        if not t.startswith("    "):
            continue
        inner = t[4:]
        mark = inner[:1]
        if inner.startswith("@@"):
            hunks += 1
            where = inner[2:].strip().split(":")[0].strip()
            current = files.setdefault(where, [0, 0]) if where and where not in NOT_FILES else None
        elif mark in ("+", "-"):
            added += mark == "+"
            removed += mark == "-"
            if current is not None:
                current[0 if mark == "+" else 1] += 1
    draft.text_lines = [t for _, t in kept]
    draft.range_stats = (hunks, added, removed)
    draft.range_files = [(path, a, r) for path, (a, r) in files.items()]
    return draft
