"""Series in threads (issue 9): subject prefixes, Patchwork's series and pull-request
assertions (corpus/patchwork/EXPECTED.md), b4's cover-letter and partial re-roll samples
(corpus/b4/NOTES.md), versions linked across threads, and the seed thread."""

from __future__ import annotations

from pathlib import Path

import pytest

from threadminer.analysis.patch_text import patch_files
from threadminer.analysis.pulls import find_pull_request
from threadminer.analysis.series import ThreadIndex, find_series
from threadminer.analysis.versions import latest, link_versions, merge_unthreaded
from threadminer.analysis.subjects import parse_subject
from threadminer.message import Message
from threadminer.sources import read

from .conftest import FIXTURES, Cli, corpus_path


def messages(path: Path) -> list[Message]:
    return [m for m in read(str(path)) if isinstance(m, Message)]


# --- subject prefixes ----------------------------------------------------------------------

# (subject, version label, counter, total, rfc, resend, reply, tags, subject without prefixes)
SUBJECTS = [
    ("[PATCH v3 2/7] mm: fix it", "3", 2, 7, False, False, False, (), "mm: fix it"),
    ("[RFC PATCH] mm: move xa forward", None, None, None, True, False, False, (), "mm: move xa forward"),
    ("[PATCH RESEND] kmod: fix", None, None, None, False, True, False, (), "kmod: fix"),
    ("[PATCH v6,19/24] x86: foo", "6", 19, 24, False, False, False, (), "x86: foo"),
    ("[PATCH v5.1 10/12] bar", "5.1", 10, 12, False, False, False, (), "bar"),
    ("[PATCHSET for-next 0/3] block: baz", None, 0, 3, False, False, False, ("for-next",), "block: baz"),
    ("[PATCH io_uring-5.17] io_uring: fix", None, None, None, False, False, False, ("io_uring-5.17",),
     "io_uring: fix"),
    ("[Buildroot] [PATCH 01/11] package/rpi-userland: rename patches", None, 1, 11, False, False, False,
     ("Buildroot",), "package/rpi-userland: rename patches"),
    ("[dpdk-dev] [PATCH] kni: fix compilation error when debug enabled", None, None, None, False, False, False,
     ("dpdk-dev",), "kni: fix compilation error when debug enabled"),
    ("Re: [PATCH v2 3/7] mm: fix it", "2", 3, 7, False, False, True, (), "mm: fix it"),
    ("Fwd: Re: [PATCH] a", None, None, None, False, False, True, (), "a"),
    ("[net,v2,1/2] net: ieee802154: remove explicit set skb->sk", "2", 1, 2, False, False, False, ("net",),
     "net: ieee802154: remove explicit set skb->sk"),
    ("[PATCH 0 of 2] Sample Mercurial patches", None, 0, 2, False, False, False, (), "Sample Mercurial patches"),
    ("[Patch 2/2]: powerpc/hotplug/mm: Fix hot-add memory node assoc", None, 2, 2, False, False, False, (),
     "powerpc/hotplug/mm: Fix hot-add memory node assoc"),
    ("[PATCHv3 bpf-next 2/5] bpf: x", "3", 2, 5, False, False, False, ("bpf-next",), "bpf: x"),
    ("[PATCH -v2 1/3] kmod: y", "2", 1, 3, False, False, False, (), "kmod: y"),
    ("[PATCH V2 0/4] PM / OPP: Minor cleanups", "2", 0, 4, False, False, False, (), "PM / OPP: Minor cleanups"),
    ("[PATCH/RFC] x", None, None, None, True, False, False, (), "x"),
    ("AW: [PATCH] x", None, None, None, False, False, True, (), "x"),
    ("[PATCH net-next v3 0/4] net: dsa: Multi-CPU ground work (v3)", "3", 0, 4, False, False, False,
     ("net-next",), "net: dsa: Multi-CPU ground work (v3)"),
    ("[syzbot] [modules?] KASAN: slab-use-after-free Read in foo", None, None, None, False, False, False,
     ("syzbot", "modules?"), "KASAN: slab-use-after-free Read in foo"),
    ("plain subject", None, None, None, False, False, False, (), "plain subject"),
]


