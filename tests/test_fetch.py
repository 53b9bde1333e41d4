"""`threadminer fetch` against a real public-inbox server (Debian's, the code lore.kernel.org
runs) serving the seed thread on loopback, and its failure paths against the same server or a
small scripted stub (refused connection, timeout, 5xx/429, truncated gzip, gzip bomb)."""

from __future__ import annotations

import gzip
import http.server
import io
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import pytest

from threadminer import __version__
from threadminer.remote.http import RateLimiter, USER_AGENT, retry_after
from threadminer.remote.urls import Target, parse_url, target_for, update_query
from threadminer.message import Message
from threadminer.sources import read
from threadminer.store import Store

from .conftest import corpus_path
from .public_inbox_server import (add_message, public_inbox_server, reload_server, skip_without_public_inbox,
                                 split_mboxrd)

SEED_MID = "20221019234256.GR2703033@dread.disaster.area"  # Dave Chinner, 19 Oct 2022
SLASH_MID = "Y1mPPq6mc/C7pNhM@casper.infradead.org"  # Matthew Wilcox, 26 Oct 2022: a '/' in the id
LAST_MID = "CAGWkznEsREG3Ok8zDwPkqJoHGv6_0f3KX1um-zL_VH=2EkOu9Q@mail.gmail.com"  # the 2024 reply

# lore.kernel.org's front end redirects /r/ID (and, here, /all/ID: on lore an extindex of
# every list) to the inbox holding the message; public-inbox itself does not, so the test
# server wraps public-inbox's own WWW app in the same redirects.
LORE_PSGI = r"""
use v5.12;
use PublicInbox::WWW;
my $www = PublicInbox::WWW->new;
$www->preload;
sub {
	my ($env) = @_;
	my $uri = $env->{REQUEST_URI} // '';
	if ($uri =~ m!\A/(?:r|all)/(.*)\z!s) {
		my $loc = "http://$env->{HTTP_HOST}/test/$1";
		return [301, ['Location', $loc, 'Content-Type', 'text/plain'], ["Redirecting to $loc\n"]];
	}
	$www->call($env);
};
"""


# --- helpers --------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def own_config(tmp_path, monkeypatch):
    """No user configuration or THREADMINER_BASE leaks into a test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("THREADMINER_CONFIG", raising=False)
    monkeypatch.delenv("THREADMINER_BASE", raising=False)


def write_config(tmp_path: Path, **fetch) -> None:
    folder = tmp_path / "config" / "threadminer"
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["[fetch]"] + [f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}" for k, v in fetch.items()]
    (folder / "config.toml").write_text("\n".join(lines) + "\n")


def source_messages(path: Path) -> dict[str, Message]:
    return {m.message_id: m for m in read(str(path)) if isinstance(m, Message)}


def stored_messages(db: str) -> dict[str, Message]:
    with Store(db) as store:
        out = {}
        for thread_id in store.thread_ids():
            for msg in store.thread_messages(thread_id):
                out[msg.message_id] = msg
        return out


def snapshot(db: str):
    """Everything a failed fetch must not change."""
    with Store(db) as store:
        keys = sorted(r[0] for r in store.db.execute("SELECT key FROM messages"))
        return store.counts(), keys, store.checkpoints()


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and "Traceback" not in result.output
    return lines[0]


def write_mboxrd(raws: list[bytes], path: Path) -> None:
    with open(path, "wb") as fh:
        for raw in raws:
            body = b"".join((b">" + line if line.lstrip(b">").startswith(b"From ") else line)
                            for line in raw.splitlines(keepends=True))
            fh.write(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + body.rstrip(b"\n") + b"\n\n")


@dataclass
class Lore:
    base: str  # the inbox: http://127.0.0.1:N/test/
    root: str  # http://127.0.0.1:N
    inbox: Path


@pytest.fixture(scope="module")
def lore(tmp_path_factory):
    """The seed thread served by public-inbox-httpd behind lore's redirects."""
    skip_without_public_inbox()
    mbox = corpus_path("seed-thread", "thread.mbox")
    work = tmp_path_factory.mktemp("lore")
    psgi = work / "lore.psgi"
    psgi.write_text(LORE_PSGI)
    with public_inbox_server(mbox, work / "server", psgi) as (base, inbox):
        yield Lore(base, base[: -len("test/")].rstrip("/"), inbox)


