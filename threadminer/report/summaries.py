"""`summarize` and `timeline` output in the format asked for, for the threads of one command."""

from __future__ import annotations

import json
from typing import Any

from .markdown import render_summary, render_timeline
from .records import event_record, summary_record, timeline_csv


def render_summaries(found: list[tuple[Any, Any, str | None]], fmt: str) -> str:
    """(thread analysis, its summary, SOURCE) of each thread as Markdown, JSON (one complete
    record per thread, in an array) or one self-contained HTML page."""
    if fmt == "json":
        return json.dumps([summary_record(s, ta.info, src) for ta, s, src in found], ensure_ascii=False, indent=1)
    if fmt == "html":
        from .html import render_html

        return render_html([(ta, s) for ta, s, _ in found])
    return "\n".join(render_summary(s, src) for _, s, src in found).rstrip("\n")


def render_timelines(found: list[tuple[Any, Any, str | None]], fmt: str) -> str:
    """(thread info, its events, SOURCE) of each thread as Markdown, JSON records or CSV."""
    if fmt == "md":
        return "\n".join(render_timeline(events, info.subject) for info, events, _ in found).rstrip("\n")
    records = [event_record(e, info, src) for info, events, src in found for e in events]
    return json.dumps(records, ensure_ascii=False, indent=1) if fmt == "json" else timeline_csv(records).rstrip("\n")