@pytest.mark.parametrize("subject,label,counter,total,rfc,resend,reply,tags,rest", SUBJECTS)
def test_subject_prefixes(subject, label, counter, total, rfc, resend, reply, tags, rest):
    info = parse_subject(subject)
    assert (info.version_label, info.counter, info.total) == (label, counter, total)
    assert (info.rfc, info.resend, info.reply, info.tags, info.subject) == (rfc, resend, reply, tags, rest)


def test_minor_version_sorts_between_versions():
    keys = [parse_subject(f"[PATCH {v} 1/2] x").version_key for v in ("v5", "v5.1", "v6")]
    assert keys == sorted(keys) and len(set(keys)) == 3


def test_git_pull_subjects_are_pull_requests():
    for subject in ("[git pull] Please pull powerpc.git next branch", "[GIT PULL] soc: updates for v5.5",
                    "[GIT] Networking"):
        assert parse_subject(subject).pull


def test_hostile_subjects_do_not_raise():
    for subject in ("[" * 10000, "]" * 100 + "[PATCH", "[PATCH 99999/1]", "\0[PATCH\n]", None, ""):
        parse_subject(subject)


# --- Patchwork: mail/ (prefixes, versions, pull requests) ----------------------------------

# Observed by Patchwork's own parse_series_marker/parse_version (EXPECTED.md): (counter, total, version).
PW_MARKERS = {
    "0008-git-rename.mbox": (1, 11, None),
    "0011-no-newline-at-end-of-file.mbox": (5, 5, 3),
    "0012-invalid-header-char.mbox": (None, None, None),
    "0021-git-empty-new-file.mbox": (1, 3, None),
    "0022-git-mode-change.mbox": (1, 1, None),
}


@pytest.mark.parametrize("name", sorted(PW_MARKERS))
def test_patchwork_series_markers(name):
    (msg,) = messages(corpus_path("patchwork", "mail", name))
    info = parse_subject(msg.subject)
    assert (info.counter, info.total, info.version) == PW_MARKERS[name]


# Asserted: test_parser's pull-request tests; the exact URL where the test gives one.
PW_PULLS = {
    "0001-git-pull-request.mbox": "git://git.kernel.org/pub/scm/linux/kernel/git/benh/powerpc.git next",
    "0002-git-pull-request-wrapped.mbox": "git://git.kernel.org/pub/scm/linux/kernel/git/benh/powerpc.git next",
    "0003-git-pull-request-with-diff.mbox":
        "git://git.kernel.org/pub/scm/linux/kernel/git/tip/linux-2.6-tip.git x86-fixes-for-linus",
    "0004-git-pull-request-git+ssh.mbox": "git+ssh://git.kernel.org/pub/scm/linux/kernel/git/benh/powerpc.git next",
    "0005-git-pull-request-ssh.mbox": "ssh://git.kernel.org/pub/scm/linux/kernel/git/benh/powerpc.git next",
    "0006-git-pull-request-http.mbox": "http://git.kernel.org/pub/scm/linux/kernel/git/benh/powerpc.git next",
    "0017-git-pull-request-git-2-14-3.mbox": "git://git.kernel.org/pub/scm/linux/kernel/git/davem/net",
    "0023-git-pull-request-newline-in-url.mbox":
        "https://git.kernel.org/pub/scm/linux/kernel/git/matthias.bgg/linux.git/ tags/v5.4-next-soc",
    "0024-git-pull-request-trailing-space.mbox":
        "git://git.kernel.org/pub/scm/linux/kernel/git/nsekhar/linux-davinci.git tags/davinci-for-v5.6/soc",
}


@pytest.mark.parametrize("name", sorted(PW_PULLS))
def test_patchwork_pull_request_url(name):
    (msg,) = messages(corpus_path("patchwork", "mail", name))
    pull = find_pull_request(msg)
    assert pull is not None and pull.pull_url == PW_PULLS[name]


