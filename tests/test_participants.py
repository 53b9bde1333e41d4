"""Participants: one per address, shown by their most used name, with roles (real threads:
the seed thread and a linux-modules thread where one person writes under two names)."""

from __future__ import annotations

import pytest

from threadminer.analysis.participants import in_body_author, is_bot
from threadminer.people import parse_person

from .conftest import FIXTURES, corpus_path
from .thread_helpers import analysed

UNISOC = "zhaoyang.huang@unisoc.com"
GMAIL = "huangzhaoyang@gmail.com"


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    [ta] = analysed(corpus_path("seed-thread", "thread.mbox"), tmp_path_factory.mktemp("seed"))
    return ta


def test_seed_one_participant_per_address_named_as_they_sign(seed):
    people = {p.email: p for p in seed.participants()}
    assert set(people) == {UNISOC, GMAIL, "willy@infradead.org", "david@fromorbit.com", "bfoster@redhat.com"}
    # The patch mail's From header says "zhaoyang.huang" (the address's local part: a mailer's
    # fallback); its in-body From line, from the same address, says "Zhaoyang Huang".
    unisoc = people[UNISOC]
    assert unisoc.name == "Zhaoyang Huang" and set(unisoc.names) == {"Zhaoyang Huang", "zhaoyang.huang"}
    assert unisoc.messages == 1
    assert unisoc.first_message_id == "1665725448-31439-1-git-send-email-zhaoyang.huang@unisoc.com"
    # The gmail sender has the same name but another address: not merged, each points at the other.
    assert people[GMAIL].messages == 9
    assert unisoc.same_name_as == (GMAIL,) and people[GMAIL].same_name_as == (UNISOC,)
    assert people["willy@infradead.org"].messages == 8 and people["david@fromorbit.com"].messages == 8
    # In order of first message.
    assert [p.email for p in seed.participants()][:2] == [UNISOC, "willy@infradead.org"]


def test_seed_crash_reporters(seed):
    roles = {p.email: p.roles for p in seed.participants()}
    assert "reporter" in roles[UNISOC]          # the RCU stall in the patch mail itself
    assert "reporter" in roles["david@fromorbit.com"]
    assert roles["bfoster@redhat.com"] == ("commenter",)


def test_two_names_one_address_is_one_participant(tmp_path):
    # linux-modules, Dec 2022: Zhen Lei posts the patch as "Zhen Lei" and answers the review
    # as "Leizhen (ThunderTown)", both from thunder.leizhen@huawei.com.
    [ta] = analysed(FIXTURES / "people" / "zhen-lei-two-names.mbox", tmp_path)
    people = {p.email: p for p in ta.participants()}
    assert set(people) == {"thunder.leizhen@huawei.com", "christophe.leroy@csgroup.eu", "pmladek@suse.com"}
    lei = people["thunder.leizhen@huawei.com"]
    assert lei.messages == 4
    assert lei.names == ("Leizhen (ThunderTown)", "Zhen Lei")  # most used first
    assert lei.name == "Leizhen (ThunderTown)"
    assert lei.same_name_as == ()


@pytest.mark.parametrize("value", [
    # From headers of linux-modules@vger.kernel.org (corpus/public-inbox/linux-modules).
    "kernel test robot <lkp@intel.com>",
    "kernel test robot <oliver.sang@intel.com>",
    "pr-tracker-bot@kernel.org",
    "syzbot <syzbot+e3705186451a87fd93b8@syzkaller.appspotmail.com>",
    "patchwork-bot+netdevbpf@kernel.org",
    "bot+bpf-ci@kernel.org",
    "sashiko-bot@kernel.org",
])
def test_bots(value):
    assert is_bot(parse_person(value))


@pytest.mark.parametrize("value", [
    "James Bottomley <James.Bottomley@HansenPartnership.com>",   # "bot" inside a name
    "Luis Chamberlain <mcgrof@kernel.org>",
    "Zhen Lei <thunder.leizhen@huawei.com>",
])
def test_people_are_not_bots(value):
    assert not is_bot(parse_person(value))


def test_in_body_author():
    body = "From: Zhaoyang Huang <zhaoyang.huang@unisoc.com>\n\nBellowing RCU stall is reported\n"
    assert in_body_author(body) == parse_person("Zhaoyang Huang <zhaoyang.huang@unisoc.com>")
    assert in_body_author("Hi,\nFrom: someone <a@b.c>\n") is None  # only the body's first line


def test_roles_on_the_seed_thread(seed):
    roles = {p.email: p.roles for p in seed.participants()}
    # The RFC patch (and the stall it carries); Dave Chinner tested Matthew Wilcox's diffs
    # ("did not prevent the livelock") and proposed the cond_resched loop.
    assert roles[UNISOC] == ("author", "reporter")
    assert "author" in roles["willy@infradead.org"] and "reviewer" in roles["willy@infradead.org"]
    assert {"author", "tester", "reporter"} <= set(roles["david@fromorbit.com"])
    assert roles["bfoster@redhat.com"] == ("commenter",)
    proposals = {p.email: p.proposals for p in seed.participants()}
    assert proposals[UNISOC] == ("p1",)


def test_roles_reviewer_tester_maintainer_bot(tmp_path):
    # linux-modules, Apr 2023: Jiri Olsa's patch gets Reviewed-by from three people, a
    # Tested-by, and patchwork-bot's "This patch was applied to bpf/bpf-next.git".
    [ta] = analysed(FIXTURES / "people" / "kallsyms-reviewed-tested-applied.mbox", tmp_path)
    roles = {p.email: p.roles for p in ta.participants()}
    assert roles == {
        "jolsa@kernel.org": ("author",),
        "thunder.leizhen@huawei.com": ("reviewer",),
        "asavkov@redhat.com": ("tester",),
        "patchwork-bot+netdevbpf@kernel.org": ("bot",),   # it reports the apply; it is no maintainer
        "pmladek@suse.com": ("reviewer",),
        "atomlin@atomlin.com": ("reviewer",),
    }


def test_maintainer_who_applied(tmp_path):
    # linux-modules, 18 Apr 2023: Arnd Bergmann's fix, Randy Dunlap's Acked-by and Tested-by,
    # Luis Chamberlain's "Applied and pushed!".
    [ta] = analysed(FIXTURES / "people" / "module-stats-acked-tested-applied.mbox", tmp_path)
    roles = {p.name: p.roles for p in ta.participants()}
    assert roles == {"Arnd Bergmann": ("author",), "Randy Dunlap": ("reviewer", "tester"),
                     "Luis Chamberlain": ("maintainer",)}
