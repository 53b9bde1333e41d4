"""Load the linux-modules epoch once (cached as a pickle in /tmp) and thread it with
threadminer's own reader and threader, so the labels use the tool's notion of a thread.

Used by the reading helpers beside it; not product code.
"""

from __future__ import annotations

import os
import pickle
from datetime import timezone

from threadminer.message import Message
from threadminer.sources import read
from threadminer.threads import Summary, build_threads

EPOCH = os.environ.get("LM_EPOCH", "/work/shared/corpus/public-inbox/linux-modules/0.git")
CACHE = "/tmp/labels-epoch.pickle"


def iso(dt) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else ""


def load():
    """(messages by Message-ID, root Message-ID by Message-ID, threads by root id)."""
    if os.path.exists(CACHE):
        with open(CACHE, "rb") as f:
            return pickle.load(f)
    msgs: dict[str, Message] = {}
    for item in read(EPOCH):
        if isinstance(item, Message) and item.message_id not in msgs:
            msgs[item.message_id] = item.__class__(**{**item.__dict__, "raw": None})
    summaries = [Summary(m.message_id, m.message_id, m.in_reply_to, m.references, m.subject, m.date,
                         m.author.display) for m in msgs.values()]
    root_of: dict[str, str] = {}
    threads: dict[str, list[tuple[str, int]]] = {}
    for t in build_threads(summaries):
        order = []
        for node, depth in t.walk():
            order.append((node.message_id if not node.ghost else "GHOST:" + node.message_id, depth))
            if not node.ghost:
                root_of[node.message_id] = t.nodes[t.root].message_id
        threads[t.nodes[t.root].message_id] = order
    data = (msgs, root_of, threads)
    with open(CACHE, "wb") as f:
        pickle.dump(data, f)
    return data