@pytest.fixture(scope="module")
def seed() -> dict[str, Message]:
    return source_messages(corpus_path("seed-thread", "thread.mbox"))


# --- a scripted stub server, for what a healthy public-inbox never does ------------------------

@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    cut_at: int | None = None  # close the connection after this many body bytes


class Stub:
    """An HTTP server on loopback answering each request with the next scripted Answer (the
    last one repeats) and recording what it was asked."""

    def __init__(self, answers: list[Answer]):
        self.answers = answers
        self.requests: list[tuple[str, str, dict, float]] = []
        self.stopping = threading.Event()
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self):
                stub.requests.append((self.command, self.path, dict(self.headers), time.monotonic()))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                answer = stub.answers[min(len(stub.requests), len(stub.answers)) - 1]
                if answer.delay:
                    stub.stopping.wait(answer.delay)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(answer.body[: answer.cut_at])
                self.close_connection = True

            do_GET = do_POST = _answer

            def log_message(self, *args):  # keep test output clean
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # the client hung up first: what the timeout tests want

        self.server = Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/test/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> "Stub":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def seed_gzip() -> bytes:
    """The seed thread as a gzip mbox, as public-inbox's t.mbox.gz carries it."""
    return gzip.compress(corpus_path("seed-thread", "thread.mbox").read_bytes())


