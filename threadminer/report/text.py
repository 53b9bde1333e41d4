"""Plain-text renderings of threads for the terminal."""

from __future__ import annotations

from ..dates import iso
from ..store import Store, ThreadInfo
from ..threads import Node, Thread


def node_line(node: Node, ghost=None) -> str:
    """One line of the tree; `ghost` (a `store.QuotedGhost`) names a missing message's
    author and date as the quotes of it tell them."""
    if node.ghost or node.summary is None:
        if ghost is not None and (ghost.author or ghost.date):
            date = (iso(ghost.date) or "????-??-??")[:16].replace("T", " ")
            return f"{date}  {ghost.author or '(unknown)'}: [not in archive, quoted]  <{node.message_id}>"
        return f"[not in archive] <{node.message_id}>"
    s = node.summary
    date = (iso(s.date) or "????-??-??")[:16].replace("T", " ")
    return f"{date}  {s.author or '(unknown)'}: {s.subject or '(no subject)'}  <{s.message_id}>"


def render_thread(thread: Thread, rules: bool = False, ghosts: dict | None = None) -> str:
    """The thread as an indented tree, one message a line (`ghosts`: Message-ID to
    `store.QuotedGhost` for missing messages known from quotes)."""
    lines = []
    for node, depth in thread.walk():
        text = node_line(node, (ghosts or {}).get(node.message_id) if node.ghost else None)
        if rules and node.rule:
            text += f"  [{node.rule}]"
        lines.append("  " * depth + text)
    return "\n".join(lines)


def render_thread_list(infos: list[ThreadInfo]) -> str:
    lines = []
    for info in infos:
        first = (iso(info.first_date) or "????-??-??")[:10]
        lines.append(f"{first}  {info.messages:4d}  {info.subject or '(no subject)'}  <{info.root_message_id}>")
    return "\n".join(lines)


def render_overview(store: Store, thread_id: int) -> str:
    """Thread summary for the terminal until the summary analysis lands: subject, span,
    participants with message counts, and the tree."""
    info = store.thread_info(thread_id)
    thread = store.thread(thread_id)
    counts: dict[str, int] = {}
    for summary in thread.messages:
        label = summary.author or "(unknown)"
        counts[label] = counts.get(label, 0) + 1
    ghosts = thread.ghosts
    lines = [f"# {info.subject or '(no subject)'}", "",
             f"Root:         <{info.root_message_id}>",
             f"Messages:     {info.messages}" + (f" (+{len(ghosts)} referenced but missing)" if ghosts else ""),
             f"First:        {iso(info.first_date) or 'unknown'}",
             f"Last:         {iso(info.last_date) or 'unknown'}",
             "Participants: " + ", ".join(f"{name} ({n})" for name, n in
                                          sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
             "", render_thread(thread)]
    return "\n".join(lines)
