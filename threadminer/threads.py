"""Thread trees from message skeletons, JWZ-style with the rules real archives need.

Rules, in the order they are tried (each link records the rule that made it):

- ``in-reply-to``: a clean In-Reply-To names the parent (notmuch's parent-priority case:
  References may hold typos or be out of order, In-Reply-To is what the mailer meant);
- ``references``: else the last usable References id;
- ``ghost``: a parent that is not in the archive becomes a placeholder (ghost) node; its
  own parent is the id before it in the child's References, or, when the child's References
  do not hold it, the deepest id they do hold, so an orphan hangs under its deepest known
  ancestor instead of starting a new thread;
- ``descendant-references``: a message with no usable headers of its own is placed by the
  References of a later message that quotes its ancestry;
- ``subject``: only a message with no usable In-Reply-To or References at all, whose subject
  says it is a reply, joins the earlier thread with the same subject; ``[PATCH v1 ...]`` and
  ``[PATCH v2 ...]`` differ, so revisions never merge;
- ``duplicate``: a second message under an already-used Message-ID but with different
  content hangs under the first (exact duplicates are merged before threading).

A link that would close a loop is refused and the next candidate is tried. Messages are
processed in date order, so the tree does not depend on the order of the input. No
recursion: walks use explicit stacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable, Iterator

# Reply and forward markers in many languages (Re, Aw, Sv, Antw, Odp, Vs, ...), with counts
# ("Re[2]:") and list tags in front ("[list] Re:").
RE_REPLY_PREFIX = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)?(?:(?:re|aw|sv|antw|odp|vs|ref|rif|r|fw|fwd|wg|tr)(?:\[\d+\]|\^\d+)?\s*:\s*)+", re.I)
RE_LIST_TAG = re.compile(r"^\s*\[(?![^\]]*\b(?:patch|rfc|pull|git pull|resend)\b)[^\]]*\]\s*", re.I)

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Summary:
    """The skeleton of a message that threading needs."""

    key: str  # unique per stored message: the Message-ID, or Message-ID#N for a differing duplicate
    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str = ""
    date: datetime | None = None
    author: str = ""

    @property
    def has_headers(self) -> bool:
        return bool(self.in_reply_to or self.references)


@dataclass(frozen=True)
class Node:
    """One node of a thread tree: a message, or a ghost for a referenced missing message."""

    key: str
    message_id: str
    parent: str | None
    rule: str | None
    ghost: bool
    summary: Summary | None = None


@dataclass
class Thread:
    """A thread: its root key and nodes, with children ordered by date."""

    root: str
    nodes: dict[str, Node] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)

    def walk(self) -> Iterator[tuple[Node, int]]:
        """(node, depth) in display order, depth-first, without recursion."""
        stack = [(self.root, 0)]
        while stack:
            key, depth = stack.pop()
            yield self.nodes[key], depth
            for child in reversed(self.children.get(key, [])):
                stack.append((child, depth + 1))

    @property
    def messages(self) -> list[Summary]:
        return [n.summary for n, _ in self.walk() if n.summary is not None]

    @property
    def ghosts(self) -> list[Node]:
        return [n for n, _ in self.walk() if n.ghost]


@dataclass(frozen=True)
class ThreadInfo:
    """One row of the thread list: a stored thread's root, subject, size, people and span."""

    thread_id: int
    root_key: str
    root_message_id: str
    subject: str
    messages: int
    message_ids: tuple[str, ...]
    participants: tuple[str, ...]
    first_date: datetime | None
    last_date: datetime | None



def subject_key(subject: str) -> str:
    """A subject with reply prefixes and list tags removed, case and spacing folded.

    Bracketed patch tags stay: "[PATCH v2 1/3]" keeps revisions and series parts apart.
    """
    s = subject or ""
    for _ in range(5):
        new = RE_REPLY_PREFIX.sub("", s)
        new = RE_LIST_TAG.sub("", new)
        if new == s:
            break
        s = new
    return " ".join(s.lower().split())


def is_reply_subject(subject: str) -> bool:
    return bool(RE_REPLY_PREFIX.match(subject or ""))


