"""Diffs as the `diffs` JSON records and as a table for the terminal."""

from __future__ import annotations

from typing import Iterable

from ..analysis.diffs import Diff


def diff_records(found: Iterable[tuple[str | None, Diff]]) -> list[dict]:
    """CONTRACT.md's `diffs` records (with `kind`, `lines` and `notes` added)."""
    return [{"source": source or None, **diff.as_json()} for source, diff in found]


def render_diffs(records: list[dict]) -> str:
    """One line per diff: where, whose, at which depth, which files, the flags."""
    if not records:
        return "no diffs found"
    lines = []
    for r in records:
        files = ", ".join(f"{f['path']} +{f['added']}/-{f['removed']}" for f in r["files"]) or "(no files)"
        flags = [name for name in ("truncated", "repaired") if r.get(name)]
        kind = "" if r.get("kind", "diff") == "diff" else f" [{r['kind']}]"
        lines.append(f"<{r['message_id']}>  {r['author'] or '(unknown)'}, depth {r['depth']}{kind}: {files}"
                     + (f"  ({', '.join(flags)})" if flags else ""))
    return "\n".join(lines)
