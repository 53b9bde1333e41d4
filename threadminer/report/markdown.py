"""Thread summaries and timelines as Markdown that renders right in a Markdown viewer.

Everything taken from mail (subjects, names, evidence, questions, crash titles) is untrusted:
it goes through `text` (one line; HTML made entities, so `<script>` and `<img onerror=...>`
show as text; the characters that make emphasis, links and images escaped, so `[x](javascript:..)`
or `![](http://tracker)` in a subject stay literal) or through `code` (a code span, whose
content a viewer never interprets). The only links are the archive links built here from
Message-IDs (reference-style, defined at the end). Bare http(s) addresses in mail text may still be turned into links by viewers
that auto-link (GitHub's extension does); those are plain text in the file.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Iterable

from ..analysis.outcomes import Outcome, Proposal
from ..analysis.summary import ThreadSummary
from ..analysis.timeline import Event
from .links import lore_url

# Characters with inline meaning in CommonMark and GitHub Markdown: escapes, code spans,
# emphasis, links and images ("![" is no image once "[" is escaped), strikethrough, a
# heading's closing "#"s; "_" only where it could open or close emphasis (not inside a word:
# folio_try_get_rcu stays as written). `<`, `>` and `&` become entities instead.
RE_INLINE = re.compile(r"[\\`*\[\]~#]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def text(value: str | None) -> str:
    """Mail text as inert Markdown on one line."""
    value = " ".join((value or "").split())
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return RE_INLINE.sub(lambda m: "\\" + m.group(0), value)


def code(value: str | None) -> str:
    """A code span holding `value` verbatim (on one line), fenced with more backticks than any
    run inside it."""
    value = " ".join((value or "").split())
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip() else ""
    return f"{fence}{pad}{value}{pad}{fence}"


class Links:
    """Archive links as reference-style Markdown links: the text shows the Message-ID, and
    the URL is defined once at the end of the document (so the raw text stays readable in a
    terminal). Labels come from the Message-ID, so documents can be joined."""

    def __init__(self) -> None:
        self.urls: dict[str, str] = {}

    def cite(self, message_id: str) -> str:
        label = "m" + hashlib.sha1(message_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        self.urls[label] = lore_url(message_id)
        return f"[{code(message_id)}][{label}]"

    def definitions(self) -> list[str]:
        return [f"[{label}]: <{url}>" for label, url in self.urls.items()]


def when(date: datetime | None) -> str:
    return date.strftime("%Y-%m-%d %H:%M UTC") if date else "date unknown"


def render_summary(summary: ThreadSummary, source: str | None = None) -> str:
    links = Links()
    cite = links.cite
    out = [f"# {text(summary.subject) or '(no subject)'}", ""]
    out += [f"- **Root:** {cite(summary.root_message_id)}",
            f"- **Messages:** {summary.messages}" + _missing(summary.missing),
            f"- **First:** {when(summary.first_date)}",
            f"- **Last:** {when(summary.last_date)}"]
    if source:
        out.append(f"- **Source:** {code(source)}")
    out += ["", "## What happened", ""]
    for n, sentence in enumerate(summary.narrative, 1):
        out.append(f"{n}. {text(sentence.text)} ({', '.join(cite(m) for m in sentence.cites)})")
    out += ["", "## Participants", ""]
    for person in summary.participants:
        out.append(_participant(person))
    out += ["", "## Proposals and outcomes", ""]
    if not summary.proposals:
        out.append("No proposal was found in this thread.")
    for prop in summary.proposals:
        out += _proposal(prop, cite)
    out += ["", "## Crash reports", ""]
    if not summary.crashes:
        out.append("No crash report was found in this thread.")
    for crash in summary.crashes:
        seen = len(crash.message_ids)
        out.append(f"- **{text(crash.title)}** ({text(crash.kind)}): reported by {text(crash.reported_by or 'unknown')} "
                   f"on {when(crash.date)} in {cite(crash.reported_in)}" +
                   (" (missing from the archive, known from quotes)" if crash.quoted_only else "") +
                   (f"; seen in {seen} messages" if seen > 1 else ""))
    out += ["", "## Open questions", ""]
    if not summary.open_questions:
        out.append("Every question asked in the thread was answered (quoted or replied to by someone else).")
    for q in summary.open_questions:
        out.append(f"- {text(q.author or 'unknown')}, {when(q.date)}, {cite(q.message_id)} "
                   f"line {q.line}: \u201c{text(q.text)}\u201d")
    out += [""] + links.definitions()
    return "\n".join(out) + "\n"


def _missing(ids: tuple[str, ...]) -> str:
    if not ids:
        return ""
    shown = ", ".join(code(m) for m in ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    return f" (and {len(ids)} referenced but missing from the archive: {shown})"


def _participant(person) -> str:
    line = f"- **{text(person.name)}**"
    if person.email:
        line += f" {code(person.email)}"
    line += f": {person.messages} message{'s' if person.messages != 1 else ''}; {', '.join(person.roles)}"
    if person.proposals:
        line += f" (proposals {', '.join(person.proposals)})"
    others = [n for n in person.names if n != person.name]
    if others:
        line += "; also wrote as " + ", ".join(f"\u201c{text(n)}\u201d" for n in others)
    if person.same_name_as:
        line += ("; same name as " + ", ".join(code(e) for e in person.same_name_as) +
                 " (another address: not merged)")
    return line


def _proposal(prop: Proposal, cite) -> list[str]:
    version = f" v{prop.version}" if prop.version else ""
    out = [f"### {prop.id}: {text(prop.kind)}{version} \u201c{text(prop.title)}\u201d", "",
           f"- **By:** {text(prop.author or 'unknown')}, {when(prop.date)}, {cite(prop.message_id)}"]
    if prop.first_line:
        out[-1] += f" (lines {prop.first_line}\u2013{prop.last_line})"
    if prop.quoted_in:
        out.append(f"- **Known from a quote in** {cite(prop.quoted_in)} (its own message is not in the archive)")
    if not prop.in_thread:
        out.append("- **In another thread** (this thread's messages report on it)")
    if prop.files:
        out.append(f"- **Files:** {', '.join(code(f) for f in prop.files)}")
    if prop.series_message_ids:
        out.append(f"- **Patches:** {', '.join(cite(m) for m in prop.series_message_ids)}")
    if not prop.outcomes:
        out.append("- **Outcomes:** none reported")
    else:
        out.append("- **Outcomes:**")
        out.extend(_outcome(o, cite) for o in prop.outcomes)
    out.append("")
    return out


def _outcome(o: Outcome, cite) -> str:
    line = f"  - **{o.verdict}**: {text(o.by or 'unknown')}, {when(o.date)}, {cite(o.message_id)}"
    if o.line:
        line += f" line {o.line}"
    if o.quoted_in:
        line += f" (quoted in {cite(o.quoted_in)})"
    if o.verdict == "superseded" and o.superseded_by:
        line += f": new version {cite(o.superseded_by)}"
    if o.evidence:
        line += f": \u201c{text(o.evidence)}\u201d"
    if o.traces:
        line += "; crash reports: " + ", ".join(f"**{text(t)}**" for t in o.traces)
    how = [f"rule {code(o.rule)}"] + ([f"linked by {text(o.link)}"] if o.link else [])
    return line + f" ({'; '.join(how)})"


def render_timeline(events: Iterable[Event], subject: str | None = None) -> str:
    links = Links()
    cite = links.cite
    out = [f"# Timeline: {text(subject) or '(no subject)'}", ""]
    for e in events:
        extra = f" {e.proposal}" if e.proposal else ""
        verdict = f" ({e.verdict})" if e.verdict and e.kind == "outcome" else ""
        out.append(f"- {when(e.date)}: **{e.kind}**{extra}{verdict}, {text(e.who or 'unknown')}: "
                   f"{text(e.text)} ({cite(e.message_id)})")
    out += [""] + links.definitions()
    return "\n".join(out) + "\n"
