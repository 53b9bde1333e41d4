"""Fetching threads and searches from lore-style (public-inbox) archives into the store.

A thread is asked for as public-inbox's `t.mbox.gz` (every message of the thread, as the
archive threads them), a single message as `/raw` when the archive has no thread index; a
search is `POST <inbox>?q=...&x=m` (`t=1` for whole threads), the query passed through as
typed. Each download lands in a temporary folder, is decompressed under a cap and checked to
be an mbox before the first message reaches the store, so a failed download leaves the store
as it was. The inbox a thread came from is remembered (a `fetch:<Message-ID>` checkpoint) so
that `update` can later ask that archive for only what is new: a search on the thread's
subject since its newest message (`d:`), or since the last fetch (`rt:`), keeping only
replies that connect to the thread.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from ..collect import RE_MSGID_ARG, RE_SCHEME
from ..config import ConfigError, config_path, config_table
from ..dates import from_iso, iso
from ..errors import FetchError, NotFound, SourceError
from .http import Client, Limits, check_url, gunzip_file, status_phrase
from ..message import Message
from ..sources import Checkpoint, Item, read_stream, sniff
from ..sources.compressed import GZIP_MAGIC
from ..store import ImportResult, Store
from ..threads import subject_key

DEFAULT_BASE = "https://lore.kernel.org/all/"
# public-inbox's mid_escape leaves these unescaped in URLs; "/" becomes %2F.
MID_SAFE = "!$&'()*+,;=:@"
# Trailing parts of a message URL that name a view of the same message or thread.
VIEW_SUFFIXES = frozenset({"raw", "t.mbox.gz", "t.mbox", "t.atom", "T", "t", "f"})
CHECKPOINT_PREFIX = "fetch:"
# A reply's Date may lag the thread's newest message (clock skew, time zones, slow relays).
UPDATE_DATE_MARGIN = timedelta(days=1)
UPDATE_RECEIVED_MARGIN = timedelta(hours=1)
SNIFF_BYTES = 1 << 16
RE_BRACKET_TAG = re.compile(r"\[[^\]]*\]")
RE_WORD = re.compile(r"\w+")


# --- what to fetch ----------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """A thread (by Message-ID) or a search, in the inbox at `inbox` (a URL ending in "/")."""

    inbox: str
    message_id: str | None = None
    query: str | None = None
    threads: bool = False  # a search: whole threads of the results (t=1)

    @property
    def message_url(self) -> str:
        return self.inbox + quote(self.message_id or "", safe=MID_SAFE) + "/"

    @property
    def thread_url(self) -> str:
        return self.message_url + "t.mbox.gz"

    @property
    def raw_url(self) -> str:
        return self.message_url + "raw"

    @property
    def search_url(self) -> str:
        params = {"q": self.query or "", "x": "m"}
        if self.threads:
            params["t"] = "1"
        return self.inbox + "?" + urlencode(params)


def fetch_settings(base: str | None = None) -> tuple[str, Limits]:
    """The archive to ask (option, THREADMINER_BASE, config file, lore) and the client limits
    from the `[fetch]` table of the configuration file."""
    table = config_table("fetch")
    known = {f.name for f in fields(Limits)} | {"base"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{config_path()}: unknown key [fetch] {unknown[0]} "
                          f"(known: {', '.join(sorted(known))})")
    limits = Limits.from_table(table)
    chosen = base or os.environ.get("THREADMINER_BASE") or table.get("base") or DEFAULT_BASE
    if not isinstance(chosen, str):
        raise ConfigError(f"{config_path()}: [fetch] base must be a URL string")
    return normalize_base(chosen), limits


def normalize_base(base: str) -> str:
    """An inbox URL with its trailing slash, without query or fragment."""
    check_url(base)
    parts = urlsplit(base.strip())
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme.lower()}://{parts.netloc}{path}"


def target_for(arg: str, base: str) -> Target:
    """The Target a command-line argument names: a URL, or a Message-ID in the `base` inbox."""
    arg = arg.strip()
    if RE_SCHEME.match(arg) or arg.lower().startswith(("http:", "https:")):
        return parse_url(arg)
    match = RE_MSGID_ARG.match(arg)
    if match:
        return Target(base, message_id=match.group(1))
    raise SourceError(f"{arg}: neither a Message-ID nor an http(s) URL")


def parse_url(url: str) -> Target:
    """The Target of a public-inbox URL: a search (`?q=`), or a message in any of its views
    (`/LIST/ID/`, `/T/`, `/t/`, `/raw`, `/t.mbox.gz`, `/r/ID` ...). Ids are percent-decoded."""
    check_url(url)
    parts = urlsplit(url.strip())
    root = f"{parts.scheme.lower()}://{parts.netloc}"
    query = parse_qs(parts.query, keep_blank_values=True)
    if query.get("q", [""])[0].strip():
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        threads = query.get("t", ["0"])[0] not in ("", "0")
        return Target(root + path, query=query["q"][0], threads=threads)
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[-1] in VIEW_SUFFIXES:
        segments.pop()
    if len(segments) < 2 or "@" not in unquote(segments[-1]):
        raise SourceError(f"{url}: not the URL of a message, thread or search in a public-inbox archive")
    inbox = root + "/" + "/".join(segments[:-1]) + "/"
    return Target(inbox, message_id=unquote(segments[-1]))


# --- downloading --------------------------------------------------------------------------

@dataclass(frozen=True)
class Downloaded:
    """A finished download: the decoded mbox on disk, the gzip as received (if it was one),
    the URL that answered and the inbox it belongs to (after redirects)."""

    url: str
    inbox: str
    mbox: str
    gzip: str | None


class SearchUnavailable(FetchError):
    """The archive answers but has no search index (HTTP 501)."""


def download(client: Client, target: Target, folder: str) -> Downloaded:
    """Download what `target` names into `folder`; raises NotFound when the archive has no
    such message or no search result, FetchError for any other failure."""
    wire = os.path.join(folder, "download")
    if target.query is not None:
        reply = client.fetch("POST", target.search_url, wire)
        if reply.status == 404:
            raise NotFound(f"not found: no message matches {target.query!r} at {target.inbox}")
        if reply.status == 501:
            raise SearchUnavailable(f"{target.inbox}: this archive offers no search")
    else:
        reply = client.fetch("GET", target.thread_url, wire)
        if reply.status in (404, 410, 501):
            # 501: no thread index (an unindexed inbox); the message alone may still be there.
            reply = client.fetch("GET", target.raw_url, wire)
        if reply.status in (404, 410):
            raise NotFound(f"not found: <{target.message_id}> (asked {target.inbox})")
    if reply.status != 200 or reply.path is None:
        raise FetchError(f"{reply.url}: HTTP {reply.status} {status_phrase(reply.status)}".rstrip())
    mbox, packed = wire, None
    with open(wire, "rb") as fh:
        magic = fh.read(2)
    if magic == GZIP_MAGIC:
        mbox, packed = os.path.join(folder, "download.mbox"), wire
        gunzip_file(wire, mbox, client.limits.expansion_cap(os.path.getsize(wire)), reply.url)
    with open(mbox, "rb") as fh:
        kind = sniff(fh.read(SNIFF_BYTES))
    if kind != "mbox":
        what = reply.content_type.split(";")[0] or "no content type"
        raise FetchError(f"{reply.url}: the archive did not send an mbox ({what}, looks like {kind})")
    return Downloaded(reply.url, _inbox_of(reply.url, target), mbox, packed)


def _inbox_of(final_url: str, target: Target) -> str:
    """The inbox URL of the answer (redirects such as lore's /r/ end in the real inbox)."""
    parts = urlsplit(final_url)
    segments = parts.path.split("/")
    if target.query is None:
        # .../INBOX/ID/t.mbox.gz or .../INBOX/ID/raw
        if len(segments) >= 3 and segments[-1] in VIEW_SUFFIXES and "@" in unquote(segments[-2]):
            segments = segments[:-2]
        else:
            return target.inbox
    else:
        segments = segments[:-1]
    return f"{parts.scheme}://{parts.netloc}{'/'.join(segments)}/"


# --- importing ----------------------------------------------------------------------------

@dataclass
class FetchResult:
    """What one fetch (or one thread's update) brought."""

    source: str
    url: str
    messages: int = 0  # messages read from the download
    new_message_ids: list[str] = field(default_factory=list)
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
            write_output(got, output)
            result.output = output
    return result


def write_output(got: Downloaded, path: str) -> None:
    """Write a download to `path` atomically: the mbox, or gzip when `path` ends in .gz."""
    from ..report.files import copy_file_atomic

    if path.endswith(".gz"):
        if got.gzip is not None:
            copy_file_atomic(path, got.gzip)
        else:
            copy_file_atomic(path, got.mbox, gzip_it=True)
    else:
        copy_file_atomic(path, got.mbox)


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


def update_query(subject: str, newest: datetime | None, fetched_at: datetime | None,
                 now: datetime | None = None) -> str | None:
    """The public-inbox search for what may be new in a thread: its subject's words as a
    phrase, dated from a day before its newest message, or received since the last fetch."""
    words = RE_WORD.findall(RE_BRACKET_TAG.sub(" ", subject_key(subject)))
    if not words:
        return None
    now = now or datetime.now(timezone.utc)
    since = min(newest or now, now) - UPDATE_DATE_MARGIN
    dated = f"d:{since:%Y%m%d}.."
    if fetched_at is not None:
        received = int((min(fetched_at, now) - UPDATE_RECEIVED_MARGIN).timestamp())
        dated = f"({dated} OR rt:{received}..)"
    return f's:"{" ".join(words)}" AND {dated}'


def connected_ids(store: Store, thread_id: int, mbox: str, source: str) -> set[str]:
    """Message-IDs in the download that belong to the stored thread: the thread's own, and
    replies that reference it, directly or through other replies in the download."""
    pending: list[tuple[str, tuple[str, ...]]] = []
    with open(mbox, "rb") as fh:
        for item in read_stream(fh, source):
            if isinstance(item, Message):
                pending.append((item.message_id, item.parent_ids))
    inside: set[str] = set()

    def belongs(mid: str) -> bool:
        return mid in inside or store.thread_id_of(mid) == thread_id

    changed = True
    while changed:  # a reply to a new reply may come first (results are newest first)
        changed = False
        for mid, parents in pending:
            if mid not in inside and (belongs(mid) or any(belongs(p) for p in parents)):
                inside.add(mid)
                changed = True
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

def items_for_url(store: Store, url: str, base: str | None = None, offline: bool = False) -> Iterator[Item]:
    """The messages a URL SOURCE names: from the store when its message is already stored
    (the store is the cache), else downloaded."""
    target = parse_url(url)
    if target.message_id is not None and store.has(target.message_id):
        yield from store.thread_messages(store.thread_id_of(target.message_id))
        return
    if offline:
        if target.message_id is not None:
            raise NotFound(f"not found: <{target.message_id}> (not in the store, and --offline is set)")
        raise SourceError(f"{url}: a search needs the network, but --offline is set")
    yield from _fetched_items(store, target)


def items_for_msgid(store: Store, mid: str, base: str | None = None) -> Iterator[Item]:
    """The thread of a Message-ID that is not in the store, downloaded from the archive."""
    base_url, _ = fetch_settings(base)
    yield from _fetched_items(store, Target(base_url, message_id=mid))


def _fetched_items(store: Store, target: Target) -> Iterator[Item]:
    _, limits = fetch_settings(None)
    with _session(None, limits) as (http, folder):
        got = download(http, target, folder)
        yield from _downloaded_items(store, got, FetchResult(target.message_id or "", got.url),
                                     target.message_id)