def test_patchwork_pull_request_without_diff_is_no_patch():
    for name in ("0001-git-pull-request.mbox", "0017-git-pull-request-git-2-14-3.mbox"):
        (msg,) = messages(corpus_path("patchwork", "mail", name))
        assert patch_files(msg) is None


def test_patchwork_pull_request_with_diff_also_carries_the_patch():
    (msg,) = messages(corpus_path("patchwork", "mail", "0003-git-pull-request-with-diff.mbox"))
    assert [f.path for f in patch_files(msg)] == [
        "arch/x86/include/asm/smp.h", "arch/x86/kernel/acpi/sleep.c", "arch/x86/kernel/cpu/mtrr/main.c"]
    assert find_pull_request(msg).base_commit


def test_patches_are_not_pull_requests():
    (msg,) = messages(corpus_path("patchwork", "mail", "0011-no-newline-at-end-of-file.mbox"))
    assert find_pull_request(msg) is None


# --- Patchwork: series/ (grouping) ------------------------------------------------------------

def pw_series(name: str):
    """Every series of a Patchwork series mbox, as Patchwork groups them: each thread's
    series, then parts sent without References joined."""
    msgs = messages(corpus_path("patchwork", "series", name))
    index = ThreadIndex(msgs)
    threads: dict[str, list[Message]] = {}
    for m in msgs:
        threads.setdefault(index.root(m.message_id), []).append(m)
    found = [s for members in threads.values() for s in find_series(members)]
    return sorted(merge_unthreaded(found), key=lambda s: s.date), msgs


def own(s) -> list:
    return [p for p in s.patches if p.carried_from is None]


# Asserted in test_series.py (EXPECTED.md): patches per series in date order, and how many
# cover letters per series.
PW_GROUPING = {
    "base-single-patch.mbox": ([1], [0]),
    "base-cover-letter.mbox": ([2], [1]),
    "base-no-cover-letter.mbox": ([2], [0]),
    "base-deep-threaded.mbox": ([2], [1]),
    "base-out-of-order.mbox": ([2], [1]),
    "base-different-versions.mbox": ([4], [1]),
    "bugs-multiple-references.mbox": ([4], [1]),
    "base-no-references.mbox": ([2], [0]),
    "base-no-references-no-cover.mbox": ([2], [1]),
    "bugs-multiple-content-types.mbox": ([1], [0]),
    "revision-basic.mbox": ([2, 2], [1, 1]),
    "revision-threaded-to-single-patch.mbox": ([1, 1], [0, 0]),
    "revision-threaded-to-cover.mbox": ([2, 2], [1, 1]),
    "revision-threaded-to-patch.mbox": ([2, 2], [1, 1]),
    "revision-out-of-order.mbox": ([2, 2], [1, 1]),
    "revision-no-cover-letter.mbox": ([2, 2], [1, 0]),
    "revision-unlabeled.mbox": ([2, 2], [1, 1]),
    "revision-unlabeled-noreferences.mbox": ([2, 2], [0, 0]),
    "bugs-unnumbered.mbox": ([1, 1], [1, 0]),
    "bugs-nocover-noversion.mbox": ([2, 2], [0, 0]),
    "bugs-nocover.mbox": ([2, 2], [0, 0]),
    "bugs-spamming.mbox": ([1, 1, 1], [0, 0, 0]),
    "bugs-mixed-versions.mbox": ([1, 1], [0, 0]),
    "base-incomplete.mbox": ([1], [1]),
    "base-extra-patches.mbox": ([3], [1]),
    "mercurial-cover-letter.mbox": ([2], [1]),
    "mercurial-no-cover-letter.mbox": ([2], [0]),
    "dependency-base-patch.mbox": ([2], [1]),
}


@pytest.mark.parametrize("name", sorted(PW_GROUPING))
def test_patchwork_series_grouping(name):
    series, _ = pw_series(name)
    patches, covers = PW_GROUPING[name]
    assert [len(own(s)) for s in series] == patches
    assert [int(s.cover_message_id is not None) for s in series] == covers


