"""Downloads from lore-style (public-inbox) archives (what the URLs name: `urls.py`).

A thread is asked for as public-inbox's `t.mbox.gz` (every message of the thread, as the
archive threads them), a single message as `/raw` when the archive has no thread index; a
search is `POST <inbox>?q=...&x=m` (`t=1` for whole threads), the query passed through as
typed. Each download lands in a temporary folder, is decompressed under a cap and checked to
be an mbox before the first message reaches the store, so a failed download leaves the store
as it was (`sync.py` brings a finished download into the store).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from urllib.parse import unquote, urlsplit

from ..config import ConfigError, config_path, config_table
from ..errors import FetchError, NotFound
from ..sources import sniff
from ..sources.compressed import GZIP_MAGIC
from .http import Client, Limits, gunzip_file, status_phrase
from .urls import DEFAULT_BASE, VIEW_SUFFIXES, Target, normalize_base

SNIFF_BYTES = 1 << 16


# --- what to fetch ----------------------------------------------------------------------

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
