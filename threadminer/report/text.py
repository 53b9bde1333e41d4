"""Plain-text renderings of threads for the terminal."""

from __future__ import annotations

from ..dates import iso
from ..store import ThreadInfo
from ..threads import Node, Thread, subject_key


def node_line(node: Node, ghost=None, show_subject: bool = True) -> str:
    """One line of the tree; `ghost` (a `store.QuotedGhost`) names a missing message's
    author and date as the quotes of it tell them."""
    if node.ghost or node.summary is None:
        if ghost is not None and (ghost.author or ghost.date):
            date = (iso(ghost.date) or "????-??-??")[:16].replace("T", " ")
            return f"{date}  {ghost.author or '(unknown)'}: [not in archive, quoted]  <{node.message_id}>"
        return f"[not in archive] <{node.message_id}>"
    s = node.summary
    date = (iso(s.date) or "????-??-??")[:16].replace("T", " ")
    author = s.author or "(unknown)"
    if show_subject:
        return f"{date}  {author}: {s.subject or '(no subject)'}  <{s.message_id}>"
    return f"{date}  {author}  <{s.message_id}>"


def render_thread(thread: Thread, rules: bool = False, ghosts: dict | None = None) -> str:
    """The thread as an indented tree, one message a line (`ghosts`: Message-ID to
    `store.QuotedGhost` for missing messages known from quotes). As mail readers do, a
    subject is shown only where it differs from the parent's ("Re: " aside)."""
    lines = []
    for node, depth in thread.walk():
        parent = _nearest_message(thread, node.parent)
        show_subject = parent is None or (node.summary is not None and parent.summary is not None
                                          and subject_key(node.summary.subject) != subject_key(parent.summary.subject))
        text = node_line(node, (ghosts or {}).get(node.message_id) if node.ghost else None, show_subject)
        if rules and node.rule:
            text += f"  [{node.rule}]"
        lines.append("  " * depth + text)
    return "\n".join(lines)


def _nearest_message(thread: Thread, key: str | None) -> Node | None:
    """The closest ancestor that is a message, not a ghost."""
    while key is not None:
        node = thread.nodes.get(key)
        if node is None:
            return None
        if node.summary is not None:
            return node
        key = node.parent
    return None


def render_thread_list(infos: list[ThreadInfo]) -> str:
    lines = []
    for info in infos:
        first = (iso(info.first_date) or "????-??-??")[:10]
        lines.append(f"{first}  {info.messages:4d}  {info.subject or '(no subject)'}  <{info.root_message_id}>")
    return "\n".join(lines)


def render_overview(info: ThreadInfo, thread: Thread, ghosts: dict | None = None,
                    crashes: list | None = None) -> str:
    """Thread summary for the terminal until the summary analysis lands: subject, span,
    participants with message counts, the crash reports (`traces.Signature`s) and the tree
    (`ghosts` as for `render_thread`)."""
    counts: dict[str, int] = {}
    for summary in thread.messages:
        label = summary.author or "(unknown)"
        counts[label] = counts.get(label, 0) + 1
    missing = thread.ghosts
    lines = [f"# {info.subject or '(no subject)'}", "",
             f"Root:         <{info.root_message_id}>",
             f"Messages:     {info.messages}" + (f" (+{len(missing)} referenced but missing)" if missing else ""),
             f"First:        {iso(info.first_date) or 'unknown'}",
             f"Last:         {iso(info.last_date) or 'unknown'}",
             "Participants: " + ", ".join(f"{name} ({n})" for name, n in
                                          sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
             ""]
    if crashes:
        lines.append(f"Crash reports ({len(crashes)}):")
        for sig in crashes:
            first = sig.occurrences[0]
            seen = len(sig.message_ids)
            where = f"<{first.message_id}>" if seen == 1 else f"first <{first.message_id}>, in {seen} messages"
            lines.append(f"  {sig.title}  ({', '.join(sig.authors) or 'unknown'}; {where})")
        lines.append("")
    lines.append(render_thread(thread, ghosts=ghosts))
    return "\n".join(lines)