def gzip_bomb(head: bytes, expanded: int) -> bytes:
    """A gzip stream that starts as a real mbox and expands to `expanded` bytes of zeros after
    it: what a hostile or broken mirror could serve as t.mbox.gz (ratio about 1000:1)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = io.BytesIO()
    out.write(packer.compress(head))
    zeros = bytes(1 << 20)
    for _ in range(expanded >> 20):
        out.write(packer.compress(zeros))
    out.write(packer.flush())
    return out.getvalue()


# --- pure parts -------------------------------------------------------------------------------

@pytest.mark.parametrize("url, inbox, mid", [
    ("https://lore.kernel.org/linux-mm/Y1mPPq6mc%2FC7pNhM@casper.infradead.org/",
     "https://lore.kernel.org/linux-mm/", SLASH_MID),
    (f"https://lore.kernel.org/all/{SEED_MID}/T/#u", "https://lore.kernel.org/all/", SEED_MID),
    (f"https://lore.kernel.org/all/{SEED_MID}/t/", "https://lore.kernel.org/all/", SEED_MID),
    (f"https://lore.kernel.org/all/{SEED_MID}/raw", "https://lore.kernel.org/all/", SEED_MID),
    (f"https://lore.kernel.org/all/{SEED_MID}/t.mbox.gz", "https://lore.kernel.org/all/", SEED_MID),
    (f"https://lore.kernel.org/r/{SEED_MID}", "https://lore.kernel.org/r/", SEED_MID),
    (f"HTTPS://lore.kernel.org/lkml/{SEED_MID}", "https://lore.kernel.org/lkml/", SEED_MID),
    (f"https://example.org/lists/fsdevel/{SEED_MID}/#r", "https://example.org/lists/fsdevel/", SEED_MID),
])
def test_message_url_forms(url, inbox, mid):
    target = parse_url(url)
    assert (target.inbox, target.message_id, target.query) == (inbox, mid, None)


def test_urls_quote_message_ids_as_public_inbox_does():
    target = Target("https://lore.kernel.org/all/", message_id=SLASH_MID)
    assert target.thread_url == "https://lore.kernel.org/all/Y1mPPq6mc%2FC7pNhM@casper.infradead.org/t.mbox.gz"
    gmail = Target("https://lore.kernel.org/all/", message_id=LAST_MID)
    assert gmail.raw_url.endswith(f"/{LAST_MID}/raw")  # '=', '-', '_' stay as they are


def test_search_urls_pass_the_query_through():
    target = parse_url("https://lore.kernel.org/all/?q=s%3A%22zombie+page%22+f%3Awilly&t=1")
    assert (target.inbox, target.query, target.threads) == ("https://lore.kernel.org/all/",
                                                            's:"zombie page" f:willy', True)
    assert Target(target.inbox, query='dfn:mm/filemap.c AND d:2022-10-01..', threads=True).search_url == \
        "https://lore.kernel.org/all/?q=dfn%3Amm%2Ffilemap.c+AND+d%3A2022-10-01..&x=m&t=1"


def test_message_ids_with_and_without_brackets():
    base = "https://lore.kernel.org/all/"
    assert target_for(f"<{SEED_MID}>", base) == target_for(SEED_MID, base) == Target(base, message_id=SEED_MID)


@pytest.mark.parametrize("url", ["https://lore.kernel.org/linux-mm/", "https://lore.kernel.org/",
                                 "https://lore.kernel.org/linux-mm/new.atom"])
def test_urls_that_name_no_message_are_refused(cli, url):
    result = cli("fetch", url)
    assert result.exit_code == 2
    assert "not the URL of a message" in one_error_line(result)


def test_update_query_asks_for_the_thread_since_its_newest_message():
    newest = datetime(2022, 11, 1, 7, 17, 21, tzinfo=timezone.utc)
    fetched = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    query = update_query("Re: [RFC PATCH] mm: move xa forward when run across zombie page", newest, fetched,
                         now=datetime(2024, 6, 1, tzinfo=timezone.utc))
    assert query == ('s:"mm move xa forward when run across zombie page" AND '
                     f'(d:20221031.. OR rt:{int(fetched.timestamp()) - 3600}..)')


def test_rate_limit_is_per_host_and_skips_loopback():
    now = [100.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(clock=lambda: now[0], sleep=sleep)
    assert limiter.wait("lore.kernel.org", 1.0) == 0
    assert limiter.wait("lore.kernel.org", 1.0) == pytest.approx(1.0)
    assert limiter.wait("lore.kernel.org", 1.0) == pytest.approx(1.0)
    assert limiter.wait("public-inbox.org", 1.0) == 0  # another host has its own pace
    assert [limiter.wait(h, 1.0) for h in ("127.0.0.1", "localhost", "::1", "127.0.0.1")] == [0, 0, 0, 0]
    assert slept == pytest.approx([1.0, 1.0])


def test_retry_after_in_seconds_and_as_a_date():
    now = datetime(2024, 4, 11, 7, 0, 0, tzinfo=timezone.utc)
    assert retry_after("120", now) == 120
    assert retry_after("Thu, 11 Apr 2024 07:00:30 GMT", now) == 30
    assert retry_after("soon", now) is None


# --- against the real server ------------------------------------------------------------------

def test_fetch_by_message_id_gives_the_source_thread(cli, lore, seed, tmp_path):
    out = tmp_path / "thread.mbox"
    record = cli.json("fetch", SEED_MID, "--base", lore.base, "-o", str(out), "--json")
    assert record["url"] == f"{lore.base}{SEED_MID}/t.mbox.gz"
    assert (record["messages"], record["messages_new"], record["threads"]) == (27, 27, 1)
    stored = stored_messages(cli.db)
    assert set(stored) == set(seed)
    for mid, msg in seed.items():
        assert stored[mid].body == msg.body, mid
        assert stored[mid].author == msg.author and stored[mid].date == msg.date
    # -o holds the same messages, and the thread is not fetched twice.
    assert set(source_messages(out)) == set(seed)
    again = cli.json("fetch", f"<{SEED_MID}>", "--base", lore.base, "--json")
    assert (again["messages_new"], again["messages_seen"], again["new_message_ids"]) == (0, 27, [])


def url_forms(lore: Lore) -> dict[str, str]:
    mid = quote(SEED_MID, safe="@")
    return {
        "message page": f"{lore.base}{mid}/",
        "no trailing slash": f"{lore.base}{mid}",
        "thread /T/": f"{lore.base}{mid}/T/#u",
        "thread /t/": f"{lore.base}{mid}/t/",
        "raw": f"{lore.base}{mid}/raw",
        "t.mbox.gz": f"{lore.base}{mid}/t.mbox.gz",
        "lore /r/": f"{lore.root}/r/{mid}",
        "lore /all/": f"{lore.root}/all/{mid}/",
        "id with %2F": f"{lore.base}{quote(SLASH_MID, safe='@')}/T/",
        "/r/ with %2F": f"{lore.root}/r/{quote(SLASH_MID, safe='@')}",
    }


FORMS = ["message page", "no trailing slash", "thread /T/", "thread /t/", "raw", "t.mbox.gz", "lore /r/",
         "lore /all/", "id with %2F", "/r/ with %2F"]


@pytest.mark.parametrize("form", FORMS)
def test_fetch_by_every_url_form(cli, lore, seed, form):
    url = url_forms(lore)[form]
    record = cli.json("fetch", url, "--json")
    assert record["messages_new"] == 27, record
    assert record["url"].startswith(lore.base) and record["url"].endswith("/t.mbox.gz")  # redirects followed
    assert set(stored_messages(cli.db)) == set(seed)


def test_default_base_and_the_environment(cli, lore, seed, monkeypatch):
    # THREADMINER_BASE names the archive; here lore's /all/ (redirected to the inbox).
    monkeypatch.setenv("THREADMINER_BASE", f"{lore.root}/all/")
    record = cli.json("fetch", SLASH_MID, "--json")
    assert record["messages_new"] == 27 and record["url"].startswith(lore.base)


def test_base_from_the_config_file(cli, lore, seed, tmp_path):
    write_config(tmp_path, base=lore.base)
    record = cli.json("fetch", SEED_MID, "--json")
    assert record["messages_new"] == 27


def test_analysis_commands_fetch_message_ids_and_urls(cli, lore, seed):
    threads = cli.json("threads", f"{lore.root}/r/{SEED_MID}", "--json")
    assert len(threads) == 1 and set(threads[0]["message_ids"]) == set(seed)
    # Now stored: the Message-ID and the URL are served from the store, even --offline.
    assert cli.json("threads", SEED_MID, "--offline", "--json")[0]["messages"] == 27
    assert cli.json("threads", f"{lore.base}{quote(SLASH_MID, safe='@')}/T/", "--offline",
                    "--json")[0]["messages"] == 27


def test_search_results_only(cli, lore, seed):
    record = cli.json("fetch", "--query", "f:david@fromorbit.com", "--base", lore.base, "--json")
    expected = {mid for mid, m in seed.items() if m.author.email == "david@fromorbit.com"}
    assert len(expected) == 8
    assert set(record["new_message_ids"]) == expected and record["messages"] == 8


def test_search_with_a_phrase_and_whole_threads(cli, lore, seed):
    # Quotes, spaces, ':' and '@' reach the archive untouched: one message matches ...
    query = 's:"move xa forward" AND f:bfoster@redhat.com'
    only = cli.json("fetch", "--query", query, "--base", lore.base, "--json")
    assert only["new_message_ids"] == ["Y0/kZbIvMgkNhWpM@bfoster"]
    # ... and t=1 brings its whole thread.
    whole = cli.json("fetch", "--query", query, "--threads", "--base", lore.base, "--json")
    assert whole["messages"] == 27 and len(whole["new_message_ids"]) == 26


def test_search_follows_a_redirect_as_a_post(cli, lore):
    # lore's /all/ answers here with a 301 to the inbox: the search must stay a POST there,
    # or public-inbox would send its HTML search page instead of the mbox.
    record = cli.json("fetch", "--query", "f:bfoster@redhat.com", "--base", f"{lore.root}/all/", "--json")
    assert record["new_message_ids"] == ["Y0/kZbIvMgkNhWpM@bfoster"] and record["url"].startswith(lore.base)


def test_search_url_as_source(cli, lore, seed):
    url = f"{lore.base}?q=f%3Abfoster%40redhat.com"
    threads = cli.json("threads", url, "--json")
    assert [t["messages"] for t in threads] == [1]


def test_search_without_results_is_not_found(cli, lore):
    result = cli("fetch", "--query", "s:nosuchsubjectword", "--base", lore.base)
    assert result.exit_code == 1
    assert "not found: no message matches" in one_error_line(result)


def test_fetch_json_names_the_subject_and_import_of_a_raw_url_counts_one_message(cli, lore):
    record = cli.json("fetch", SEED_MID, "--base", lore.base, "--json")
    assert record["subject"] == "[RFC PATCH] mm: move xa forward when run across zombie page"
    counts = cli.json("import", "--json", f"{lore.base}{SEED_MID}/raw")
    assert (counts["messages_new"], counts["messages_seen"]) == (0, 1)


def test_a_wrong_inbox_is_named(cli, lore):
    wrong = f"{lore.root}/no-such-list/"
    result = cli("fetch", SEED_MID, "--base", wrong)
    assert result.exit_code == 2
    assert f"{wrong}: no such inbox there" in one_error_line(result)


def test_unknown_message_id_is_exit_1(cli, lore):
    result = cli("fetch", "no-such-message@example.org", "--base", lore.base)
    assert result.exit_code == 1
    assert "not found: <no-such-message@example.org>" in one_error_line(result)
    result = cli("show", f"{lore.base}no-such-message@example.org/T/")
    assert result.exit_code == 1
    assert "not found: <no-such-message@example.org>" in one_error_line(result)
    assert snapshot(cli.db)[0]["messages"] == 0


def searchable(base: str, inbox: Path, mid: str) -> None:
    """Wait until the server's search finds `mid` (after a reload; a few tries at most)."""
    import httpx

    reload_server(inbox)
    for _ in range(100):
        if httpx.post(base, params={"q": f"mid:{mid}", "x": "m"}).status_code == 200:
            return
        time.sleep(0.05)
    raise AssertionError(f"the server's search never found <{mid}>")