def test_patchwork_comment_is_not_a_patch():
    # bugs-multiple-content-types: counts [0 covers, 1 patch, 1 comment].
    series, msgs = pw_series("bugs-multiple-content-types.mbox")
    assert len(msgs) == 2 and sum(len(s.patches) for s in series) == 1


def test_patchwork_received_all():
    # SeriesTotalTest: complete, incomplete, and a [PATCH 3/2] that joins a 2-patch series.
    assert pw_series("base-cover-letter.mbox")[0][0].complete
    (incomplete,), _ = pw_series("base-incomplete.mbox")
    assert not incomplete.complete and incomplete.missing == (2,)
    (extra,), _ = pw_series("base-extra-patches.mbox")
    assert extra.complete and [p.counter for p in extra.patches] == [1, 2, 3]


def test_patchwork_series_name_is_the_cover_subject():
    # SeriesNameTestCase.test_cover_letter / test_out_of_order: 'A sample series'.
    for name in ("base-cover-letter.mbox", "base-out-of-order.mbox"):
        assert pw_series(name)[0][0].title == "A sample series"


def test_patchwork_different_versions_take_the_cover_version():
    (s,), _ = pw_series("base-different-versions.mbox")
    assert s.version == 3 and len(s.patches) == 4 and not s.missing


def test_patchwork_mixed_versions_keep_apart():
    # '[PATCH v2 2/2]' in reply to '[PATCH 1/2]' is not a partial re-roll of it.
    (v1, v2), _ = pw_series("bugs-mixed-versions.mbox")
    assert (v1.version, v1.missing, v2.version, v2.missing) == (1, (2,), 2, (1,))
    assert not v2.partial_reroll


# --- b4's samples ---------------------------------------------------------------------------

def test_b4_naked_cover_same_author_root():
    series = find_series(messages(corpus_path("b4", "naked-cover-single.mbox")))
    s = latest(series)
    assert s.cover_message_id is not None
    assert s.title == "do a thing to the widget subsystem"


def test_b4_naked_cover_is_not_a_bug_report_by_someone_else():
    s = latest(find_series(messages(corpus_path("b4", "naked-cover-bugreport.mbox"))))
    assert s.cover_message_id is None and len(s.patches) == 1


def test_b4_partial_reroll_takes_v2_patch_1_and_v3_patch_2():
    msgs = messages(corpus_path("b4", "trailers-followup-partial-reroll.mbox"))
    series = find_series(msgs)
    s = latest(series)
    assert s.version == 3 and s.partial_reroll
    assert [(p.counter, p.message_id, p.carried_from) for p in s.patches] == [
        (1, "patch-1-message@example.com", 2), (2, "patch-v3-2-message@example.com", None)]
    assert s.cover_message_id == "cover-message@example.com" and s.cover_carried


def test_b4_nore_followup_is_not_a_patch():
    # A reply without "Re:" (same subject, quoting, a trailer, no diff) is a follow-up.
    series = find_series(messages(corpus_path("b4", "trailers-followup-nore.mbox")))
    assert len(series) == 1 and [p.message_id for p in series[0].patches] == ["orig-message@example.com"]


def test_b4_non_git_patch_is_a_patch():
    (s,) = find_series(messages(corpus_path("b4", "trailers-followup-non-git-patch.mbox")))
    assert [f.path for f in s.patches[0].files] == ["b4/junk.py"]


def test_change_id_and_base_commit_are_read():
    (s,) = find_series(messages(corpus_path("b4", "shazam-git1-just-series.mbox")))
    assert s.expected == 4 and not s.missing and s.cover_message_id
    assert s.change_id and s.base_commit


# --- versions across threads -------------------------------------------------------------------

def test_link_versions_by_author_and_subject():
    # revision-basic: v1 and v2 of "A sample series" in two threads.
    series, _ = pw_series("revision-basic.mbox")
    (chain,) = link_versions(series)
    assert [s.version for s in chain.series] == [1, 2] and "subject" in chain.evidence


