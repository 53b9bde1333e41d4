"""A thread summary as one self-contained HTML page that works offline.

The page holds, per thread: the summary (what happened, every sentence citing its messages),
a visual timeline (inline SVG), the participants, each proposal with its outcomes and their
evidence, the crash reports, the open questions, and the thread itself: its reply tree and
every message, quoted text nested by depth and collapsible (each quote, or every quote from a
depth on with the toolbar), diff lines coloured, crash reports folded.

Mail is hostile input. Every string from mail goes through `esc` (control and bidi
characters made visible, then HTML-escaped), so `<script>`, `<img onerror=...>` and
`javascript:` links in a subject or body are shown as text. The page builds its own links
only: anchors inside the page and https archive links made from Message-IDs. Its one script
and one style sheet are inline and pinned by hash in a strict Content-Security-Policy (no
other script, style, image source, connection, frame or form is allowed), and the script
attaches its handlers itself: no inline event handler exists.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html import escape
from typing import TYPE_CHECKING, Iterable, Protocol

from ..analysis.diffs import Diff
from ..analysis.lines import split_body
from ..analysis.quotes import TEXT, QuoteTree
from ..analysis.summary import ThreadSummary
from ..analysis.traces import Occurrence
from .links import lore_url
from .svg_timeline import render_svg
from .terminal import printable

if TYPE_CHECKING:
    from ..message import Message
    from ..threads import Thread


class ThreadAnalysis(Protocol):
    """What the page reads of a thread (`analyse.ThreadAnalysis` has it; report/ does not
    import the composer)."""

    tree: Thread
    keys: list[str]

    def message(self, key: str) -> Message: ...
    def quote_trees(self) -> dict[str, QuoteTree]: ...
    def traces(self) -> dict[str, tuple[Occurrence, ...]]: ...
    def diffs(self) -> dict[str, tuple[Diff, ...]]: ...
    def timeline(self) -> tuple: ...

# Thread tree rows are indented up to this depth, then labelled with their depth.
MAX_INDENT = 16
MAX_QUOTE_BUTTONS = 6
RE_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@")
RE_DIFF_HEADER = re.compile(r"^(?:diff |index [0-9a-f]+\.\.[0-9a-f]+|new file mode |deleted file mode |"
                            r"(?:rename|copy) (?:from|to) |similarity index |Binary files |Index: )")

CSS = """
:root{--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--bg2:#f6f8fa}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);margin:0 auto;max-width:1100px;padding:0 16px 48px}
h1{font-size:1.6em;margin:.8em 0 .2em}h2{border-bottom:1px solid var(--line);padding-bottom:.2em;margin-top:1.6em}
a{color:#0969da}.muted{color:var(--muted)}code,pre{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
.meta{list-style:none;padding:0;color:var(--muted)}.meta li{display:inline;margin-right:1.2em}
.toolbar{position:sticky;top:0;background:#fff;border-bottom:1px solid var(--line);padding:6px 0;z-index:2}
.toolbar button{font:inherit;font-size:13px;margin:2px 4px 2px 0;padding:2px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg2);cursor:pointer}
.toolbar button[aria-pressed=true]{background:#ddf4ff;border-color:#54aeff}
.narrative li{margin:.3em 0}.cite{font-size:12px}
table{border-collapse:collapse}td,th{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
.role{display:inline-block;font-size:12px;padding:0 6px;border-radius:10px;background:var(--bg2);border:1px solid var(--line);margin-right:3px}
.proposal{border:1px solid var(--line);border-radius:8px;padding:8px 12px;margin:10px 0}
.proposal h3{margin:.2em 0;font-size:1.05em}
.verdict{display:inline-block;font-size:12px;font-weight:600;padding:0 6px;border-radius:10px;color:#fff;background:#6e7781}
.v-works,.v-reviewed,.v-acked{background:#1a7f37}.v-applied{background:#0550ae}.v-superseded{background:#8250df}
.v-does-not-work,.v-regresses,.v-nacked,.v-build-failure{background:#cf222e}.v-changes-requested{background:#bf8700}
.evidence{border-left:3px solid var(--line);margin:4px 0 4px 0;padding:2px 8px;color:#424a53}
.tree{list-style:none;padding:0;font-size:14px}.tree li{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
""" + "".join(f".tree .d{d}{{padding-left:{d * 14}px}}" for d in range(MAX_INDENT + 1)) + """
.msg{border:1px solid var(--line);border-radius:8px;margin:14px 0;padding:0}
.msg>header{background:var(--bg2);padding:6px 12px;border-bottom:1px solid var(--line);border-radius:8px 8px 0 0}
.msg>.body{padding:8px 12px}
details.q{border-left:3px solid #8c959f;margin:2px 0 2px 2px;padding-left:8px;color:#424a53}
details.q>summary{cursor:pointer;font-size:12px;color:var(--muted)}
details.q.d1{border-color:#0969da}details.q.d2{border-color:#8250df}details.q.d3{border-color:#1a7f37}
details.q.d4{border-color:#bf8700}details.q.d5{border-color:#cf222e}
details.crash{background:#fff8f8;border:1px solid #ffcecb;border-radius:6px;margin:4px 0;padding:2px 8px}
details.crash>summary{cursor:pointer;color:#cf222e;font-weight:600;font-size:13px}
details.attachment>summary{cursor:pointer;font-size:12px;color:var(--muted)}
.sig{color:#8c959f}.attribution{color:var(--muted);font-style:italic}
.add{background:#dafbe1;color:#116329}.del{background:#ffebe9;color:#82071e}.hunk{color:#8250df;background:#fbefff}
.dh{font-weight:600;color:#24292f;background:#eaeef2}
.timeline{border:1px solid var(--line);border-radius:8px;background:#fff}
.legend span{margin-right:1em;font-size:12px}
"""

SCRIPT = """
(function(){
  function setDepth(max){
    document.querySelectorAll('details.q[data-depth]').forEach(function(d){
      d.open = Number(d.getAttribute('data-depth')) < max;
    });
    document.querySelectorAll('button[data-quote-depth]').forEach(function(b){
      b.setAttribute('aria-pressed', String(Number(b.getAttribute('data-quote-depth')) === max));
    });
  }
  document.querySelectorAll('button[data-quote-depth]').forEach(function(b){
    b.addEventListener('click', function(){ setDepth(Number(b.getAttribute('data-quote-depth'))); });
  });
  document.querySelectorAll('button[data-crashes]').forEach(function(b){
    b.addEventListener('click', function(){
      var open = b.getAttribute('data-crashes') === 'open';
      document.querySelectorAll('details.crash').forEach(function(d){ d.open = open; });
    });
  });
})();
"""


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


CSP = (f"default-src 'none'; script-src {_csp_hash(SCRIPT)}; style-src {_csp_hash(CSS)}; "
       "base-uri 'none'; form-action 'none'")


def esc(text: str | None) -> str:
    """Text from mail, inert: control and bidi characters made visible, then HTML-escaped."""
    return escape(printable(text or ""), quote=True)


def when(date) -> str:
    return date.strftime("%Y-%m-%d %H:%M UTC") if date else "date unknown"


def lore_link(message_id: str, label: str | None = None) -> str:
    return (f'<a href="{escape(lore_url(message_id), quote=True)}" rel="noreferrer noopener">'
            f'{esc(label) if label else "<code>" + esc(message_id) + "</code>"}</a>')


class Page:
    """Anchors of the page: one per message of every thread, made here (never from mail)."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[int, str], str] = {}
        self.anchors: dict[str, str] = {}  # Message-ID -> the anchor of its first message

    def add(self, thread: int, key: str, message_id: str) -> str:
        """The anchor of a stored message (a duplicate Message-ID gets its own)."""
        anchor = self.by_key.setdefault((thread, key), f"t{thread}-m{len(self.by_key) + 1}")
        self.anchors.setdefault(message_id, anchor)
        return anchor

    def cite(self, message_id: str) -> str:
        """A citation: the message in this page (when held) and on the archive."""
        local = self.anchors.get(message_id)
        inside = f'<a href="#{local}">here</a>, ' if local else ""
        return f'<span class="cite">[{inside}{lore_link(message_id)}]</span>'


def render_html(threads: Iterable[tuple[ThreadAnalysis, ThreadSummary]]) -> str:
    threads = list(threads)
    page = Page()
    for n, (ta, _) in enumerate(threads, 1):
        for key in ta.keys:
            page.add(n, key, ta.message(key).message_id)
    title = threads[0][1].subject if len(threads) == 1 else f"{len(threads)} threads"
    depth = max((seg.depth for ta, _ in threads for tree in ta.quote_trees().values() for seg in tree.segments),
                default=0)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title) or '(no subject)'} - threadminer</title>", f"<style>{CSS}</style></head><body>",
        _toolbar(depth),
    ]
    for n, (ta, summary) in enumerate(threads, 1):
        parts.append(_thread(n, ta, summary, page))
    parts.append(f'<p class="muted">Made by threadminer from the archive; it only reads and reports.</p>'
                 f"<script>{SCRIPT}</script></body></html>")
    return "\n".join(parts)


def _toolbar(depth: int) -> str:
    buttons = ['<button type="button" data-quote-depth="99" aria-pressed="true">all quotes open</button>']
    for d in range(min(depth, MAX_QUOTE_BUTTONS), 0, -1):
        buttons.append(f'<button type="button" data-quote-depth="{d}" aria-pressed="false">'
                       f'fold depth {d}{" and deeper" if d < depth else ""}</button>')
    buttons.append('<button type="button" data-crashes="open">unfold crash reports</button>'
                   '<button type="button" data-crashes="closed">fold crash reports</button>')
    return f'<nav class="toolbar" aria-label="Display">Quotes: {"".join(buttons)}</nav>'


# --- the summary -------------------------------------------------------------------------------

def _thread(n: int, ta: ThreadAnalysis, s: ThreadSummary, page: Page) -> str:
    out = [f'<section class="thread" id="thread-{n}"><h1>{esc(s.subject) or "(no subject)"}</h1>',
           '<ul class="meta">',
           f"<li>Root: {lore_link(s.root_message_id)}</li>",
           f"<li>{s.messages} messages" + (f", {len(s.missing)} missing from the archive" if s.missing else "") + "</li>",
           f"<li>{when(s.first_date)} \u2013 {when(s.last_date)}</li></ul>",
           "<h2>What happened</h2><ol class=\"narrative\">"]
    out += [f"<li>{esc(x.text)} {' '.join(page.cite(m) for m in x.cites)}</li>" for x in s.narrative]
    out.append("</ol><h2>Timeline</h2>")
    out.append(render_svg(ta.timeline(), page.anchors.get))
    out.append(_participants(s))
    out.append(_proposals(s, page))
    out.append(_crashes(s, page))
    out.append(_questions(s, page))
    out.append(_messages(n, ta, page))
    out.append("</section>")
    return "\n".join(out)


def _participants(s: ThreadSummary) -> str:
    rows = ["<h2>Participants</h2><table><tr><th>Name</th><th>Address</th><th>Messages</th><th>Roles</th>"
            "<th>Notes</th></tr>"]
    for p in s.participants:
        notes = []
        others = [n for n in p.names if n != p.name]
        if others:
            notes.append("also wrote as " + ", ".join(f"\u201c{esc(n)}\u201d" for n in others))
        if p.same_name_as:
            notes.append("same name as " + ", ".join(f"<code>{esc(e)}</code>" for e in p.same_name_as) +
                         " (another address: not merged)")
        if p.proposals:
            notes.append("proposals " + ", ".join(esc(i) for i in p.proposals))
        roles = "".join(f'<span class="role">{esc(r)}</span>' for r in p.roles)
        rows.append(f"<tr><td>{esc(p.name)}</td><td><code>{esc(p.email or '')}</code></td><td>{p.messages}</td>"
                    f"<td>{roles}</td><td>{'; '.join(notes)}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def _proposals(s: ThreadSummary, page: Page) -> str:
    out = ["<h2>Proposals and outcomes</h2>"]
    if not s.proposals:
        out.append('<p class="muted">No proposal was found in this thread.</p>')
    for p in s.proposals:
        version = f" v{p.version}" if p.version else ""
        files = " \u00b7 " + ", ".join(f"<code>{esc(f)}</code>" for f in p.files) if p.files else ""
        out.append(f'<div class="proposal" id="proposal-{esc(p.id)}"><h3>{esc(p.id)}: {esc(p.kind)}{version} '
                   f"\u201c{esc(p.title)}\u201d</h3><div class=\"muted\">by {esc(p.author or 'unknown')}, "
                   f"{when(p.date)} {page.cite(p.message_id)}{files}"
                   + (f"; known from a quote in {page.cite(p.quoted_in)}" if p.quoted_in else "")
                   + ("; a proposal of another thread" if not p.in_thread else "") + "</div>")
        if not p.outcomes:
            out.append('<p class="muted">No outcome reported.</p>')
        else:
            out.append("<ul>")
            for o in p.outcomes:
                extra = f" new version {page.cite(o.superseded_by)}" if o.superseded_by else ""
                if o.quoted_in:
                    extra += f" (quoted in {page.cite(o.quoted_in)})"
                traces = ("<div>crash reports: " + ", ".join(f"<strong>{esc(t)}</strong>" for t in o.traces) +
                          "</div>") if o.traces else ""
                evidence = f'<blockquote class="evidence">{esc(o.evidence)}</blockquote>' if o.evidence else ""
                out.append(f'<li><span class="verdict v-{esc(o.verdict)}">{esc(o.verdict)}</span> '
                           f"{esc(o.by or 'unknown')}, {when(o.date)} {page.cite(o.message_id)}{extra}"
                           f'<span class="muted"> rule {esc(o.rule)}{", " + esc(o.link) if o.link else ""}</span>'
                           f"{evidence}{traces}</li>")
            out.append("</ul>")
        out.append("</div>")
    return "".join(out)


def _crashes(s: ThreadSummary, page: Page) -> str:
    out = ["<h2>Crash reports</h2>"]
    if not s.crashes:
        out.append('<p class="muted">No crash report was found in this thread.</p>')
    out.append("<ul>")
    for c in s.crashes:
        missing = " (in a message missing from the archive, known from quotes)" if c.quoted_only else ""
        seen = f"; seen in {len(c.message_ids)} messages" if len(c.message_ids) > 1 else ""
        out.append(f"<li><strong>{esc(c.title)}</strong> <span class=\"muted\">{esc(c.kind)}</span>: reported by "
                   f"{esc(c.reported_by or 'unknown')}, {when(c.date)} {page.cite(c.reported_in)}{missing}{seen}</li>")
    out.append("</ul>")
    return "".join(out)


def _questions(s: ThreadSummary, page: Page) -> str:
    out = ["<h2>Open questions</h2>"]
    if not s.open_questions:
        out.append('<p class="muted">Every question asked was answered (quoted or replied to by someone else).</p>')
    out.append("<ul>")
    out += [f"<li>\u201c{esc(q.text)}\u201d <span class=\"muted\">{esc(q.author or 'unknown')}, {when(q.date)}, "
            f"line {q.line}</span> {page.cite(q.message_id)}</li>" for q in s.open_questions]
    out.append("</ul>")
    return "".join(out)


# --- the thread and its messages --------------------------------------------------------------

def _messages(n: int, ta: ThreadAnalysis, page: Page) -> str:
    out = ["<h2>The thread</h2><ul class=\"tree\">"]
    for node, depth in ta.tree.walk():
        pad = f'd{min(depth, MAX_INDENT)}'
        label = f"[{depth}] " if depth > MAX_INDENT else ""
        if node.summary is None:
            out.append(f'<li class="{pad} muted">{label}[not in archive] <code>{esc(node.message_id)}</code></li>')
            continue
        s = node.summary
        anchor = page.by_key.get((n, node.key))
        out.append(f'<li class="{pad}">{label}<a href="#{anchor}">{when(s.date)}</a> {esc(s.author or "(unknown)")}'
                   f' <span class="muted">{esc(s.subject)}</span></li>')
    out.append("</ul>")
    trees = ta.quote_trees()
    traces = ta.traces()
    diffs = ta.diffs()
    for key in ta.keys:
        msg = ta.message(key)
        out.append(_message(msg, trees[key], traces.get(key, ()), diffs.get(key, ()), page.by_key[(n, key)]))
    return "\n".join(out)


def _spans(diffs: Iterable[Diff], attachment: str | None) -> set[int]:
    """The line numbers the diffs cover, in the body (`attachment` None) or in an attachment."""
    return {n for d in diffs if d.attachment == attachment for n in range(d.first_line, d.last_line + 1)}


def _message(msg: Message, tree: QuoteTree, occurrences: tuple[Occurrence, ...], diffs: tuple[Diff, ...],
             anchor: str) -> str:
    head = (f'<header><strong>{esc(msg.author.display or "(unknown)")}</strong> '
            f'<span class="muted">&lt;{esc(msg.author.email)}&gt;</span> \u00b7 {when(msg.date)}<br>'
            f"{esc(msg.subject) or '(no subject)'}<br><span class=\"muted\">{lore_link(msg.message_id)}</span></header>")
    body = _body(msg.body, tree, occurrences, _spans(diffs, None))
    attachments = "".join(
        f'<details class="attachment" open><summary>attachment {esc(a.filename or a.content_type)}</summary>'
        f"<pre>{''.join(_diff_lines(split_body(a.text), 1, _spans(diffs, a.filename or a.content_type)))}</pre>"
        f"</details>" for a in msg.attachments)
    return f'<article class="msg" id="{anchor}">{head}<div class="body">{body}{attachments}</div></article>'


def _body(body: str, tree: QuoteTree, occurrences: Iterable[Occurrence], diff_lines: set[int]) -> str:
    """The body, quotes nested by depth in <details> (one per quote), crash reports folded,
    the lines of diffs (`diff_lines`, found by the diffs analysis) coloured."""
    crash_of: dict[int, Occurrence] = {}
    for occ in occurrences:
        for line in range(occ.report.first_line, occ.report.last_line + 1):
            crash_of.setdefault(line, occ)
    out: list[str] = []
    depth = 0
    segments = tree.segments or ()
    if not segments and body:
        return f"<pre>{''.join(_diff_lines(split_body(body), 1, diff_lines))}</pre>"
    for seg in segments:
        while depth > seg.depth:
            out.append("</details>")
            depth -= 1
        while depth < seg.depth:
            depth += 1
            voice = tree.voices[seg.voice] if depth == seg.depth else None
            who = esc(voice.author) if voice is not None and voice.author else "quoted text"
            out.append(f'<details class="q d{min(depth, 5)}" data-depth="{depth}" open>'
                       f"<summary>{who} (depth {depth})</summary>")
        cls = "" if seg.kind == TEXT else (' class="attribution"' if seg.kind == "attribution" else ' class="sig"')
        out.append(_segment(seg.text.split("\n"), seg.first_line, crash_of, diff_lines, cls))
    out.extend("</details>" for _ in range(depth))
    return "".join(out)


def _segment(lines: list[str], first_line: int, crash_of: dict[int, Occurrence], diff_lines: set[int],
             cls: str) -> str:
    """A segment's lines, runs inside a crash report folded into <details>."""
    out, run, start, current = [], [], first_line, None
    for i, line in enumerate(lines):
        occ = crash_of.get(first_line + i)
        if occ is not current and run:
            out.append(_run(run, start, current, diff_lines, cls))
            run, start = [], first_line + i
        current = occ
        run.append(line)
    if run:
        out.append(_run(run, start, current, diff_lines, cls))
    return "".join(out)


def _run(lines: list[str], first_line: int, occ: Occurrence | None, diff_lines: set[int], cls: str) -> str:
    pre = f"<pre{cls}>{''.join(_diff_lines(lines, first_line, diff_lines))}</pre>"
    if occ is None:
        return pre
    r = occ.report
    return (f'<details class="crash"><summary>crash report: {esc(r.title)} (lines {r.first_line}\u2013'
            f"{r.last_line})</summary>{pre}</details>")


def _diff_lines(lines: list[str], first_line: int, diff_lines: set[int]) -> Iterable[str]:
    """Lines as HTML (numbered from `first_line`); those of a diff coloured as file headers,
    hunk headers, added and removed lines."""
    for i, line in enumerate(lines):
        cls = _diff_class(lines, i) if first_line + i in diff_lines else None
        text = esc(line)
        yield f'<span class="{cls}">{text}</span>\n' if cls else text + "\n"


def _diff_class(lines: list[str], i: int) -> str | None:
    line = lines[i]
    if RE_HUNK.match(line):
        return "hunk"
    if RE_DIFF_HEADER.match(line) or (line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ ")) \
            or (line.startswith("+++ ") and i and lines[i - 1].startswith("--- ")):
        return "dh"
    if line[:1] == "+":
        return "add"
    if line[:1] == "-":
        return "del"
    return None