def test_update_adds_only_the_new_reply(cli, tmp_path, seed):
    """The archive first holds messages 01-26 (Oct-Nov 2022); then Zhaoyang Huang's reply of
    11 Apr 2024 arrives through public-inbox-mda, as list mail does."""
    skip_without_public_inbox()
    raws = split_mboxrd(corpus_path("seed-thread", "thread.mbox"))
    last = next(raw for raw in raws if f"<{LAST_MID}>".encode() in raw.split(b"\n\n", 1)[0])
    older = tmp_path / "older.mbox"
    write_mboxrd([raw for raw in raws if raw is not last], older)
    with public_inbox_server(older, tmp_path / "server") as (base, inbox):
        first = cli.json("fetch", SEED_MID, "--base", base, "--json")
        assert first["messages_new"] == 26
        nothing = cli.json("fetch", "--update", "--json")
        assert [r["messages_new"] for r in nothing] == [0]
        add_message(inbox, last)
        searchable(base, inbox, LAST_MID)
        [update] = cli.json("fetch", "--update", "--json")
        assert update["new_message_ids"] == [LAST_MID] and update["messages_new"] == 1
        # Only what is new was asked for: a dated search, not the 26 stored messages again.
        assert "d%3A2022" in update["url"] and update["messages"] < 26
        assert set(stored_messages(cli.db)) == set(seed)
        with Store(cli.db) as store:
            assert store.thread_info(store.thread_id_of(SEED_MID)).messages == 27
        # Naming the thread works too, and then there is nothing more.
        [again] = cli.json("fetch", "--update", f"<{LAST_MID}>", "--json")
        assert again["messages_new"] == 0