# How long after an original post a reply without headers may still be grouped with it by
# subject. Replies that lost their headers come from broken mailers and gateways, usually
# within days; months later the same subject is more often a new discussion (or spam).
SUBJECT_WINDOW = timedelta(days=45)


def subject_target(reply: Summary, originals: list[Summary]) -> Summary | None:
    """The original post a header-less reply belongs to by subject: the latest one sent
    before it within SUBJECT_WINDOW (originals in date order)."""
    if reply.date is None:
        return originals[-1] if originals else None
    # From the latest back: the first dated original sent before the reply is the only
    # candidate (any earlier one is further away), so a subject shared by thousands of
    # posts costs a step or two, not a pass over all of them.
    for original in reversed(originals):
        if original.date is None or original.date > reply.date:
            continue
        return original if reply.date - original.date <= SUBJECT_WINDOW else None
    return None


def _sort_key(summary: Summary) -> tuple[datetime, str]:
    return (summary.date or EPOCH, summary.key)


def build_threads(summaries: Iterable[Summary]) -> list[Thread]:
    """Thread the given messages; returns threads ordered by their first message's date."""
    msgs = sorted(summaries, key=_sort_key)
    by_key: dict[str, Summary] = {}
    by_mid: dict[str, str] = {}  # Message-ID -> key of the first message using it
    for s in msgs:
        if s.key in by_key:
            continue
        by_key[s.key] = s
        by_mid.setdefault(s.message_id, s.key)

    parent: dict[str, str] = {}
    rule: dict[str, str] = {}
    ghosts: dict[str, str] = {}  # ghost key -> Message-ID

    def node_for(mid: str) -> str:
        key = by_mid.get(mid)
        if key is not None:
            return key
        ghosts.setdefault(mid, mid)
        return mid

    # Every link hangs a root (a node without a parent yet) under another node, so a link
    # closes a loop exactly when the new parent's tree is rooted at the child. Trees are
    # kept as union-find sets labelled with their root: each check is near O(1), where
    # walking up the parent chain made a 30,000-deep reply chain quadratic (2 min).
    trees = _UnionFind()
    tree_root: dict[str, str] = {}  # union-find representative -> root of that tree

    def root_of(node: str) -> str:
        rep = trees.find(node)
        return tree_root.get(rep, node)

    def link(child: str, new_parent: str, why: str) -> bool:
        if child == new_parent or child in parent or root_of(new_parent) == child:
            return False
        top = root_of(new_parent)
        trees.union(child, new_parent)
        tree_root[trees.find(child)] = top
        parent[child] = new_parent
        rule[child] = why
        return True

    def place_ghost(ghost_mid: str, refs: tuple[str, ...]) -> None:
        """Give a ghost (and the ghosts above it) parents from one child's References."""
        cur = ghost_mid
        if cur in refs:
            earlier = list(refs[: refs.index(cur)])
        else:
            # The child's References do not name the ghost: hang it under the deepest
            # ancestor the References do name.
            earlier = list(refs)
        while earlier and cur not in parent:
            prev = earlier.pop()
            prev_key = node_for(prev)
            if not link(cur, prev_key, "ghost"):
                continue
            if prev_key not in ghosts:
                return  # reached a real message
            cur = prev_key

    # Differing duplicates: hang under the first holder of the Message-ID.
    for s in msgs:
        first = by_mid[s.message_id]
        if first != s.key and s.key in by_key:
            link(s.key, first, "duplicate")

    # Own headers: In-Reply-To, then References from the last.
    for s in msgs:
        if s.key in parent:
            continue
        candidates: list[tuple[str, str]] = []
        if s.in_reply_to and s.in_reply_to != s.message_id:
            candidates.append((s.in_reply_to, "in-reply-to"))
        for ref in reversed(s.references):
            if ref != s.message_id and ref != s.in_reply_to:
                candidates.append((ref, "references"))
        for mid, why in candidates:
            target = node_for(mid)
            if link(s.key, target, why):
                if target in ghosts:
                    place_ghost(mid, s.references)
                break

    # Messages without a parent, placed by a later message's References.
    for s in msgs:
        refs = s.references
        for i in range(1, len(refs)):
            child_key = by_mid.get(refs[i])
            if child_key is None or child_key in parent:
                continue
            if by_key[child_key].has_headers:
                continue  # it had its own say; a loop or junk made it a root
            prev_key = by_mid.get(refs[i - 1])
            if prev_key is not None:  # a real message only: a ghost never takes over a real root
                link(child_key, prev_key, "descendant-references")

    # Subject grouping, only for replies that have no usable headers at all: they hang under
    # the latest earlier original post (a subject without "Re:") with the same subject, sent
    # at most SUBJECT_WINDOW before. Never onto another reply: that would glue together two
    # threads that happen to share a changed subject.
    originals: dict[str, list[Summary]] = {}
    for s in msgs:
        key = subject_key(s.subject)
        if not key:
            continue
        if not is_reply_subject(s.subject):
            originals.setdefault(key, []).append(s)
        elif s.key not in parent and not s.has_headers:
            target = subject_target(s, originals.get(key, []))
            if target is not None:
                link(s.key, target.key, "subject")

    # One thread per group of messages connected by any of their ids (the partition
    # public-inbox and the store use): a group whose links left several roots keeps its
    # earliest real root, and the other roots (mostly ghosts such as a ticket pseudo-id)
    # hang under it.
    group = _UnionFind()
    for s in msgs:
        for ref in (s.in_reply_to, *s.references):
            if ref:
                group.union(s.message_id, ref)
    for s in msgs:
        group.union(s.message_id, s.message_id)
    for key, target in parent.items():
        group.union(by_key[key].message_id if key in by_key else ghosts[key],
                    by_key[target].message_id if target in by_key else ghosts[target])
    roots_of_group: dict[str, list[str]] = {}
    for key in list(by_key) + list(ghosts):
        if key in parent:
            continue
        mid = by_key[key].message_id if key in by_key else ghosts[key]
        roots_of_group.setdefault(group.find(mid), []).append(key)
    for roots in roots_of_group.values():
        if len(roots) < 2:
            continue
        real = sorted((r for r in roots if r in by_key), key=lambda r: _sort_key(by_key[r]))
        main = real[0] if real else sorted(roots)[0]
        for other in roots:
            if other != main:
                link(other, main, "same-thread")

    # Assemble the trees.
    nodes: dict[str, Node] = {}
    for key, s in by_key.items():
        nodes[key] = Node(key, s.message_id, parent.get(key), rule.get(key), False, s)
    for key, mid in ghosts.items():
        if key in nodes:
            continue
        nodes[key] = Node(key, mid, parent.get(key), rule.get(key), True, None)
    return assemble(nodes)


