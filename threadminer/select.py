"""SOURCE arguments -> a selection of stored messages and threads (the first step of every
command: select -> analyse -> render).

A SOURCE is resolved once. A stored Message-ID (a message, a duplicate's key, or an id
known only from references: a ghost) is looked up, never re-read. A path read before is
recognised (`sources.identity`) and not parsed again; a plain mbox that grew is read from
where it ended; an epoch resumes from its last commit. Anything new is imported into the
store first, which is the cache every analysis works from. URLs and unknown Message-IDs
are downloaded (`sync`) unless `offline`.

A Message-ID names a message; `whole_threads` widens each selected message to its thread.
A SOURCE that cannot be read is reported in `Selection.problems` and the rest goes on, as
grep and cat do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from .errors import NotFound, SourceError, ThreadminerError
from .mid import message_id_argument
from .remote.urls import RE_SCHEME, RE_URL, parse_url
from .sources import Item, parallel, read
from .sources.identity import Identity, digest, identify, pending_commits
from .store import ImportResult, Store


@dataclass(frozen=True)
class Selected:
    """One thing a SOURCE names: a stored message (`key`), or a whole thread (`key` None).
    `asked` is the node the user named: the message's key, or the id of a ghost (a message
    the archive lacks) whose thread stands for it."""

    source: str
    thread_id: int
    key: str | None
    asked: str | None = None


@dataclass
class Selection:
    items: list[Selected] = field(default_factory=list)
    imported: ImportResult = field(default_factory=ImportResult)
    problems: list[ThreadminerError] = field(default_factory=list)

    def threads(self) -> dict[int, str]:
        """Each selected thread with the first SOURCE that named it, in order."""
        out: dict[int, str] = {}
        for item in self.items:
            out.setdefault(item.thread_id, item.source)
        return out

    def by_thread(self) -> dict[int, list[Selected]]:
        out: dict[int, list[Selected]] = {}
        for item in self.items:
            out.setdefault(item.thread_id, []).append(item)
        return out

    @property
    def exit_code(self) -> int:
        """0, or the worst exit code among the problems (2 unreadable, 1 not found)."""
        return max((p.exit_code for p in self.problems), default=0)


Progress = Callable[[int, int | None], Callable[[int], None] | None]


def is_message_id(arg: str) -> bool:
    return message_id_argument(arg) is not None and not os.path.exists(arg)


def needs_store_of_its_own(sources: Iterable[str], offline: bool) -> bool:
    """Whether reading these SOURCEs may have to store mail (so a missing store is made):
    a path, stdin or URL does; Message-IDs with --offline only look up."""
    return any(not (offline and is_message_id(s)) for s in sources)


def select(store: Store, sources: Iterable[str], *, offline: bool = False, base: str | None = None,
           whole_threads: bool = False, progress: Progress | None = None) -> Selection:
    """Resolve every SOURCE (see the module docstring)."""
    selection = Selection()
    for source in sources:
        try:
            keys = _resolve(store, source, selection.imported, offline=offline, base=base, progress=progress)
        except ThreadminerError as exc:
            selection.problems.append(exc)
            continue
        for key in keys:
            _add(store, selection, source, key, whole_threads)
    return selection


def _add(store: Store, selection: Selection, source: str, key: str, whole_threads: bool) -> None:
    found = store.lookup(key)
    if found is None:
        return
    asked = found.key or key
    if whole_threads or found.key is None:
        item = Selected(source, found.thread_id, None, asked if found.key is None or is_named(source) else None)
        if item not in selection.items:
            selection.items.append(item)
        return
    selection.items.append(Selected(source, found.thread_id, found.key, asked))


def is_named(source: str) -> bool:
    """A SOURCE that names one message (a Message-ID, a key, a message URL), not a file."""
    return source != "-" and not os.path.exists(source)


def everything(store: Store) -> Selection:
    """Every stored thread (commands run with no SOURCE, or --all)."""
    return Selection(items=[Selected("", tid, None) for tid in store.thread_ids()])


# --- one SOURCE ---------------------------------------------------------------------------

def _resolve(store: Store, source: str, imported: ImportResult, *, offline: bool, base: str | None,
             progress: Progress | None) -> list[str]:
    """The stored keys a SOURCE names, importing what is new."""
    if source != "-" and not os.path.exists(source) and not RE_SCHEME.match(source):
        # Any id threadminer prints opens: a Message-ID, a ghost's id, a duplicate's key.
        for text in dict.fromkeys((source.strip(), source.strip().strip("<>"))):
            found = store.lookup(text)
            if found is not None:
                imported.messages_seen += 1
                imported.thread_ids.add(found.thread_id)
                return [found.key or text]
    if source != "-" and is_message_id(source):
        mid = message_id_argument(source)
        assert mid is not None
        found = store.lookup(mid)
        if found is not None:
            imported.messages_seen += 1
            return [found.key or mid]
        if offline:
            raise NotFound(f"not found: <{mid}> (not in the store, and --offline is set)")
        return _download(store, mid, imported, base, want=mid)
    if RE_URL.match(source):
        target = parse_url(source)
        if target.message_id is not None:
            found = store.lookup(target.message_id)
            if found is not None:
                imported.messages_seen += 1
                return [found.key or target.message_id]
        if offline:
            if target.message_id is not None:
                raise NotFound(f"not found: <{target.message_id}> (not in the store, and --offline is set)")
            raise SourceError(f"{source}: a search needs the network, but --offline is set")
        return _download(store, source, imported, base, want=target.message_id)
    if RE_SCHEME.match(source):
        raise SourceError(f"{source}: only http and https URLs are fetched")
    return _read_path(store, source, imported, progress)


def _download(store: Store, arg: str, imported: ImportResult, base: str | None, want: str | None) -> list[str]:
    from . import sync

    fetched = sync.fetch(store, arg, base=base)
    imported.merge(fetched.imported)
    if want is not None:
        found = store.lookup(want)
        if found is None:
            raise NotFound(f"not found: <{want}> (the archive's thread does not hold it)")
        return [found.key or want]
    return list(fetched.imported.keys)


def _read_path(store: Store, source: str, imported: ImportResult, progress: Progress | None) -> list[str]:
    ident = identify(source)
    if ident is None:
        if source != "-" and not os.path.exists(source):
            raise SourceError(f"{source}: no such file or directory")
        if source != "-":
            raise SourceError(f"{source}: not a regular file or folder")
        result = _import(store, read("-"), None, progress, None)
        imported.merge(result)
        return list(result.keys)
    known = store.source(ident.path)
    if known is not None:
        source_id, size, mtime_ns, known_digest, complete = known
        if complete and _unchanged(ident, size, mtime_ns, known_digest):
            keys = store.source_keys(source_id)
            imported.messages_seen += len(keys)
            imported.thread_ids |= store.threads_of(keys)
            return keys
        if complete and ident.appendable and ident.size > size and digest(ident, size) == known_digest:
            result = _import(store, _read_from(ident, size), source_id, progress, None)
            store.remember_source(ident.path, ident.size, ident.mtime_ns, digest(ident), True)
            imported.merge(result)
            return store.source_keys(source_id)
        if ident.kind != "inbox":
            store.forget_source_keys(source_id)  # read again from the start
    source_id = store.remember_source(ident.path, ident.size, ident.mtime_ns, "", False)
    checkpoints = store.checkpoints()
    items = parallel.read_parallel(source, checkpoints) if parallel.worth_it(source) else read(source, checkpoints)
    result = _import(store, items, source_id, progress, pending_commits(ident, checkpoints))
    store.remember_source(ident.path, ident.size, ident.mtime_ns, digest(ident), True)
    imported.merge(result)
    return store.source_keys(source_id)


def _unchanged(ident: Identity, size: int, mtime_ns: int, known_digest: str) -> bool:
    if ident.kind == "file":
        return ident.size == size and ident.mtime_ns == mtime_ns
    # Folders and inboxes: their entries or epoch heads decide (cheap next to parsing).
    return digest(ident) == known_digest


def _read_from(ident: Identity, offset: int) -> Iterator[Item]:
    """The messages appended to a plain mbox after `offset` (where the last read ended)."""
    from .sources import read_stream

    with open(ident.path, "rb") as fh:
        fh.seek(offset)
        yield from read_stream(fh, ident.path)


def _import(store: Store, items: Iterable[Item], source_id: int | None, progress: Progress | None,
            total: int | None) -> ImportResult:
    tick = progress(0, total) if progress else None
    return store.add(items, tick, source_id)