def test_update_needs_a_fetched_thread(cli):
    result = cli("fetch", "--update")
    assert result.exit_code == 1 and "no thread in the store was fetched" in one_error_line(result)


# --- failure paths ----------------------------------------------------------------------------

def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_refused_connection_is_exit_2(cli):
    result = cli("fetch", SEED_MID, "--base", f"http://127.0.0.1:{free_port()}/all/")
    assert result.exit_code == 2
    assert "cannot connect" in one_error_line(result)


def test_timeout_is_exit_2(cli, tmp_path):
    write_config(tmp_path, read_timeout=0.3)
    with Stub([Answer(200, b"late", delay=3)]) as stub:
        started = time.monotonic()
        result = cli("fetch", SEED_MID, "--base", stub.base)
        assert time.monotonic() - started < 2.5  # gave up at the read timeout, not the answer
    assert result.exit_code == 2
    assert "timed out waiting for data" in one_error_line(result)


def test_offline_never_touches_the_network(cli):
    cli("import", str(corpus_path("seed-thread", "raw", "01.eml")))  # a store to look in
    with Stub([Answer(500)]) as stub:
        result = cli("threads", SEED_MID, "--offline", "--base", stub.base)
        assert result.exit_code == 1 and f"not found: <{SEED_MID}>" in one_error_line(result)
        result = cli("show", f"{stub.base}{SEED_MID}/", "--offline")
        assert result.exit_code == 1
        result = cli("threads", f"{stub.base}?q=f%3Awilly", "--offline")
        assert result.exit_code == 2
        assert stub.requests == []