def assemble(nodes: dict[str, Node]) -> list[Thread]:
    """Threads from linked nodes (each knows its parent): children ordered by date, a ghost
    without children dropped, threads ordered by their first message. `build_threads` ends
    here, and so does reading a stored tree back."""
    children: dict[str, list[str]] = {}
    for key, node in nodes.items():
        if node.parent is not None and node.parent in nodes:
            children.setdefault(node.parent, []).append(key)

    def order(key: str) -> tuple[datetime, str]:
        node = nodes[key]
        if node.summary is not None:
            return _sort_key(node.summary)
        # A ghost sorts by its earliest child.
        kids = children.get(key, [])
        dates = [nodes[k].summary.date for k in kids if nodes[k].summary and nodes[k].summary.date]
        return (min(dates) if dates else EPOCH, key)

    for kids in children.values():
        kids.sort(key=order)
    threads: list[Thread] = []
    for key, node in nodes.items():
        if node.parent is not None and node.parent in nodes:
            continue
        if node.ghost and not children.get(key):
            continue
        thread = Thread(root=key)
        stack = [key]
        while stack:
            cur = stack.pop()
            thread.nodes[cur] = nodes[cur]
            kids = children.get(cur, [])
            if kids:
                thread.children[cur] = kids
            stack.extend(kids)
        threads.append(thread)
    threads.sort(key=lambda t: min((_sort_key(s) for s in t.messages), default=(EPOCH, t.root)))
    return threads


class _UnionFind:
    def __init__(self) -> None:
        self.up: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.up.setdefault(x, x)
        root = x
        while self.up[root] != root:
            root = self.up[root]
        while self.up[x] != root:  # path compression
            self.up[x], x = root, self.up[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.up[max(ra, rb)] = min(ra, rb)
