"""Patch series as git-am-ready files: the analyses of `analysis/` (series, trailers,
versions) composed with the renderer of `report/mbx.py`.

`export_thread(messages)` and `export_messages(messages)` work on messages in hand (an mbox,
a test sample); the `patches` command goes through the store, where each thread's series and
trailers are computed once (`ThreadAnalysis.series()`), and calls `export_series`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Mapping

from .analysis.series import Series, ThreadIndex, find_series
from .analysis.series_trailers import SeriesTrailers, collect
from .analysis.versions import choose, merge_unthreaded
from .message import Message
from .report.mbx import Export, render

if TYPE_CHECKING:
    from .composer import ThreadAnalysis


def export_thread(messages: Iterable[Message] | ThreadIndex, parent_of: Mapping[str, str | None] | None = None,
                  version: int | None = None, all_versions: bool = False, sloppy: bool = False,
                  signoff: str | None = None, link: str | None = None) -> tuple[Export, ...]:
    """The git-am-ready exports of the series in one thread (see the module docstring).

    `parent_of` maps Message-IDs to parent Message-IDs (from `threads.build_threads`);
    without it In-Reply-To is used. `sloppy` adds trailers whose address is not their
    sender's; `signoff` ("Name <addr>") is added last to every patch, as `b4 am -s` does;
    `link` ("https://patch.msgid.link/%s") adds a Link: to each patch's Message-ID (`-l`).
    """
    index = messages if isinstance(messages, ThreadIndex) else ThreadIndex(messages, parent_of)
    found = find_series(index)
    return export_series(index, found, choose(found, version, all_versions), sloppy, signoff, link)


def export_messages(messages: Iterable[Message], version: int | None = None, all_versions: bool = False,
                    sloppy: bool = False, signoff: str | None = None, link: str | None = None) -> tuple[Export, ...]:
    """Exports for every thread in a set of messages (threaded with `threads.build_threads`),
    with parts of a series sent without References joined first (`merge_unthreaded`)."""
    from .threads import Summary, build_threads

    msgs = list(messages)
    summaries = [Summary(m.message_id, m.message_id, m.in_reply_to, m.references, m.subject, m.date,
                         m.author.email) for m in msgs]
    parent_of: dict[str, str | None] = {}
    for thread in build_threads(summaries):
        for node in thread.nodes.values():
            parent_of[node.message_id] = thread.nodes[node.parent].message_id if node.parent else None
    index = ThreadIndex(msgs, parent_of)
    roots: dict[str, list[Message]] = {}
    for m in msgs:
        roots.setdefault(index.root(m.message_id), []).append(m)
    found: list[Series] = []
    for members in roots.values():
        found.extend(find_series(ThreadIndex(members, parent_of)))
    merged = merge_unthreaded(found)
    out: list[Export] = []
    by_root: dict[str, list[Series]] = {}
    for s in merged:
        by_root.setdefault(s.root_message_id, []).append(s)
    for group in by_root.values():
        out.extend(export_series(index, group, choose(group, version, all_versions), sloppy, signoff, link))
    return tuple(out)


def export_series(index: ThreadIndex, found: Iterable[Series], chosen: Iterable[Series], sloppy: bool = False,
                  signoff: str | None = None, link: str | None = None) -> tuple[Export, ...]:
    """Render chosen revisions; `found` are all revisions of the thread (trailers given to
    an identical patch of another revision carry over)."""
    found = list(found)
    return tuple(render(s, collect(s, index, [o for o in found if o is not s], sloppy=sloppy), index.by_id,
                        signoff, link) for s in chosen)


def export_chosen(chosen: Iterable[tuple[Series, SeriesTrailers]], by_id: Mapping[str, Message],
                  signoff: str | None = None, link: str | None = None) -> tuple[Export, ...]:
    """Render revisions whose trailers were collected already (from the store's cache)."""
    return tuple(render(s, t, by_id, signoff, link) for s, t in chosen)


# --- from the store (the `series` and `patches` commands) --------------------------------------

def thread_listing(thread: "ThreadAnalysis", source: str | None) -> dict:
    """One thread's revisions, pull requests and default revision, as the `series` record."""
    from .analysis.versions import latest
    from .report.series import pull_request_records, series_records

    found = thread.series()
    pulls = [(p, thread.message(p.message_id)) for p in thread.pull_requests()]
    return {"source": source or None, "root_message_id": thread.info.root_message_id, "subject": thread.info.subject,
            "series": series_records(zip(found, thread.series_trailers()), latest(found)),
            "pull_requests": pull_request_records(pulls)}


def lineage(threads: Iterable["ThreadAnalysis"]) -> list[dict]:
    """Revisions of one series found in different selected threads, linked."""
    from .analysis.versions import link_versions
    from .report.series import lineage_records

    return lineage_records(c for c in link_versions(s for t in threads for s in t.series()) if len(c.series) > 1)


def store_exports(threads: Iterable["ThreadAnalysis"], version: int | None = None, all_versions: bool = False,
                  sloppy: bool = False, link: str | None = None) -> tuple[Export, ...]:
    """The git-am exports of the selected threads, their series and trailers read from the
    store's cache (`--sloppy` collects mismatched trailers too, so it collects anew)."""
    out: list[Export] = []
    for thread in threads:
        found = thread.series()
        trailers = dict(zip((s.key for s in found), thread.series_trailers()))
        for s in choose(found, version, all_versions):
            if sloppy:
                trailers[s.key] = collect(s, thread.thread_index, [o for o in found if o is not s], sloppy=True)
            out.append(render(s, trailers[s.key], thread.thread_index.by_id, None, link))
    return tuple(out)