def fixture_series(name: str):
    msgs = messages(FIXTURES / "series" / name)
    index = ThreadIndex(msgs)
    threads: dict[str, list[Message]] = {}
    for m in msgs:
        threads.setdefault(index.root(m.message_id), []).append(m)
    return [s for members in threads.values() for s in find_series(members)]


def test_link_versions_by_change_id_across_threads():
    # Christian Brauner's v1 (one patch) and v2 (cover + 2 patches, a new title), in two threads.
    series = [s for s in fixture_series("linux-modules-versions.mbox") if "brauner" in s.author_email
              or "kernel-exit" in s.root_message_id]
    (chain,) = link_versions(series)
    assert [s.version for s in chain.series] == [1, 2] and "change-id" in chain.evidence
    assert chain.series[1].change_id == "20260306-work-kernel-exit-2e8fd9e2c2a1"


def test_link_versions_by_version_link_and_changelog_despite_a_new_title():
    # Joe Lawrence's v2 renames the patch and links v1 on a "v1:" line with a changelog.
    series = [s for s in fixture_series("linux-modules-versions.mbox") if "joe.lawrence" in s.author_email]
    (chain,) = link_versions(series)
    v1, v2 = chain.series
    assert (v1.version, v2.version) == (1, 2) and v1.title != v2.title
    assert {"link", "changelog"} <= set(chain.evidence)
    assert v2.version_links == ("20260304160611.143862-1-joe.lawrence@redhat.com",)


def test_link_versions_keeps_different_series_apart():
    one, _ = pw_series("revision-basic.mbox")
    other, _ = pw_series("mercurial-cover-letter.mbox")
    chains = link_versions(list(one) + list(other))
    assert sorted(len(c.series) for c in chains) == [1, 2]


# --- the seed thread ----------------------------------------------------------------------------

def test_seed_thread_rfc_patch_is_a_series_of_one():
    msgs = messages(FIXTURES / "seed-thread" / "thread.mbox")
    (s,) = find_series(msgs)
    assert s.rfc and s.expected == 1 and len(s.patches) == 1
    (patch,) = s.patches
    assert patch.author_email == "zhaoyang.huang@unisoc.com"
    assert [(f.path, f.added, f.removed) for f in patch.files] == [("mm/filemap.c", 3, 1)]


def test_seed_thread_diffs_in_replies_are_follow_ups_not_patches():
    index = ThreadIndex(messages(FIXTURES / "seed-thread" / "thread.mbox"))
    with_diff = [mid for mid in index.by_id if index.files(mid) is not None]
    assert len(with_diff) == 3
    assert [mid for mid in with_diff if index.is_patch(mid)] == [
        "1665725448-31439-1-git-send-email-zhaoyang.huang@unisoc.com"]


# --- on the linux-modules epoch ------------------------------------------------------------

def test_hand_numbered_replacements_fill_the_slots_of_the_patches_they_answer(modules_db, tmp_path):
    # linux-modules, Jan 2025: v3 of "module: Use RCU instead of RCU-sched." (28 patches),
    # then two replacements both sent as "[PATCH v3.5 25/28]": bpf, answering the review of
    # v3 25/28, and kprobes, answering the review of v3 26/28 whose title it has. The second
    # one's n is a slip: it replaces 26/28 (b4 numbers both 25 and exports only the two).
    records = Cli(modules_db).json("patches", "--offline", "20250108090457.512198-1-bigeasy@linutronix.de",
                                   "-o", str(tmp_path), "--json")["series"]
    assert len(records) == 1 and records[0]["version_label"] == "3.5" and records[0]["partial_reroll"]
    slots = {p["counter"]: p["message_id"] for p in records[0]["patches"]}
    assert sorted(slots) == list(range(1, 29))
    assert slots[25] == "20250129084751.tH6iidUO@linutronix.de"
    assert slots[26] == "20250129084925.9ppBjGLC@linutronix.de"
    assert slots[27] == "20250108090457.512198-28-bigeasy@linutronix.de"
    mbx = open(records[0]["file"], encoding="utf-8").read()
    assert "Subject: [PATCH v3.5 26/28] kprobes: Use RCU in all users of" in mbx
