"""Turn SOURCE arguments (paths, "-", URLs, Message-IDs) into stored messages.

Every command goes through `load`: local sources are read and imported into the store (the
store is the cache every analysis works from), URLs and unknown Message-IDs are fetched from a
lore-style archive unless `offline` is set. The result names each message read by its store
key, so analyses can load it back one at a time instead of holding an archive in memory.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

from .errors import NotFound, SourceError
from .message import Message
from .sources import Item, parallel, read
from .store import ImportResult, Store

RE_URL = re.compile(r"^https?://", re.I)
RE_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)
# A Message-ID given on the command line: local@domain, optionally in angle brackets.
RE_MSGID_ARG = re.compile(r"^<?([^\s<>/@]+(?:/[^\s<>/@]+)*@[^\s<>@/]+)>?$")


@dataclass(frozen=True)
class Loaded:
    """One message a SOURCE held: its store key, and the message as read when it was a page
    copy (no Message-ID of its own) whose analyses must run on the text the user gave."""

    source: str
    key: str
    page: Message | None = None


@dataclass
class LoadResult:
    loaded: list[Loaded] = field(default_factory=list)
    imported: ImportResult = field(default_factory=ImportResult)

    @property
    def thread_ids(self) -> set[int]:
        return self.imported.thread_ids


def looks_like_msgid(arg: str) -> bool:
    return RE_MSGID_ARG.match(arg) is not None and not os.path.exists(arg)


def load(store: Store, sources: list[str], *, offline: bool = False, base: str | None = None,
         resume: bool = False, progress: Callable[[int], None] | None = None) -> LoadResult:
    """Import every SOURCE into `store` and list the messages each held."""
    result = LoadResult()
    for source in sources:
        stored = _stored_message_id(store, source)
        if stored is not None:
            # The store is the cache: a stored message stands for its whole thread, which is
            # listed as it is, neither decoded nor imported again.
            thread_id = store.thread_id_of(stored)
            keys = store.thread_keys(thread_id) if thread_id is not None else []
            result.imported.messages_seen += len(keys)
            result.imported.keys.extend(keys)
            result.imported.thread_ids.add(thread_id)
            result.loaded.extend(Loaded(source, key) for key in keys)
            continue
        pages: dict[int, Message] = {}
        items = _items(store, source, offline=offline, base=base, resume=resume)
        if RE_URL.match(source) or (source != "-" and looks_like_msgid(source)):
            # Download completely before the store's write lock is taken: a slow archive must
            # not keep other threadminer processes waiting (a thread is small; searches are
            # capped by the fetch limits).
            items = iter(list(items))
        imported = store.add(_watch_pages(items, pages, store), progress)
        _accumulate(result.imported, imported)
        for index, key in enumerate(imported.keys):
            result.loaded.append(Loaded(source, key, pages.get(index)))
    return result


def _watch_pages(items: Iterator[Item], pages: dict[int, Message], store: Store) -> Iterator[Item]:
    """Pass items through, remembering page copies (they are few and small) by position."""
    count = 0
    for item in items:
        if isinstance(item, Message):
            if item.id_derived:
                pages[count] = item
            count += 1
        yield item


def _accumulate(total: ImportResult, part: ImportResult) -> None:
    total.messages_new += part.messages_new
    total.messages_seen += part.messages_seen
    total.skipped.extend(part.skipped)
    total.thread_ids |= part.thread_ids
    total.keys.extend(part.keys)


def _items(store: Store, source: str, *, offline: bool, base: str | None, resume: bool) -> Iterator[Item]:
    if RE_URL.match(source):
        from .remote import lore

        # A message URL whose message is stored is read from the store, --offline or not.
        yield from lore.items_for_url(store, source, base=base, offline=offline)
        return
    if RE_SCHEME.match(source):
        raise SourceError(f"{source}: only http and https URLs are fetched")
    if source != "-" and not os.path.exists(source) and looks_like_msgid(source):
        mid = RE_MSGID_ARG.match(source).group(1)  # type: ignore[union-attr]
        if offline:
            raise NotFound(f"not found: <{mid}>")
        from .remote import lore

        yield from lore.items_for_msgid(store, mid, base=base)
        return
    checkpoints = store.checkpoints() if resume else None
    if parallel.worth_it(source):
        yield from parallel.read_parallel(source, checkpoints)
    else:
        yield from read(source, checkpoints)


def _stored_message_id(store: Store, source: str) -> str | None:
    """The Message-ID a SOURCE names when that message is stored: a Message-ID argument, or
    a URL of a message (not a search)."""
    if RE_URL.match(source):
        from .remote.lore import parse_url

        try:
            mid = parse_url(source).message_id
        except SourceError:
            return None  # the fetch path reports the bad URL
    elif source != "-" and looks_like_msgid(source):
        mid = RE_MSGID_ARG.match(source).group(1)  # type: ignore[union-attr]
    else:
        return None
    return mid if mid is not None and store.has(mid) else None


def messages(store: Store, result: LoadResult) -> Iterator[tuple[Loaded, Message]]:
    """Each loaded message, decoded (page copies as the page gave them, under the Message-ID
    of the stored message they copy)."""
    for loaded in result.loaded:
        if loaded.page is not None:
            msg = loaded.page
            if loaded.key != msg.message_id:
                real = loaded.key.split("#", 1)[0]
                msg = replace(msg, message_id=real)
            yield loaded, msg
        else:
            yield loaded, store.message(loaded.key)

