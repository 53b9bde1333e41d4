"""The composer: one thread's analyses, computed once, kept in the store, read back after.

`analyse(store, selection)` yields a `ThreadAnalysis` per selected thread. It reads the
thread's tree as the store keeps it and asks the store's analysis cache first; only when an
analysis is missing (or its analyser's version changed, or the thread gained messages) does
it decode the thread's messages, once, into a `ThreadContext` and run the pure analysis
functions of `analysis/` on it. New results are written back in a few short transactions.

This is the only module that joins the store and the analyses: `analysis/` never imports the
store, and the CLI only selects, asks and renders.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from functools import cached_property, lru_cache
from multiprocessing import get_context
import importlib
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, TypeVar

from .analysis import quotes as quotes_mod
from .analysis.context import ThreadContext
from .analysis.quotes import QuoteTree
from .codec import from_plain, to_plain
from .message import DECODING, Message
from .select import Selected, Selection
from .store import Store, ThreadInfo
from .store.cache import encode
from .threads import Thread

if TYPE_CHECKING:
    from .analysis.diffs import Diff
    from .analysis.ghosts import QuotedGhost
    from .analysis.pulls import PullRequest
    from .analysis.series import Series, ThreadIndex
    from .analysis.traces import Occurrence, Signature
    from .analysis.series_trailers import SeriesTrailers
    from .analysis.crashes import Crash
    from .analysis.lexicon import Lexicon
    from .analysis.outcomes import Proposal
    from .analysis.participants import Participant
    from .analysis.questions import Question
    from .analysis.summary import ThreadSummary
    from .analysis.timeline import Event

T = TypeVar("T")


class _Analyses:
    """The analysis modules, each imported on first use. Together they take a good part of
    a second to import (compiled patterns, the lexicon), and a command needs only its own:
    `quotes` never loads the crash-report titles or the outcome rules. (Quote trees, which
    nearly every analysis reads, are imported at once.)"""

    MODULES = frozenset({"traces", "diffs", "ghosts", "series", "trailers", "series_trailers", "pulls", "patch_text", "subjects",
                         "outcomes", "participants", "questions", "crashes", "timeline", "summary", "lexicon"})

    def __getattr__(self, name: str):
        if name not in self.MODULES:
            raise AttributeError(name)
        module = importlib.import_module(f".analysis.{name}", __package__)
        setattr(self, name, module)
        return module


lazy = _Analyses()

# Each analyser's cache version: its own VERSION and those of the analyses it reads, and the
# version of message decoding (the text every analysis reads).
M = f"+m{DECODING}"
QUOTES = ("quotes", f"{quotes_mod.VERSION}{M}")


@lru_cache(maxsize=None)
def analyser(name: str) -> tuple[str, str]:
    """The cache name and version of an analysis: its VERSION and those of what it reads.
    The outcomes read quote trees, crash reports and series (the lexicon's digest and the
    other threads' messages are added per thread, see `outcomes_analyser`); the thread
    reports read traces and quotes, and the outcomes through a digest (`_reads_outcomes`)."""
    if name == "quotes":
        return QUOTES
    q, t = quotes_mod.VERSION, lazy.traces.VERSION
    reads = f"t{t}+q{q}{M}"
    series = f"{lazy.series.VERSION}+p{lazy.patch_text.VERSION}+s{lazy.subjects.VERSION}+t{lazy.trailers.VERSION}{M}"
    versions = {
        "traces": lambda: f"{t}+q{q}{M}",
        "ghosts": lambda: f"{lazy.ghosts.VERSION}+q{q}{M}",
        "diffs": lambda: f"{lazy.diffs.VERSION}+q{q}{M}",
        "series": lambda: series,
        "trailers": lambda: f"{lazy.series_trailers.VERSION}+{series}",
        "pulls": lambda: f"{lazy.pulls.VERSION}{M}",
        "outcomes": lambda: f"{lazy.outcomes.VERSION}+q{q}+t{t}+s{lazy.series.VERSION}{M}",
        "questions": lambda: f"{lazy.questions.VERSION}+{reads}",
        "participants": lambda: f"{lazy.participants.VERSION}+{reads}",
        "timeline": lambda: f"{lazy.timeline.VERSION}+c{lazy.crashes.VERSION}+p{lazy.participants.VERSION}+{reads}",
        "summary": lambda: (f"{lazy.summary.VERSION}+p{lazy.participants.VERSION}+c{lazy.crashes.VERSION}"
                            f"+n{lazy.questions.VERSION}+{reads}"),
    }
    return name, versions[name]()


# Cache rows written in one transaction.
FLUSH_ROWS = 2000
# Below this many messages to compute, one process does it faster than starting workers.
PARALLEL_MIN_MESSAGES = 400


class CacheWrites:
    """New analysis results waiting to be written, shared by the threads of one command.
    Rows are kept encoded (`store.cache.encode`): that is where worker processes do it."""

    def __init__(self, store: Store):
        self.store = store
        self.rows: dict[tuple[str, str], list[tuple[str, str, bytes]]] = {}
        self.count = 0

    def add(self, analyser: tuple[str, str], scope: str, fingerprint: str, value: Any) -> None:
        self.add_encoded(analyser, scope, fingerprint, encode(to_plain(value)))

    def add_encoded(self, analyser: tuple[str, str], scope: str, fingerprint: str, data: bytes) -> None:
        self.rows.setdefault(analyser, []).append((scope, fingerprint, data))
        self.count += 1
        if self.count >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        for (name, version), rows in self.rows.items():
            self.store.cache.put_encoded(rows, name, version)
        self.rows.clear()
        self.count = 0


class Collected(CacheWrites):
    """Results kept to be handed to another process instead of written (see `precompute`)."""

    def flush(self) -> None:
        pass

    def take(self) -> list[tuple[tuple[str, str], str, str, bytes]]:
        out = [(analyser, scope, fp, data) for analyser, rows in self.rows.items() for scope, fp, data in rows]
        self.rows.clear()
        self.count = 0
        return out


class ThreadAnalysis:
    """The analyses of one stored thread, each computed lazily and cached."""

    def __init__(self, store: Store, thread_id: int, writes: CacheWrites | None = None):
        self.store = store
        self.thread_id = thread_id
        self.writes = writes if writes is not None else CacheWrites(store)
        self._memo: dict[tuple[str, str], Any] = {}

    # --- what the store knows ------------------------------------------------------------

    @cached_property
    def fingerprint(self) -> str:
        return self.store.fingerprint(self.thread_id)

    @cached_property
    def tree(self) -> Thread:
        return self.store.thread(self.thread_id)

    @cached_property
    def info(self) -> ThreadInfo:
        return self.store.thread_info(self.thread_id)

    @cached_property
    def keys(self) -> list[str]:
        """The thread's messages (keys), in date order."""
        return self.store.thread_keys(self.thread_id)

    @cached_property
    def context(self) -> ThreadContext:
        """The thread's messages, decoded once, with its tree and indexes."""
        return ThreadContext(self._messages.values(), self.tree)

    @cached_property
    def _messages(self) -> dict[str, Message]:
        return dict(self.store.messages(self.keys))

    @cached_property
    def _key_set(self) -> frozenset[str]:
        return frozenset(self.keys)

    def message(self, key: str) -> Message:
        """A message of the thread (a page copy is read as the page gave it, under the
        Message-ID of the message it renders)."""
        if key in self._key_set:
            return self._messages[key]
        msg = self.store.message(key)
        original = self.store.copy_of(key)
        if original is not None:
            msg = replace(msg, message_id=self.store.message(original).message_id)
        return msg

    # --- the cache -----------------------------------------------------------------------

    def _per_message(self, analyser: tuple[str, str], hint: Any, keys: Iterable[str],
                     compute: Callable[[str], T]) -> dict[str, T]:
        """An analysis of each message: from the cache, else computed and cached."""
        keys = list(dict.fromkeys(keys))
        out: dict[str, T] = {}
        missing = []
        for key in keys:
            memo = self._memo.get((analyser[0], key))
            if memo is not None:
                out[key] = memo
            else:
                missing.append(key)
        if missing:
            for key, data in self.store.cache.get(missing, analyser[0], analyser[1], self.fingerprint).items():
                out[key] = self._memo[(analyser[0], key)] = from_plain(hint, data)
        for key in keys:
            if key not in out:
                value = compute(key)
                out[key] = self._memo[(analyser[0], key)] = value
                self.writes.add(analyser, key, self.fingerprint, value)
        return {key: out[key] for key in keys}

    def _per_thread(self, analyser: tuple[str, str], hint: Any, compute: Callable[[], T]) -> T:
        scope = f"thread:{self.thread_id}"
        memo = self._memo.get((analyser[0], scope))
        if memo is not None:
            return memo
        found = self.store.cache.get([scope], analyser[0], analyser[1], self.fingerprint)
        if scope in found:
            value = from_plain(hint, found[scope])
        else:
            value = compute()
            self.writes.add(analyser, scope, self.fingerprint, value)
        self._memo[(analyser[0], scope)] = value
        return value

    # --- analyses ------------------------------------------------------------------------

    def quote_trees(self, keys: Iterable[str] | None = None) -> dict[str, QuoteTree]:
        """The quote tree of each message (all of the thread's by default)."""
        return self._per_message(QUOTES, QuoteTree, self.keys if keys is None else keys,
                                 lambda key: quotes_mod.parse(self.message(key), self.context))

    def quote_tree(self, key: str) -> QuoteTree:
        return self.quote_trees([key])[key]

    def traces(self, keys: Iterable[str] | None = None) -> dict[str, tuple[Occurrence, ...]]:
        """The crash reports in each message, each with the voice that wrote it (from the
        quote tree, so it is the voice `quotes` shows)."""
        def compute(key: str) -> tuple[Occurrence, ...]:
            msg = self.message(key)
            reports = lazy.traces.find_reports(msg.body)
            if not reports:
                return ()
            return tuple(lazy.traces.find_occurrences(msg, None, self.quote_tree(key), reports))

        return self._per_message(analyser("traces"), tuple[lazy.traces.Occurrence, ...], self.keys if keys is None else keys, compute)

    def diffs(self, keys: Iterable[str] | None = None) -> dict[str, tuple[Diff, ...]]:
        """Every diff in each message, quoted or not, with the voice that wrote it (the quote
        tree is asked only for bodies where a diff may be quoted)."""
        def compute(key: str) -> tuple[Diff, ...]:
            msg = self.message(key)
            if not lazy.diffs.might_hold_diff(msg.body) and not msg.attachments:
                return ()
            tree = self.quote_tree(key) if lazy.diffs.needs_tree(msg.body) else None
            return lazy.diffs.find_diffs(msg, tree)

        return self._per_message(analyser("diffs"), tuple[lazy.diffs.Diff, ...], self.keys if keys is None else keys, compute)

    @cached_property
    def thread_index(self) -> ThreadIndex:
        """The thread's messages with their parents, as the series analyses read them."""
        parent_of = {node.message_id: self.tree.nodes[node.parent].message_id if node.parent in self.tree.nodes
                     else node.parent for node in self.tree.nodes.values() if not node.ghost}
        return lazy.series.ThreadIndex(self._messages.values(), parent_of)

    def series(self) -> tuple[Series, ...]:
        """Every series revision posted in the thread (`analysis.series`)."""
        return self._per_thread(analyser("series"), tuple[lazy.series.Series, ...],
                                lambda: lazy.series.find_series(self.thread_index))

    def series_trailers(self) -> tuple[SeriesTrailers, ...]:
        """The trailers replies gave each revision of `series()`, in the same order."""
        def compute() -> tuple[SeriesTrailers, ...]:
            found = self.series()
            return tuple(lazy.series_trailers.collect(s, self.thread_index, [o for o in found if o is not s])
                         for s in found)

        return self._per_thread(analyser("trailers"), tuple[lazy.series_trailers.SeriesTrailers, ...], compute)

    def pull_requests(self) -> tuple[PullRequest, ...]:
        """The `git request-pull` messages of the thread."""
        def compute() -> tuple[PullRequest, ...]:
            return tuple(p for p in (lazy.pulls.find_pull_request(self.message(k)) for k in self.keys) if p)

        return self._per_thread(analyser("pulls"), tuple[lazy.pulls.PullRequest, ...], compute)

    def crash_signatures(self, keys: Iterable[str] | None = None) -> list[Signature]:
        """The thread's crash reports grouped by crash (one signature per crash)."""
        return lazy.traces.signatures(occ for occs in self.traces(keys).values() for occ in occs)

    def ghosts(self) -> dict[str, QuotedGhost]:
        """What quotes tell of each message the thread references but does not hold."""
        if not self.tree.ghosts:
            return {}

        def compute() -> tuple[QuotedGhost, ...]:
            return lazy.ghosts.quoted_ghosts(self.quote_trees().values(), self.info.message_ids)

        found = self._per_thread(analyser("ghosts"), tuple[lazy.ghosts.QuotedGhost, ...], compute)
        return {g.message_id: g for g in found if g.message_id}

    def outcomes(self, lexicon: Lexicon | None = None) -> tuple[Proposal, ...]:
        """The thread's proposals (patches, series, reply diffs, code suggestions), each with
        the outcomes reported about it, in order of appearance; proposals of other threads
        that this thread's outcomes are about come last (`in_thread` False). Newer versions
        posted in other threads of the store are found too. `lexicon`: the outcome rules
        (default: the user's, see `outcome_lexicon`)."""
        lexicon = lexicon or outcome_lexicon()
        from .candidates import linked_elsewhere, outcome_candidates

        candidates = outcome_candidates(self.store, self.thread_id)
        kind = outcomes_analyser(lexicon, candidates)

        def compute() -> tuple[Proposal, ...]:
            ctx = self.context
            trees = {t.message_id: t for t in reversed(list(self.quote_trees().values()))}
            traces = {}
            for key, occs in self.traces().items():
                traces.setdefault(self.message(key).message_id, occs)
            nodes = self.tree.nodes
            parent_of = {n.message_id: (nodes[n.parent].message_id if n.parent in nodes else n.parent)
                         for n in nodes.values()}
            linked = linked_elsewhere(self.store, self.thread_id, (m.body for m in ctx.messages.values()))
            others = [m for _, m in self.store.messages(dict.fromkeys(candidates + linked))]
            others_parent = {m.message_id: (m.parent_ids[0] if m.parent_ids else None) for m in others}
            return lazy.outcomes.find_outcomes(ctx.messages.values(), parent_of, trees, traces, lexicon,
                                              others, others_parent)

        return self._per_thread(kind, tuple[lazy.outcomes.Proposal, ...], compute)

    # --- thread-level reports -------------------------------------------------------------

    def _proposals(self) -> tuple[Proposal, ...]:
        """The thread's proposals with their outcomes (`outcomes`)."""
        return self.outcomes()

    def _reads_outcomes(self, analyser: tuple[str, str]) -> tuple[str, str]:
        """`analyser` with a digest of the proposals it reads in its version: a report is
        computed again whenever the outcomes change, whatever changed them (the analyser's
        version, the lexicon, other threads of the store)."""
        if "_outcomes_digest" not in self.__dict__:
            data = json.dumps(to_plain(self._proposals()), sort_keys=True, ensure_ascii=False)
            self._outcomes_digest = hashlib.sha1(data.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        return analyser[0], f"{analyser[1]}+o{self._outcomes_digest}"

    def _parents(self) -> dict[str, str | None]:
        """Each message's parent Message-ID in the thread tree (a ghost's id when the parent
        is missing; None for the root)."""
        nodes = self.tree.nodes
        return {node.message_id: nodes[node.parent].message_id if node.parent in nodes else None
                for node in nodes.values() if not node.ghost}

    def _trees_by_id(self) -> dict[str, QuoteTree]:
        return {tree.message_id: tree for tree in self.quote_trees().values()}

    def crashes(self) -> tuple[Crash, ...]:
        """The thread's crashes, each with who reported it first, where and when."""
        return lazy.crashes.crashes(self.crash_signatures(), self._trees_by_id())

    def questions(self) -> tuple[Question, ...]:
        """Questions asked in the thread, each with the messages that answer it."""
        def compute() -> tuple[Question, ...]:
            logs: dict[str, list[tuple[int, int]]] = {}
            for occs in self.traces().values():
                for occ in occs:
                    logs.setdefault(occ.message_id, []).append((occ.report.first_line, occ.report.last_line))
            return lazy.questions.find_questions(self.context.messages.values(), self._trees_by_id(), self._parents(),
                                                logs)

        return self._per_thread(analyser("questions"), tuple[lazy.questions.Question, ...], compute)

    def participants(self) -> tuple[Participant, ...]:
        """One participant per address, with the roles the thread shows."""
        def compute() -> tuple[Participant, ...]:
            reporters = [o.message_id for occs in self.traces().values() for o in occs if o.voice == 0]
            return lazy.participants.participants(self.context.messages.values(), self._proposals(), reporters)

        return self._per_thread(self._reads_outcomes(analyser("participants")),
                               tuple[lazy.participants.Participant, ...], compute)

    def timeline(self) -> tuple[Event, ...]:
        """The thread's dated events, in date order."""
        return self._per_thread(self._reads_outcomes(analyser("timeline")), tuple[lazy.timeline.Event, ...], lambda: lazy.timeline.timeline(
            self.context.messages.values(), self._parents(), self._proposals(), self.crashes(), self.participants()))

    def summary(self) -> ThreadSummary:
        """The thread's summary: participants, proposals and outcomes, crashes, open
        questions and a narrative, every claim tied to a Message-ID."""
        return self._per_thread(self._reads_outcomes(analyser("summary")), lazy.summary.ThreadSummary, lambda: lazy.summary.summarize(
            self.context.messages.values(), self.info.root_message_id, [n.message_id for n in self.tree.ghosts],
            self.participants(), self._proposals(), self.crashes(), self.questions()))

    def warm(self, names: Iterable[str]) -> None:
        """Compute (or read) the named analyses of every message of the thread."""
        for name in names:
            {"quotes": self.quote_trees, "traces": self.traces, "ghosts": self.ghosts, "diffs": self.diffs,
             "series": self.series_trailers, "outcomes": self.outcomes}[name]()

    def selected_keys(self, items: Iterable[Selected]) -> list[str]:
        """The message keys a selection names in this thread (a whole-thread item: all)."""
        out: dict[str, None] = {}
        for item in items:
            if item.key is None:
                out.update(dict.fromkeys(self.keys))
            else:
                out[item.key] = None
        return list(out)


# --- what the outcomes analysis reads beyond the thread ------------------------------------

def outcome_lexicon() -> Lexicon:
    """The outcome lexicon: the one shipped, with the user's file merged over it (named by
    THREADMINER_LEXICON, else `[outcomes] lexicon` in the config file). Compiled once per
    file content (every thread asks for it)."""
    from .analysis.lexicon import build_lexicon
    from .config import ConfigError, config_table

    path = os.environ.get("THREADMINER_LEXICON") or config_table("outcomes").get("lexicon")
    if not path:
        return build_lexicon()
    path = os.path.expanduser(str(path))
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the outcome lexicon ({exc.strerror or exc})") from None
    return _user_lexicon(path, text)


@lru_cache(maxsize=4)
def _user_lexicon(path: str, text: str) -> Lexicon:
    from .analysis.lexicon import build_lexicon, parse_lexicon

    return build_lexicon(parse_lexicon(text, path))


def outcomes_analyser(lexicon: Lexicon, candidates: list[str]) -> tuple[str, str]:
    """The outcomes' cache name and version for one thread: the analyses it reads, the
    lexicon's content and the other threads' messages it looks at."""
    digest = hashlib.sha1("\n".join(sorted(candidates)).encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return ("outcomes", f"{analyser('outcomes')[1]}+l{lexicon.digest}+c{digest}")


# --- many threads at once -------------------------------------------------------------------

# (The outcomes' version differs per thread: see `_missing_outcomes`.)
THREAD_LEVEL = frozenset({"ghosts", "series", "outcomes"})
_worker_store: Store | None = None


def _start_worker(path: str) -> None:
    global _worker_store
    _worker_store = Store(path, create=False)


def _work(job: tuple[int, tuple[str, ...]]) -> list:
    thread_id, names = job
    assert _worker_store is not None
    collected = Collected(_worker_store)
    ta = ThreadAnalysis(_worker_store, thread_id, collected)
    ta.warm(names)
    return collected.take()


def precompute(store: Store, selection: Selection, names: tuple[str, ...]) -> None:
    """Compute the named analyses that the cache lacks for the selected threads, on every
    core, and write them to the cache, before the command reads them thread by thread."""
    name, version = analyser("trailers" if names[0] == "series" else names[0])
    threads = list(selection.by_thread())
    if names[0] == "outcomes":
        missing = _missing_outcomes(store, threads)
    elif names[0] in THREAD_LEVEL:
        missing = store.cache.missing_threads(threads, name, version)
    else:
        missing = store.cache.missing_messages(threads, name, version)
    total = sum(missing.values())
    workers = min(os.cpu_count() or 1, 8)
    if workers < 2 or total < PARALLEL_MIN_MESSAGES or store.readonly or store.path == ":memory:":
        return
    jobs = [(tid, names) for tid, _ in sorted(missing.items(), key=lambda kv: -kv[1])]
    writes = CacheWrites(store)
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"), initializer=_start_worker,
                             initargs=(store.path,)) as pool:
        for rows in pool.map(_work, jobs, chunksize=1):
            for kind, scope, fp, data in rows:
                writes.add_encoded(kind, scope, fp, data)
    writes.flush()


def _missing_outcomes(store: Store, thread_ids: list[int]) -> dict[int, int]:
    """The threads lacking current outcomes (their version depends on each thread's
    candidates, see `ThreadAnalysis.outcomes`), with their sizes."""
    from .candidates import outcome_candidates

    lexicon = outcome_lexicon()
    have: dict[str, tuple[str, str]] = {scope: (version, fp) for scope, version, fp in store.db.execute(
        "SELECT scope, version, fingerprint FROM analyses WHERE analyser = 'outcomes'")}
    wanted = set(thread_ids)
    out: dict[int, int] = {}
    for thread_id, size, fingerprint in store.db.execute("SELECT id, messages, fingerprint FROM threads"):
        if thread_id not in wanted:
            continue
        version = outcomes_analyser(lexicon, outcome_candidates(store, thread_id))[1]
        if have.get(f"thread:{thread_id}") != (version, fingerprint):
            out[thread_id] = size
    return out


def analyse(store: Store, selection: Selection, writes: CacheWrites | None = None
            ) -> Iterator[tuple[ThreadAnalysis, list[Selected]]]:
    """(thread analysis, the selected items in it) for each selected thread, in order; new
    results are written to the cache as they accumulate and when the walk ends. A caller
    that keeps asking the analyses after the walk (a report rendered at the end) passes its
    own `writes` and flushes it when done."""
    writes = writes if writes is not None else CacheWrites(store)
    try:
        for thread_id, items in selection.by_thread().items():
            yield ThreadAnalysis(store, thread_id, writes), items
    finally:
        writes.flush()
