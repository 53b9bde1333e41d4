"""Lore-style (public-inbox) archive URLs: what a URL or a Message-ID argument names, and the
search that asks an archive for what is new in a thread. No network here (see `lore.py`).

Every URL form public-inbox serves is understood: a message (`/LIST/ID/`), its thread views
(`/T/`, `/t/`, `t.mbox.gz`), its raw form (`/raw`), lore's short links (`/r/ID`, `/all/ID`)
and searches (`?q=...`, `t=1` for whole threads); ids are percent-decoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from ..errors import SourceError
from ..mid import message_id_argument
from ..threads import subject_key

DEFAULT_BASE = "https://lore.kernel.org/all/"
# public-inbox's mid_escape leaves these unescaped in URLs; "/" becomes %2F.
MID_SAFE = "!$&'()*+,;=:@"
# Trailing parts of a message URL that name a view of the same message or thread.
VIEW_SUFFIXES = frozenset({"raw", "t.mbox.gz", "t.mbox", "t.atom", "T", "t", "f"})
# A reply's Date may lag the thread's newest message (clock skew, time zones, slow relays).
UPDATE_DATE_MARGIN = timedelta(days=1)
UPDATE_RECEIVED_MARGIN = timedelta(hours=1)
RE_BRACKET_TAG = re.compile(r"\[[^\]]*\]")
RE_WORD = re.compile(r"\w+")
RE_URL = re.compile(r"^https?://", re.I)
RE_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


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


def check_url(url: str) -> None:
    """Refuse anything but an absolute http(s) URL (file://, ftp://, data:, ...)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise SourceError(f"{url}: only http and https URLs are fetched")
    if not parts.hostname:
        raise SourceError(f"{url}: no host in this URL")



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