def test_user_agent_and_gzip_accepted(cli, seed_gzip):
    with Stub([Answer(200, seed_gzip, {"Content-Type": "application/gzip"})]) as stub:
        assert cli("fetch", SEED_MID, "--base", stub.base).exit_code == 0
        method, path, headers, _ = stub.requests[0]
    assert (method, path) == ("GET", f"/test/{SEED_MID}/t.mbox.gz")
    assert headers["User-Agent"] == USER_AGENT and USER_AGENT.startswith(f"threadminer/{__version__} (+http")
    assert "gzip" in headers["Accept-Encoding"]


def test_raw_fallback_when_the_thread_view_is_missing(cli, seed):
    raw = corpus_path("seed-thread", "raw", "16.eml").read_bytes()
    mbox = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + raw
    with Stub([Answer(404), Answer(200, mbox, {"Content-Type": "text/plain"})]) as stub:
        record = cli.json("fetch", SEED_MID, "--base", stub.base, "--json")
        assert [r[1] for r in stub.requests] == [f"/test/{SEED_MID}/t.mbox.gz", f"/test/{SEED_MID}/raw"]
    assert record["new_message_ids"] == [SEED_MID]
    assert stored_messages(cli.db)[SEED_MID].body == seed[SEED_MID].body


def test_retries_honour_retry_after(cli, seed_gzip):
    with Stub([Answer(503, headers={"Retry-After": "1"}), Answer(429, headers={"Retry-After": "0"}),
               Answer(200, seed_gzip, {"Content-Type": "application/gzip"})]) as stub:
        record = cli.json("fetch", SEED_MID, "--base", stub.base, "--json")
        times = [r[3] for r in stub.requests]
    assert record["messages_new"] == 27 and len(times) == 3
    assert times[1] - times[0] >= 0.95


def test_persistent_5xx_gives_up(cli, tmp_path):
    write_config(tmp_path, retries=2, retry_backoff=0.01)
    with Stub([Answer(502)]) as stub:
        result = cli("fetch", SEED_MID, "--base", stub.base)
        assert len(stub.requests) == 3
    assert result.exit_code == 2
    assert "HTTP 502 Bad Gateway, still after 3 tries" in one_error_line(result)


def test_other_http_errors_are_one_line(cli):
    with Stub([Answer(403, b"Forbidden")]) as stub:
        result = cli("fetch", SEED_MID, "--base", stub.base)
        assert len(stub.requests) == 1  # a 403 is not retried
    assert result.exit_code == 2 and "HTTP 403 Forbidden" in one_error_line(result)


def test_redirect_to_another_scheme_is_refused(cli):
    with Stub([Answer(302, headers={"Location": "file:///etc/passwd"})]) as stub:
        result = cli("fetch", SEED_MID, "--base", stub.base)
    assert result.exit_code == 2 and "only http and https" in one_error_line(result)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://ftp.kernel.org/pub/a@b/"])
def test_other_schemes_are_refused(cli, url):
    for args in (("fetch", url), ("threads", url), ("fetch", SEED_MID, "--base", url)):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert "only http and https" in one_error_line(result)


@pytest.fixture
def stored_before(cli, lore):
    """A store that already holds the seed thread, to prove a failed fetch changes nothing."""
    cli.json("fetch", SEED_MID, "--base", lore.base, "--json")
    return snapshot(cli.db)


