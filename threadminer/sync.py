"""Bringing mail from lore-style archives into the store: fetch, update, SOURCE downloads.

`remote.lore` knows the archives' URLs and downloads to a temporary folder; this module
imports a finished download into the store, streaming from the file (so nothing is held in
memory and a failed download leaves the store as it was), and remembers the inbox a thread
came from (a `fetch:<Message-ID>` checkpoint) so that `update` can later ask that archive for
only what is new: a search on the thread's subject since its newest message (`d:`), or since
the last fetch (`rt:`), keeping only replies that connect to the thread.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterator

from .dates import from_iso, iso
from .errors import NotFound, SourceError
from .message import Message
from .remote.http import Client, Limits
from .remote.lore import Downloaded, SearchUnavailable, download, fetch_settings
from .remote.urls import Target, target_for, update_query
from .sources import Checkpoint, Item, read_stream
from .store import ImportResult, Store

CHECKPOINT_PREFIX = "fetch:"


# --- importing ----------------------------------------------------------------------------

@dataclass
class FetchResult:
    """What one fetch (or one thread's update) brought."""

    source: str
    url: str
    messages: int = 0  # messages read from the download
    new_message_ids: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # stored keys of the messages read
    imported: ImportResult = field(default_factory=ImportResult)
    output: str | None = None
    subject: str | None = None  # an update: the subject of the thread asked about

    def as_json(self) -> dict:
        counts = self.imported.as_json()
        return {"source": self.source, "url": self.url, "subject": self.subject, "messages": self.messages,
                "messages_new": counts["messages_new"], "messages_seen": counts["messages_seen"],
                "threads": counts["threads"], "skipped": counts["skipped"],
                "new_message_ids": self.new_message_ids, "output": self.output}


def _downloaded_items(store: Store, got: Downloaded, result: FetchResult, checkpoint_mid: str | None,
                      keep: Callable[[Message], bool] | None = None) -> Iterator[Item]:
    """The messages of a download for `Store.add`, noting in `result` what they are; ends
    with the checkpoint that lets `update` find the archive again (stored in the same
    transaction as the messages)."""
    with open(got.mbox, "rb") as fh:
        for item in read_stream(fh, got.url):
            if isinstance(item, Message):
                if keep is not None and not keep(item):
                    continue
                result.messages += 1
                if not store.has(item.message_id):
                    result.new_message_ids.append(item.message_id)
            yield item
    if checkpoint_mid:
        mark = {"inbox": got.inbox, "fetched_at": iso(datetime.now(timezone.utc))}
        yield Checkpoint(CHECKPOINT_PREFIX + checkpoint_mid, json.dumps(mark, sort_keys=True))


def _import(store: Store, got: Downloaded, source: str, checkpoint_mid: str | None,
            keep: Callable[[Message], bool] | None = None) -> FetchResult:
    result = FetchResult(source, got.url)
    result.imported = store.add(_downloaded_items(store, got, result, checkpoint_mid, keep))
    return result


@contextlib.contextmanager
def _session(client: Client | None, limits: Limits) -> Iterator[tuple[Client, str]]:
    """A client (the caller's, or a new one closed afterwards) and a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="threadminer-fetch-") as folder:
        if client is not None:
            yield client, folder
        else:
            with Client(limits) as own:
                yield own, folder


def fetch(store: Store, arg: str | None = None, *, query: str | None = None, threads: bool = False,
          base: str | None = None, output: str | None = None, client: Client | None = None) -> FetchResult:
    """Download a thread (`arg`: a Message-ID or URL) or a search (`query`) and store it;
    with `output`, also write what was downloaded (an mbox; gzip when it ends in .gz)."""
    base_url, limits = fetch_settings(base)
    if query is not None:
        target = Target(base_url, query=query, threads=threads)
    elif arg:
        target = target_for(arg, base_url)
    else:
        raise SourceError("nothing to fetch: give a Message-ID, a URL or --query")
    with _session(client, limits) as (http, folder):
        got = download(http, target, folder)
        result = _import(store, got, arg or query or "", target.message_id)
        if output:
            write_output(got, output, protect=(store.path,))
            result.output = output
    anchor = target.message_id or next(iter(result.imported.keys), None)
    thread_id = store.thread_id_of(anchor) if anchor else None
    if thread_id is not None:
        result.subject = store.thread_info(thread_id).subject
    return result


def write_output(got: Downloaded, path: str, protect: tuple[str, ...] = ()) -> None:
    """Write a download to `path` atomically: the mbox, or gzip when `path` ends in .gz."""
    from .report.files import copy_file_atomic

    if path.endswith(".gz"):
        if got.gzip is not None:
            copy_file_atomic(path, got.gzip, protect=protect)
        else:
            copy_file_atomic(path, got.mbox, gzip_it=True, protect=protect)
    else:
        copy_file_atomic(path, got.mbox, protect=protect)


# --- updating -----------------------------------------------------------------------------

@dataclass(frozen=True)
class UpdatePlan:
    """One stored thread to update: where it was fetched from and when."""

    thread_id: int
    anchor: str  # a Message-ID of the thread, to fetch the whole thread again if need be
    inbox: str
    fetched_at: datetime | None


def fetch_marks(store: Store) -> dict[str, dict]:
    """The fetch checkpoints: Message-ID asked for -> {"inbox", "fetched_at"}."""
    marks = {}
    for key, position in store.checkpoints().items():
        if key.startswith(CHECKPOINT_PREFIX):
            try:
                marks[key[len(CHECKPOINT_PREFIX):]] = json.loads(position)
            except ValueError:
                continue
    return marks


def update_plans(store: Store, thread: str | None, base: str) -> list[UpdatePlan]:
    """The threads `update` asks about: the one `thread` names, or every fetched thread."""
    marks = fetch_marks(store)
    by_thread: dict[int, UpdatePlan] = {}
    for mid, mark in marks.items():
        thread_id = store.thread_id_of(mid)
        if thread_id is None or not isinstance(mark, dict) or not isinstance(mark.get("inbox"), str):
            continue
        plan = UpdatePlan(thread_id, mid, mark["inbox"], from_iso(mark.get("fetched_at")))
        known = by_thread.get(thread_id)
        if known is None or (plan.fetched_at or datetime.min.replace(tzinfo=timezone.utc)) > \
                (known.fetched_at or datetime.min.replace(tzinfo=timezone.utc)):
            by_thread[thread_id] = plan
    if thread is None:
        if not by_thread:
            raise NotFound("not found: no thread in the store was fetched from an archive; fetch one first")
        return sorted(by_thread.values(), key=lambda p: p.thread_id)
    target = target_for(thread, base)
    if target.message_id is None:
        raise SourceError(f"{thread}: --update takes a thread (a Message-ID or message URL), not a search")
    thread_id = store.thread_id_of(target.message_id)
    if thread_id is None:
        raise NotFound(f"not found: <{target.message_id}> is not in the store; fetch it first")
    if thread_id in by_thread:
        return [by_thread[thread_id]]
    # Stored from a file or a search: ask the archive the argument names (or the default).
    return [UpdatePlan(thread_id, target.message_id, target.inbox, None)]


def connected_ids(store: Store, thread_id: int, mbox: str, source: str) -> set[str]:
    """Message-IDs in the download that belong to the stored thread: the thread's own, and
    replies that reference it, directly or through other replies in the download (in any
    order: search results come newest first). One pass over the replies' links."""
    children: dict[str, list[str]] = {}
    start: list[str] = []
    with open(mbox, "rb") as fh:
        for item in read_stream(fh, source):
            if not isinstance(item, Message):
                continue
            mid = item.message_id
            if store.thread_id_of(mid) == thread_id or any(store.thread_id_of(p) == thread_id
                                                           for p in item.parent_ids[:8]):
                start.append(mid)
            for parent in item.parent_ids:
                children.setdefault(parent, []).append(mid)
    inside: set[str] = set()
    while start:
        mid = start.pop()
        if mid in inside:
            continue
        inside.add(mid)
        start.extend(children.get(mid, ()))
    return inside


def update(store: Store, thread: str | None = None, *, base: str | None = None,
           client: Client | None = None, now: datetime | None = None) -> list[FetchResult]:
    """Ask the archive of each fetched thread (or of `thread`) for what is new, and store
    only the messages that join the thread."""
    base_url, limits = fetch_settings(base)
    plans = update_plans(store, thread, base_url)
    results = []
    with _session(client, limits) as (http, folder):
        for n, plan in enumerate(plans):
            sub = os.path.join(folder, str(n))
            os.mkdir(sub)
            result = _update_one(store, http, plan, sub, now)
            if thread is not None:
                result.source = thread  # JSON records name the argument they came from
            # (the thread may have merged with another: look it up again)
            result.subject = store.thread_info(store.thread_id_of(plan.anchor) or plan.thread_id).subject
            results.append(result)
    return results


def _update_one(store: Store, http: Client, plan: UpdatePlan, folder: str, now: datetime | None) -> FetchResult:
    thread_id = store.thread_id_of(plan.anchor) or plan.thread_id  # an earlier update may have merged it
    info = store.thread_info(thread_id)
    source = plan.anchor
    query = update_query(info.subject, info.last_date, plan.fetched_at, now)
    whole = Target(plan.inbox, message_id=plan.anchor)
    if query is None:
        got = download(http, whole, folder)
        return _import(store, got, source, plan.anchor)
    search = Target(plan.inbox, query=query)
    try:
        got = download(http, search, folder)
    except SearchUnavailable:
        got = download(http, whole, folder)  # no search there: the whole thread again
        return _import(store, got, source, plan.anchor)
    except NotFound:
        result = FetchResult(source, search.search_url)
        _touch_mark(store, plan)
        return result
    keep = connected_ids(store, thread_id, got.mbox, got.url)
    return _import(store, got, source, plan.anchor, keep=lambda msg: msg.message_id in keep)


def _touch_mark(store: Store, plan: UpdatePlan) -> None:
    """Record that the thread was asked about now, though nothing came."""
    mark = {"inbox": plan.inbox, "fetched_at": iso(datetime.now(timezone.utc))}
    store.add([Checkpoint(CHECKPOINT_PREFIX + plan.anchor, json.dumps(mark, sort_keys=True))])


# --- SOURCE arguments of analysis commands (collect.load) ---------------------------------
