"""Ghost messages rebuilt from quotes: quote trees of stored messages fill the store's
`quoted_ghosts` table, so `show` and the reports can name a missing message's author and date.

A thread's tree already has ghost nodes for referenced messages that are not in the archive
(`threads.build_threads`). Their text often survives as a quote in the replies to them: the
reply's depth-1 voice is the ghost, with the author and date its attribution line gives.
"""

from __future__ import annotations

from .analysis.quotes import ThreadContext, ghost_voices, parse
from .store import QuotedGhost, Store
from .threads import Thread


def record(store: Store, key: str, thread_id: int, context: ThreadContext, msg=None):
    """Parse the stored message `key` (or `msg`, a copy of it) with its thread and record
    its ghost voices; returns the quote tree."""
    msg = msg if msg is not None else store.message(key)
    tree = parse(msg, context)
    store.replace_quoted_ghosts(key, thread_id, ghost_voices(tree, context))
    return tree


def thread_ghosts(store: Store, thread_id: int, thread: Thread) -> dict[str, QuotedGhost]:
    """What quotes tell of each ghost node of `thread`, by Message-ID. Replies to a ghost
    that no earlier run parsed are parsed now (only those: the rest of the thread is not)."""
    found: dict[str, QuotedGhost] = {}
    missing = []
    for node in thread.ghosts:
        ghost = store.quoted_ghost(node.message_id)
        if ghost is not None:
            found[node.message_id] = ghost
        else:
            missing.append(node)
    if not missing:
        return found
    context = ThreadContext.from_store(store, thread_id)
    for node in missing:
        for child in thread.children.get(node.key, []):
            child_node = thread.nodes[child]
            if child_node.ghost:
                continue
            record(store, child_node.key, thread_id, context)
        ghost = store.quoted_ghost(node.message_id)
        if ghost is not None:
            found[node.message_id] = ghost
    return found


def iter_quote_trees(store: Store, result, contexts_kept: int = 16):
    """(source, quote tree, context) for every message a `collect.load` result names, each
    parsed with its thread and its ghost voices recorded. Thread contexts are built once
    and the last few kept, so a thread's messages share one."""
    from collections import OrderedDict

    from .collect import messages

    contexts: OrderedDict[int, ThreadContext] = OrderedDict()
    for loaded, msg in messages(store, result):
        thread_id = store.thread_id_of(loaded.key)
        if thread_id is None:
            yield loaded.source, parse(msg), None
            continue
        context = contexts.pop(thread_id, None) or ThreadContext.from_store(store, thread_id)
        contexts[thread_id] = context
        while len(contexts) > contexts_kept:
            contexts.popitem(last=False)
        yield loaded.source, record(store, loaded.key, thread_id, context, msg), context
