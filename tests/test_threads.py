"""Threading on real archives: notmuch's edge cases, Mailman's own thread page, LKML's <yes>."""

from __future__ import annotations

import gzip

import pytest

from threadminer.message import Message
from threadminer.sources import read
from threadminer.threads import Summary, Thread, build_threads, subject_key

from .conftest import corpus_path


def render_tree(thread: Thread, label=None) -> str:
    """The thread as indented text, one node a line (forward and reversed input must agree)."""
    lines = []
    for node, depth in thread.walk():
        if label is not None:
            text = label(node)
        elif node.ghost:
            text = f"[missing] <{node.message_id}>"
        else:
            text = f"<{node.message_id}>"
        lines.append("  " * depth + text)
    return "\n".join(lines)


def summaries(*paths) -> list[Summary]:
    """One summary per distinct (Message-ID, content); differing duplicates get key id#N."""
    out: list[Summary] = []
    seen: dict[str, list[str]] = {}
    for path in paths:
        for msg in read(str(path)):
            if not isinstance(msg, Message):
                continue
            hashes = seen.setdefault(msg.message_id, [])
            if msg.content_hash in hashes:
                continue
            hashes.append(msg.content_hash)
            key = msg.message_id if len(hashes) == 1 else f"{msg.message_id}#{len(hashes)}"
            out.append(Summary(key, msg.message_id, msg.in_reply_to, msg.references, msg.subject,
                               msg.date, msg.author.display))
    return out


def rendered(threads) -> str:
    return "\n".join(render_tree(t, lambda n: f"{'ghost ' if n.ghost else ''}{n.key} [{n.rule}]") for t in threads)


def tree_of(threads, key):
    for thread in threads:
        if key in thread.nodes:
            return thread
    raise AssertionError(f"{key} is in no thread")


@pytest.fixture(scope="module")
def edge():
    return corpus_path("notmuch-threading-edge")


def test_same_tree_from_forward_and_reversed_input(edge):
    msgs = summaries(edge / "threading", edge / "broken", edge / "duplicate", edge / "default")
    forward = rendered(build_threads(msgs))
    backward = rendered(build_threads(list(reversed(msgs))))
    assert forward == backward


def test_in_reply_to_wins_over_bad_references(edge):
    # child's References has a typo'd root id; grand-child's References are in the wrong order.
    threads = build_threads(summaries(edge / "threading" / "parent-priority"))
    assert len(threads) == 1
    nodes = threads[0].nodes
    assert threads[0].root == "B00-root@example.org"
    assert nodes["B01-child@example.org"].parent == "B00-root@example.org"
    assert nodes["B01-child@example.org"].rule == "in-reply-to"
    assert nodes["B01-grand-child@example.org"].parent == "B01-child@example.org"
    # The typo'd id is nobody's parent, so it is no ghost in the tree.
    assert "B00--root@example.org" not in nodes


def test_fake_root_hangs_under_its_deepest_known_ancestor(edge):
    threads = build_threads(summaries(edge / "threading" / "ghost-root"))
    thread = tree_of(threads, "001-fake-message-root@example.org")
    assert thread.root == "000-real-root@example.org"
    ghost = thread.nodes["nonexistent-message@example.org"]
    assert ghost.ghost and ghost.parent == "001-child@example.org"
    assert thread.nodes["001-fake-message-root@example.org"].parent == "nonexistent-message@example.org"
    assert thread.nodes["001-great-grand-child@example.org"].parent == "001-grand-child@example.org"


def test_ticket_pseudo_id_does_not_become_the_root(edge):
    # RT auto-replies: References name a ticket pseudo-id unrelated to In-Reply-To. The real
    # first message stays the root; the pseudo-id is a ghost inside the thread.
    threads = build_threads(summaries(edge / "threading" / "ghost-root"))
    thread = tree_of(threads, "87bmc6lp3h.fsf@len.workgroup")
    assert thread.root == "87bmc6lp3h.fsf@len.workgroup"
    assert not thread.nodes[thread.root].ghost
    resolved = [k for k in thread.nodes if k.startswith("rt-4.2.8-6644")]
    assert resolved, "the 'Resolved' ticket mail is in the same thread"
    auto = [k for k in thread.nodes if k.startswith("rt-4.2.8-22046")][0]
    assert thread.nodes[auto].parent == "87bmc6lp3h.fsf@len.workgroup"


def test_duplicates_merge_when_equal_and_stay_apart_when_different(edge):
    msgs = summaries(edge / "duplicate")
    keys = sorted(s.key for s in msgs)
    # msg-1-*: one message delivered twice (list footers differ): merged.
    # msg-3-*: five list copies of one message, different subject tags and footers: merged.
    # msg-2-*: same Message-ID, different body ("# body 1" / "# body 2"): kept apart.
    assert keys.count("87r2ecrr6x.fsf@zephyr.silentflame.com") == 1
    assert keys.count("debian/2.6.1.dfsg-4-1-g87ea161@87ea161e851dfb1ea324af00e4ecfccc18875e15") == 1
    assert "87r2geywh9.fsf@tethera.net" in keys and "87r2geywh9.fsf@tethera.net#2" in keys
    assert len(msgs) == 4
    thread = tree_of(build_threads(msgs), "87r2geywh9.fsf@tethera.net#2")
    assert thread.nodes["87r2geywh9.fsf@tethera.net#2"].parent == "87r2geywh9.fsf@tethera.net"
    assert thread.nodes["87r2geywh9.fsf@tethera.net#2"].rule == "duplicate"


