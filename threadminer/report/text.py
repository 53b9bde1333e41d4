"""Threads as plain text for the terminal, and the thread records of the JSON contract."""

from __future__ import annotations

from typing import Iterable

from ..dates import iso
from ..mid import archive_url
from ..threads import Node, Thread, ThreadInfo, subject_key

# Deeper than this, a tree line is not indented further but says its depth: a 36-deep
# thread would start at column 72, a hostile 30,000-deep chain at column 60,000.
MAX_INDENT = 16


def indent(depth: int) -> str:
    return "  " * depth if depth <= MAX_INDENT else "  " * MAX_INDENT + f"[{depth}] "


def thread_record(info: ThreadInfo, source: str | None) -> dict:
    """The contract's `threads` record."""
    return {"source": source, "thread_id": info.thread_id, "root_message_id": info.root_message_id,
            "subject": info.subject, "messages": info.messages, "message_ids": list(info.message_ids),
            "participants": list(info.participants), "first_date": iso(info.first_date),
            "last_date": iso(info.last_date)}


def thread_tree_record(info: ThreadInfo, thread: Thread, ghosts: dict, source: str | None,
                       marked: set[str] = frozenset()) -> dict:
    """`show --json`: the thread record with its tree, node by node in display order."""
    record = thread_record(info, source)
    record["tree"] = []
    for node, depth in thread.walk():
        ghost = ghosts.get(node.message_id) if node.ghost else None
        parent = thread.nodes[node.parent].message_id if node.parent in thread.nodes else node.parent
        entry = {"message_id": node.message_id, "key": node.key, "depth": depth, "ghost": node.ghost,
                 "parent": parent, "rule": node.rule,
                 "author": node.summary.author if node.summary else ghost.author if ghost else None,
                 "subject": node.summary.subject if node.summary else None,
                 "date": iso(node.summary.date) if node.summary else iso(ghost.date) if ghost else None,
                 "asked": node.key in marked}
        if ghost:
            entry["quoted_in"] = ghost.quoted_in
        record["tree"].append(entry)
    return record


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
    # A second, different message under a reused Message-ID shows its key ("<id>#2").
    name = f"<{s.message_id}>" if s.key == s.message_id else s.key
    if show_subject:
        return f"{date}  {author}: {s.subject or '(no subject)'}  {name}"
    return f"{date}  {author}  {name}"


def render_thread(thread: Thread, rules: bool = False, ghosts: dict | None = None,
                  marked: set[str] = frozenset()) -> str:
    """The thread as an indented tree, one message a line (`ghosts`: Message-ID to
    `ghosts.QuotedGhost` for missing messages known from quotes). As mail readers do, a
    subject is shown only where it differs from the parent's ("Re: " aside). Messages whose
    key is in `marked` (those asked for) start with "*" and get their archive link below."""
    lines = []
    asked = []  # the marked messages in the order the tree shows them (a set has none)
    for node, depth in thread.walk():
        parent = _nearest_message(thread, node.parent)
        show_subject = parent is None or (node.summary is not None and parent.summary is not None
                                          and subject_key(node.summary.subject) != subject_key(parent.summary.subject))
        text = node_line(node, (ghosts or {}).get(node.message_id) if node.ghost else None, show_subject)
        if rules and node.rule:
            text += f"  [{node.rule}]"
        lines.append(("* " if node.key in marked else "  ") + indent(depth) + text)
        if node.key in marked:
            asked.append(node.message_id)
    links = [thread.nodes[thread.root].message_id, *asked]
    lines.append("")
    lines.extend(f"lore: {archive_url(mid)}" for mid in dict.fromkeys(links))
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


def render_fetch_results(results: list, update: bool) -> str:
    """What `fetch` brought, a line per download (`sync.FetchResult`s)."""
    lines = []
    for result in results:
        counts = result.imported.as_json()
        if update:
            lines.append(f"{result.subject!r}: {counts['messages_new']} new, {counts['messages_seen']} already "
                         f"stored ({result.messages} read from {result.url})")
            continue
        lines.append(f"{result.messages} messages from {result.url}: {counts['messages_new']} new, "
                     f"{counts['messages_seen']} already stored, {counts['threads']} threads, "
                     f"{counts['skipped']} skipped")
        if result.output:
            lines.append(f"wrote {result.output}")
    return "\n".join(lines)


def render_thread_list(infos: Iterable[ThreadInfo]) -> str:
    lines = []
    for info in infos:
        first = (iso(info.first_date) or "????-??-??")[:10]
        lines.append(f"{first}  {info.messages:4d}  {info.subject or '(no subject)'}  <{info.root_message_id}>")
    return "\n".join(lines)
