"""Lore-style (public-inbox) archives over HTTP: URL forms, downloads, update queries.

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

import os
import re
from dataclasses import dataclass, fields
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from ..config import ConfigError, config_path, config_table
from ..errors import FetchError, NotFound, SourceError
from ..mid import message_id_argument
from ..sources import sniff
from ..sources.compressed import GZIP_MAGIC
from ..threads import subject_key
from .http import Client, Limits, check_url, gunzip_file, status_phrase

DEFAULT_BASE = "https://lore.kernel.org/all/"
# public-inbox's mid_escape leaves these unescaped in URLs; "/" becomes %2F.
MID_SAFE = "!$&'()*+,;=:@"
# Trailing parts of a message URL that name a view of the same message or thread.
VIEW_SUFFIXES = frozenset({"raw", "t.mbox.gz", "t.mbox", "t.atom", "T", "t", "f"})
# A reply's Date may lag the thread's newest message (clock skew, time zones, slow relays).
UPDATE_DATE_MARGIN = timedelta(days=1)
UPDATE_RECEIVED_MARGIN = timedelta(hours=1)
SNIFF_BYTES = 1 << 16
RE_BRACKET_TAG = re.compile(r"\[[^\]]*\]")
RE_WORD = re.compile(r"\w+")
RE_URL = re.compile(r"^https?://", re.I)
RE_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


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
    mid = message_id_argument(arg)
    if mid:
        return Target(base, message_id=mid)
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
            if client.fetch("GET", target.inbox, wire).status == 404:
                raise FetchError(f"{target.inbox}: no such inbox there (HTTP 404); check --base")
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


# --- updating --------------------------------------------------------------------------

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