def test_reference_loop_is_broken(edge):
    threads = build_threads(summaries(edge / "broken" / "loop"))
    assert len(threads) == 1
    thread = threads[0]
    assert len(thread.messages) == 2
    roots = [n for n in thread.nodes.values() if n.parent is None]
    assert len(roots) == 1


def test_seed_thread_keeps_the_missing_message_as_a_ghost_parent():
    mbox = corpus_path("seed-thread", "thread.mbox")
    threads = build_threads(summaries(mbox))
    assert len(threads) == 1
    thread = threads[0]
    assert thread.root == "1665725448-31439-1-git-send-email-zhaoyang.huang@unisoc.com"
    assert len(thread.messages) == 27
    ghost = thread.nodes["20221018223042.GJ2703033@dread.disaster.area"]
    assert ghost.ghost
    # Dave's missing mail replied to Matthew's Y04Y3RNq6D2T9rVw (the id before it in References).
    assert ghost.parent == "Y04Y3RNq6D2T9rVw@casper.infradead.org"
    children = {k for k in thread.children[ghost.key]}
    assert children == {"20221019011636.GM2703033@dread.disaster.area", "Y0/kZbIvMgkNhWpM@bfoster",
                        "Y1AWXiJdyjdLmO1E@casper.infradead.org"}


def mhonarc_parents(thread_page: bytes) -> dict[int, int | None]:
    """Parent of each message number (msgNNNNN) in MHonArc's thread index page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(thread_page, "lxml")
    parents: dict[int, int | None] = {}
    stack = [(soup.find("hr").find_next("ul"), None)]
    while stack:
        ul, parent = stack.pop()
        for li in ul.find_all("li", recursive=False):
            anchor = li.find("a", attrs={"name": True})
            # "<Possible follow-ups>" items carry no anchor: the items after them are
            # subject matches MHonArc hangs under the thread's top.
            index = int(anchor["name"]) if anchor else None
            if index is not None:
                parents[index] = parent
            for sub in li.find_all("ul", recursive=False):
                stack.append((sub, index if index is not None else parent))
    return parents


def displayed_parents(threads, levels: int) -> dict[str, str | None]:
    """Our trees as MHonArc would display them: ghosts hidden (a message under a missing
    one shows under its nearest real ancestor; messages whose whole ancestry is missing show
    under the thread's earliest message), nesting capped at `levels` (MHonArc's TLEVELS)."""
    out: dict[str, str | None] = {}
    for thread in threads:
        real: dict[str, str | None] = {}
        for node, _ in thread.walk():
            if node.ghost:
                continue
            parent = node.parent
            while parent is not None and thread.nodes[parent].ghost:
                parent = thread.nodes[parent].parent
            real[node.key] = parent
        tops = sorted((k for k, p in real.items() if p is None),
                      key=lambda k: (thread.nodes[k].summary.date, k))
        for extra in tops[1:]:
            real[extra] = tops[0]
        for key in real:
            chain = [key]
            while real[chain[-1]] is not None:
                chain.append(real[chain[-1]])
            chain.reverse()
            out[key] = chain[levels - 1] if len(chain) - 1 > levels else real[key]
    return out


def test_mailman_archive_matches_mhonarc_thread_page():
    folder = corpus_path("fedora-devel-2010-01")
    msgs = [m for m in read(str(folder / "2010-January.txt.gz")) if isinstance(m, Message)]
    assert len(msgs) == 292
    truth = mhonarc_parents(gzip.open(folder / "2010-January_thread.html.gz").read())
    threads = build_threads([Summary(m.message_id, m.message_id, m.in_reply_to, m.references, m.subject,
                                     m.date, m.author.display) for m in msgs])
    ours = displayed_parents(threads, levels=3)
    number = {m.message_id: i for i, m in enumerate(msgs)}  # MHonArc numbers in archive order
    agree = sum(1 for i, m in enumerate(msgs)
                if truth.get(i) == (number[ours[m.message_id]] if ours[m.message_id] else None))
    ratio = agree / len(msgs)
    print(f"fedora-devel 2010-01: {agree}/{len(msgs)} parents agree with MHonArc ({ratio:.2%})")
    assert ratio >= 0.99


def test_bogus_yes_reference_does_not_merge_unrelated_threads():
    folder = corpus_path("notmuch-lkml")
    msgs = [m for m in read(str(folder)) if isinstance(m, Message)]
    yes = {m.message_id for m in msgs if m.raw and b"<yes>" in m.raw.split(b"\n\n", 1)[0]}
    assert len([m for m in msgs if m.message_id in yes]) == 71
    threads = build_threads(summaries(folder))
    holding = [t for t in threads if any(s.message_id in yes for s in t.messages)]
    for thread in holding:
        keys = {subject_key(s.subject) for s in thread.messages}
        if len(keys) > 1:
            # Only a real series chain may join subjects (notmuch's [PATCH 1/2] and 2/2,
            # linked by In-Reply-To): never subject or "same-thread" glue.
            assert all(n.rule in (None, "in-reply-to", "references", "ghost") for n, _ in thread.walk()), \
                render_tree(thread)
    # The ten cifs patches answered "yes" to git-send-email's prompt: each stays with its replies.
    cifs = [t for t in holding if any("cifs" in s.subject for s in t.messages)]
    numbered = [{subject_key(s.subject).split("]")[0] for s in t.messages} for t in cifs]
    assert all(len(n) == 1 for n in numbered), numbered
    assert len(cifs) == 11
