"""A polite, careful HTTP client for public mail archives.

Archives such as lore.kernel.org are shared infrastructure run by volunteers, so every
request names threadminer and its version, is paced per host (1 request/s by default; never
for loopback), gives up on dead hosts quickly (connect and read timeouts), and retries only
where the server says it may help (5xx, 429), waiting as long as `Retry-After` asks.
Responses are streamed to a file on disk, never held in memory, under a size cap; gzip is
undone here, not by httpx, so that a gzip bomb meets an expansion cap before it meets the disk.
Only http and https are spoken.
"""

from __future__ import annotations

import contextvars
import ipaddress
import shutil
import threading
import time
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from ..version import __version__
from ..errors import FetchError, SourceError
from ..sources.compressed import GZIP_MAGIC, wrap_stream
from .urls import check_url

PROJECT_URL = "https://pypi.org/project/threadminer/"
USER_AGENT = f"threadminer/{__version__} (+{PROJECT_URL})"

REDIRECTS = frozenset({301, 302, 303, 307, 308})
# 501 and 505 say the server cannot do it at all: asking again would not help.
NOT_RETRIED_5XX = frozenset({501, 505})
CHUNK = 1 << 16
MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """How long to wait, how often to retry, how much to accept."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0  # between two reads of the body, not for the whole download
    # A whole request (connect, headers, body), so that a server trickling a byte every few
    # seconds, never silent for read_timeout, is still given up on; 0 = no limit. 256 MiB
    # in 600 s needs 0.4 MiB/s.
    max_request_seconds: float = 600.0
    retries: int = 3  # further tries after a 5xx or 429
    retry_backoff: float = 1.0  # first wait when the server gives no Retry-After; doubles
    max_retry_after: float = 300.0  # a server asking for a longer pause is not waited for
    max_redirects: int = 10
    max_download_mb: float = 256  # bytes on the wire; lore's largest thread mboxes are tens of MB
    max_expanded_mb: float = 2048  # bytes after gzip; mail compresses 4-10x, a bomb 1000x
    max_expansion_ratio: float = 100  # past 64 MiB, gzip may expand at most this many times
    requests_per_second: float = 1.0  # per host; loopback hosts are never paced

    @classmethod
    def from_table(cls, table: dict, where: str = "[fetch]") -> "Limits":
        """Limits from a configuration table (`[fetch]` of config.toml); other keys are left
        for the caller, unknown keys of ours are the caller's to report."""
        values = {}
        for f in fields(cls):
            if f.name not in table:
                continue
            value = table[f.name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                from ..config import ConfigError

                raise ConfigError(f"{where} {f.name}: must be a number >= 0, not {value!r}")
            values[f.name] = int(value) if f.name in ("retries", "max_redirects") else float(value)
        return cls(**values)

    @property
    def max_download_bytes(self) -> int:
        return int(self.max_download_mb * MIB)

    @property
    def max_expanded_bytes(self) -> int:
        return int(self.max_expanded_mb * MIB)

    def expansion_cap(self, compressed_bytes: int) -> int:
        """How far `compressed_bytes` of gzip may expand: the absolute cap, and no more than
        `max_expansion_ratio` times their size once past 64 MiB, so that a 1 MiB bomb stops
        at 64 MiB instead of writing gigabytes to the temporary folder first."""
        if self.max_expansion_ratio <= 0:
            return self.max_expanded_bytes
        return min(self.max_expanded_bytes, max(64 * MIB, int(compressed_bytes * self.max_expansion_ratio)))


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RateLimiter:
    """Spaces the requests of this process to one host at least 1/rate seconds apart."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str, rate: float) -> float:
        """Sleep until a request to `host` is allowed; returns the seconds slept."""
        if rate <= 0 or is_loopback(host):
            return 0.0
        with self._lock:
            now = self._clock()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + 1.0 / rate
        delay = start - now
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)


RATE_LIMITER = RateLimiter()


@dataclass(frozen=True)
class Reply:
    """The final answer to one request: its URL after redirects, status, and for a 200 the
    body in `path` (Content-Encoding already undone)."""

    url: str
    status: int
    content_type: str
    path: str | None = None


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def is_retried(status: int) -> bool:
    return status == 429 or (500 <= status < 600 and status not in NOT_RETRIED_5XX)


# The moment the request being sent must be done by (time.monotonic()), or None.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("threadminer_http_deadline",
                                                                        default=None)


def _bounded(timeout: float | None) -> float | None:
    """A socket timeout no longer than what is left of the current request's time."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the request took longer than its deadline")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write waits at most until the request's deadline:
    httpx's timeouts are per socket operation, so one byte every few seconds never trips
    them, in the body or in the headers."""

    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):  # type: ignore[no-untyped-def]
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout)))

    def get_extra_info(self, info: str):  # type: ignore[no-untyped-def]
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend):
        self._inner = inner

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):  # type: ignore[no-untyped-def]
        return _DeadlineStream(self._inner.connect_tcp(host, port, _bounded(timeout), local_address, socket_options))

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # type: ignore[no-untyped-def]
        return _DeadlineStream(self._inner.connect_unix_socket(path, _bounded(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _watch_deadlines(client: httpx.Client) -> None:
    """Give the connection pools of `client` (its own and any proxy's) connections that
    honour the request deadline. httpx has no public hook for this: where its internals
    differ, the deadline is still checked between two chunks of a body (`Client._save`)."""
    transports = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, _DeadlineBackend):
            pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]


class Client:
    """An HTTP client for one run. Use as a context manager."""

    def __init__(self, limits: Limits | None = None, *, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, limiter: RateLimiter = RATE_LIMITER):
        self.limits = limits or Limits()
        self._sleep = sleep
        self._limiter = limiter
        timeout = httpx.Timeout(self.limits.read_timeout, connect=self.limits.connect_timeout)
        # gzip is asked for (less to carry for the archive) but decoded by `gunzip_file`,
        # under the expansion cap: httpx would decode it without one.
        self._http = httpx.Client(headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"},
                                  timeout=timeout, follow_redirects=False, transport=transport)
        if transport is None:
            _watch_deadlines(self._http)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def fetch(self, method: str, url: str, dest: str) -> Reply:
        """Send one request (following redirects, retrying 5xx and 429); a 200 body lands in
        `dest`. Other statuses come back as they are, for the caller to judge."""
        tries = self.limits.retries + 1
        for attempt in range(tries):
            reply, wait_hint = self._follow(method, url, dest)
            if not is_retried(reply.status):
                return reply
            if attempt == tries - 1:
                break
            wait = wait_hint if wait_hint is not None else self.limits.retry_backoff * (2 ** attempt)
            if wait > self.limits.max_retry_after:
                raise FetchError(f"{reply.url}: HTTP {reply.status}; the server asks to wait {wait:.0f} s, "
                                 "try again later")
            self._sleep(wait)
        raise FetchError(f"{reply.url}: HTTP {reply.status} {status_phrase(reply.status)}, still after {tries} tries")

    def _follow(self, method: str, url: str, dest: str) -> tuple[Reply, float | None]:
        for _ in range(self.limits.max_redirects + 1):
            check_url(url)
            host = urlsplit(url).hostname or ""
            self._limiter.wait(host, self.limits.requests_per_second)
            seconds = self.limits.max_request_seconds
            token = _DEADLINE.set(time.monotonic() + seconds if seconds > 0 else None)
            try:
                with self._http.stream(method, url) as resp:
                    status = resp.status_code
                    location = resp.headers.get("location")
                    if status in REDIRECTS and location:
                        url = urljoin(str(resp.url), location)
                        if status == 303:
                            method = "GET"
                        # 301/302 keep POST: public-inbox redirects a search to its inbox's
                        # canonical URL and only a POST gets the mbox there.
                        continue
                    content_type = resp.headers.get("content-type", "")
                    if status != 200:
                        return Reply(str(resp.url), status, content_type), retry_after(resp.headers.get("retry-after"))
                    self._save(resp, dest)
                    return Reply(str(resp.url), status, content_type, dest), None
            except httpx.TimeoutException as exc:
                if self._past_deadline():
                    raise FetchError(self._deadline_message(url)) from None
                raise FetchError(f"{url}: timed out {_timeout_phase(exc, self.limits)}") from None
            except httpx.ConnectError as exc:
                raise FetchError(f"{url}: cannot connect ({_first_line(exc) or 'connection failed'})") from None
            except httpx.RemoteProtocolError as exc:
                raise FetchError(f"{url}: the connection broke before the download finished "
                                 f"({_first_line(exc)})") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"{url}: {type(exc).__name__}: {_first_line(exc)}") from None
            except OSError as exc:
                raise FetchError(f"{url}: cannot save the download ({exc.strerror or exc})") from None
            finally:
                _DEADLINE.reset(token)
        raise FetchError(f"{url}: more than {self.limits.max_redirects} redirects")

    def _past_deadline(self) -> bool:
        deadline = _DEADLINE.get()
        return deadline is not None and time.monotonic() >= deadline

    def _deadline_message(self, url: str) -> str:
        return (f"{url}: gave up after {self.limits.max_request_seconds:g} s: the server sends too slowly "
                f"(max_request_seconds in [fetch] of the configuration file sets this limit)")

    def _save(self, resp: httpx.Response, dest: str) -> None:
        """Stream the body to `dest` under the size cap, then undo a gzip Content-Encoding."""
        cap = self.limits.max_download_bytes
        encoding = resp.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip"):
            raise FetchError(f"{resp.url}: unsupported Content-Encoding {encoding!r}")
        length = resp.headers.get("content-length", "")
        if length.isdigit() and int(length) > cap:
            raise FetchError(f"{resp.url}: {int(length) / MIB:.1f} MiB is over the "
                             f"{self.limits.max_download_mb:g} MiB download limit")
        wire = dest + ".wire" if encoding in ("gzip", "x-gzip") else dest
        received = 0
        with open(wire, "wb") as fh:
            for chunk in resp.iter_raw(CHUNK):
                if self._past_deadline():
                    raise FetchError(self._deadline_message(str(resp.url)))
                received += len(chunk)
                if received > cap:
                    raise FetchError(f"{resp.url}: over the {self.limits.max_download_mb:g} MiB download limit")
                fh.write(chunk)
        if wire != dest:
            gunzip_file(wire, dest, self.limits.expansion_cap(received), str(resp.url))


def gunzip_file(src: str, dest: str, limit: int, name: str) -> None:
    """Decompress the gzip file `src` into `dest`, never past `limit` bytes: a truncated,
    corrupt or bomb-like stream raises FetchError (and `dest` is then incomplete)."""
    try:
        with open(src, "rb") as raw:
            if raw.read(2) != GZIP_MAGIC:
                raise FetchError(f"{name}: announced as gzip but is not gzip data")
            raw.seek(0)
            # `limit` already holds the configured ratio cap (Limits.expansion_cap).
            with wrap_stream(raw, name, limit, ratio=None) as stream, open(dest, "wb") as out:
                shutil.copyfileobj(stream, out, CHUNK)
    except FetchError:
        raise
    except SourceError as exc:  # truncated, corrupt, or past the expansion cap
        raise FetchError(str(exc)) from None
    except OSError as exc:
        raise FetchError(f"{name}: cannot decompress ({exc.strerror or exc})") from None


def status_phrase(status: int) -> str:
    try:
        from http import HTTPStatus

        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _timeout_phase(exc: httpx.TimeoutException, limits: Limits) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connecting (no answer within {limits.connect_timeout:g} s)"
    if isinstance(exc, httpx.ReadTimeout):
        return f"waiting for data (nothing for {limits.read_timeout:g} s)"
    return "(the network did not answer)"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""