def test_truncated_gzip_leaves_the_store_untouched(cli, stored_before, seed_gzip, tmp_path):
    cut = seed_gzip[: len(seed_gzip) * 2 // 3]  # a complete HTTP answer holding a cut gzip
    out = tmp_path / "out.mbox"
    with Stub([Answer(200, cut, {"Content-Type": "application/gzip"})]) as stub:
        result = cli("fetch", "other@example.org", "--base", stub.base, "-o", str(out))
    assert result.exit_code == 2 and "truncated compressed data" in one_error_line(result)
    assert snapshot(cli.db) == stored_before and not out.exists()


def test_connection_cut_mid_download_leaves_the_store_untouched(cli, stored_before, seed_gzip):
    with Stub([Answer(200, seed_gzip, {"Content-Type": "application/gzip"}, cut_at=len(seed_gzip) // 2)]) as stub:
        result = cli("fetch", "other@example.org", "--base", stub.base)
    assert result.exit_code == 2 and "connection broke" in one_error_line(result)
    assert snapshot(cli.db) == stored_before


def test_gzip_bomb_is_refused_and_leaves_the_store_untouched(cli, stored_before, tmp_path):
    write_config(tmp_path, max_expanded_mb=8)
    head = corpus_path("seed-thread", "raw", "01.eml").read_bytes()
    bomb = gzip_bomb(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + head, 32 << 20)
    assert len(bomb) < (100 << 10)  # under 100 KiB on the wire, 32 MiB unpacked
    with Stub([Answer(200, bomb, {"Content-Type": "application/gzip"})]) as stub:
        result = cli("fetch", "other@example.org", "--base", stub.base)
    assert result.exit_code == 2 and "expands past the 8 MiB limit" in one_error_line(result)
    assert snapshot(cli.db) == stored_before


def test_gzip_bomb_meets_the_ratio_cap_with_default_limits(cli):
    # 128 MiB from ~130 KiB: past 64 MiB, more than 100 times its size is refused long before
    # the absolute cap (2048 MiB) would fill the temporary folder.
    head = corpus_path("seed-thread", "raw", "01.eml").read_bytes()
    bomb = gzip_bomb(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + head, 128 << 20)
    with Stub([Answer(200, bomb, {"Content-Type": "application/gzip"})]) as stub:
        result = cli("fetch", SEED_MID, "--base", stub.base)
    assert result.exit_code == 2 and "expands past the 64 MiB limit" in one_error_line(result)
    assert snapshot(cli.db)[0]["messages"] == 0


def test_gzip_content_encoding_bomb_is_refused(cli, tmp_path):
    write_config(tmp_path, max_expanded_mb=8)
    bomb = gzip_bomb(b"From mboxrd@z Thu Jan  1 00:00:00 1970\nSubject: x\n\n", 32 << 20)
    with Stub([Answer(404), Answer(200, bomb, {"Content-Type": "text/plain", "Content-Encoding": "gzip"})]) as stub:
        result = cli("fetch", "other@example.org", "--base", stub.base)
    assert result.exit_code == 2 and "expands past the 8 MiB limit" in one_error_line(result)
    assert snapshot(cli.db)[0]["messages"] == 0


def test_download_size_cap(cli, tmp_path, seed_gzip):
    write_config(tmp_path, max_download_mb=0.01)
    with Stub([Answer(200, seed_gzip, {"Content-Type": "application/gzip"})]) as stub:
        result = cli("fetch", SEED_MID, "--base", stub.base)
    assert result.exit_code == 2 and "over the 0.01 MiB download limit" in one_error_line(result)


def test_a_page_that_is_not_an_mbox_is_refused(cli):
    page = b"<!DOCTYPE html><html><body>Welcome to our mirror</body></html>"
    with Stub([Answer(200, page, {"Content-Type": "text/html"})]) as stub:
        result = cli("fetch", SEED_MID, "--base", stub.base)
    assert result.exit_code == 2 and "did not send an mbox" in one_error_line(result)
    assert snapshot(cli.db)[0]["messages"] == 0


def test_bad_config_is_one_line(cli, tmp_path):
    write_config(tmp_path, rate=3)
    result = cli("fetch", SEED_MID)
    assert result.exit_code == 2 and "unknown key [fetch] rate" in one_error_line(result)
