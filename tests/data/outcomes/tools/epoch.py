"""Load the linux-modules epoch once (cached as a pickle in /tmp) and thread it with
threadminer's own reader and threader, so the labels use the tool's notion of a thread.

Used by the reading helpers beside it; not product code.
"""

from __future__ import annotations

import os
import pickle
import re
from datetime import timezone

from threadminer.message import Message
from threadminer.sources import read
from threadminer.threads import Summary, build_threads

CORPUS = os.environ.get("THREADMINER_SHARED", "/work/shared") + "/corpus"
# The held-out corpora (HELDOUT.md), chosen with LM_CORPUS=<name>; the default stays the
# linux-modules epoch, and LM_EPOCH=<path> still picks any other source.
HELDOUT = {
    "ksummit": CORPUS + "/public-inbox/ksummit/0.git",
    "notmuch-lkml": CORPUS + "/notmuch-lkml",
    "seed-thread": CORPUS + "/seed-thread/thread.mbox",
    "wayland": CORPUS + "/emailthreads-wayland",
    "fedora": CORPUS + "/fedora-devel-2010-01/2010-January.txt.gz",
}
EPOCH = os.environ.get("LM_EPOCH") or HELDOUT.get(os.environ.get("LM_CORPUS", ""),
                                                  CORPUS + "/public-inbox/linux-modules/0.git")


def cache_for(path: str) -> str:
    """One cache per source, so reading two corpora in turn never mixes them."""
    if path.endswith("/linux-modules/0.git"):
        return "/tmp/labels-epoch.pickle"
    return "/tmp/labels-epoch-" + re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") + ".pickle"


CACHE = cache_for(EPOCH)


def iso(dt) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else ""


def load(path: str | None = None):
    """(messages by Message-ID, root Message-ID by Message-ID, threads by root id) of the
    epoch, or of the source at `path` (a held-out corpus)."""
    path = path or EPOCH
    cache = cache_for(path)
    if os.path.exists(cache):
        with open(cache, "rb") as f:
            return pickle.load(f)
    msgs: dict[str, Message] = {}
    for item in read(path):
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
    with open(cache, "wb") as f:
        pickle.dump(data, f)
    return data
