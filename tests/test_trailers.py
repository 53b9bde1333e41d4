"""Trailers (issue 9): parsing as b4 reads them (corpus/b4 trailers-test-*.txt and b4's
address cases), and collection from replies on b4's follow-up samples (NOTES.md): reply to
reply, mismatched addresses, cover trailers on every patch, partial re-roll, no "Re:",
names with parentheses, bare addresses, HTML junk, trailers already on the patch."""

from __future__ import annotations

from pathlib import Path

import pytest

from threadminer.analysis.series import ThreadIndex, find_series
from threadminer.analysis.versions import latest
from threadminer.analysis.series_trailers import collect
from threadminer.analysis.trailers import (commit_trailers, make_trailer, parse_scope, parse_trailers, same_address,
                                           trailer_scope)
from threadminer.message import Message, parse_bytes
from threadminer.sources import read

from .conftest import corpus_path


def body_of(path: Path) -> str:
    """The body of a one-message sample file (its header block dropped)."""
    return path.read_text().split("\n\n", 1)[1]


def texts(trailers) -> list[str]:
    return [t.as_text() for t in trailers]


# --- parsing ---------------------------------------------------------------------------------

def test_b4_simple_trailers():
    found = parse_trailers(body_of(corpus_path("b4", "trailers-test-simple.txt")))
    assert [(t.name, t.kind, t.value) for t in found] == [
        ("Reported-by", "person", '"Doe, Jane" <jane@example.com>'),
        ("Reviewed-by", "person", "Bogus Bupkes <bogus@example.com>"),
        ("Fixes", "utility", "abcdef01234567890"),
        ("Link", "utility", "https://msgid.link/some@msgid.here")]


def test_b4_extinfo_and_wrapped_trailers():
    found = parse_trailers(body_of(corpus_path("b4", "trailers-test-extinfo.txt")))
    assert [(t.name, t.value, t.extinfo) for t in found] == [
        ("Reported-by", "Some, One <somewhere@example.com>", ""),
        ("Reviewed-by", "Bogus Bupkes <bogus@example.com>", "[for the parts that are bogus]"),
        ("Fixes", "abcdef01234567890", ""),
        ("Tested-by", "Some Person <bogus2@example.com>", "           [this person visually indented theirs]"),
        ("Link", "https://msgid.link/some@msgid.here", "  # initial submission"),
        ("Signed-off-by", "Wrapped Persontrailer <broken@example.com>", "")]
    assert found[4].as_text() == "Link: https://msgid.link/some@msgid.here  # initial submission"


@pytest.mark.parametrize("value,ok", [
    ("?", False), ("some description", False), ("abcdef012345", True),
    ("abcdef0123456789abcdef0123456789abcdef01 (\"subject\")", True),
    ("a" * 64 + ' ("subject")', True)])
def test_fixes_format(value, ok):
    assert bool(parse_trailers(f"Fixes: {value}\n")) == ok


# b4's test_trailer_addr_parsing cases: (value, person name, address, normalised value).
ADDRESSES = [
    ("Simple Name <simple@example.com>", "Simple Name", "simple@example.com", "Simple Name <simple@example.com>"),
    ('Jane "JD" Doe <jd@example.com>', 'Jane "JD" Doe', "jd@example.com", 'Jane "JD" Doe <jd@example.com>'),
    ("Some, One <somewhere@example.com>", "Some, One", "somewhere@example.com", "Some, One <somewhere@example.com>"),
    ("Developer Foo (EXAMPLECORP) <dev@example.com>", "Developer Foo (EXAMPLECORP)", "dev@example.com",
     "Developer Foo (EXAMPLECORP) <dev@example.com>"),
    ("<bare@example.com>", "", "bare@example.com", "bare@example.com"),
    ("bare@example.com", "", "bare@example.com", "bare@example.com"),
    ("HTML Junker <html-junker@example.com<mailto:html-junker@example.com>>", "HTML Junker",
     "html-junker@example.com", "HTML Junker <html-junker@example.com>"),
]


@pytest.mark.parametrize("value,name,email,shown", ADDRESSES)
def test_person_trailer_values(value, name, email, shown):
    t = make_trailer("Reviewed-by", value)
    assert (t.kind, t.person, t.email, t.value) == ("person", name, email, shown)


def test_quoted_and_signature_lines_are_not_trailers():
    body = ("> Reviewed-by: Quoted Person <q@example.com>\n>> Acked-by: Deeper <d@example.com>\n\n"
            "Tested-by: Me <me@example.com>\n-- \nSigned-off-by: Sig <sig@example.com>\n")
    assert texts(parse_trailers(body, followup=True)) == ["Tested-by: Me <me@example.com>"]


def test_outlook_style_quote_is_not_the_senders():
    # An Outlook reply quotes the patch without ">" below "-----Original Message-----".
    body = ("Acked-by: Me <me@example.com>\n\n-----Original Message-----\nFrom: Author <a@example.com>\n"
            "Signed-off-by: Author <a@example.com>\n")
    assert texts(parse_trailers(body, followup=True)) == ["Acked-by: Me <me@example.com>"]


def test_reply_trailers_are_review_trailers_only():
    body = ("Cc: someone@example.com\nFrom: Somebody <s@example.com>\nNote: mail me at me@example.com\n"
            "Nacked-by: Me <me@example.com>\nCo-developed-by: Me <me@example.com>\n"
            "Closes: https://bugzilla.kernel.org/show_bug.cgi?id=1\nchange-id: 20221025-test\n")
    assert [t.name for t in parse_trailers(body, followup=True)] == ["Nacked-by", "Co-developed-by", "Closes"]


def test_commit_trailers_are_the_last_paragraph():
    body = ("Subject line body.\n\nReported-by: In Text <t@example.com> said so\n\nFixes: abcdef012345 (\"x\")\n"
            "Signed-off-by: A <a@example.com>\n---\n file | 1 +\n\ndiff --git a/file b/file\n")
    assert [t.name for t in commit_trailers(body)] == ["Fixes", "Signed-off-by"]
    assert [t.line for t in commit_trailers(body)] == [5, 6]


@pytest.mark.parametrize("a,b,same", [
    ("Foo@Example.com", "foo@example.com", True), ("foo+kernel@example.com", "foo@example.com", True),
    ("foo@linux.intel.com", "foo@intel.com", True), ("foo@example.net", "foo@example.com", False),
    ("bar@example.com", "foo@example.com", False)])
def test_same_address(a, b, same):
    assert same_address(a, b) == same


# --- scope ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text,scope", [
    ("For patches 1-3:", (1, 2, 3)), ("for 2/7", (2,)), ("for patches 1, 2 and 4", (1, 2, 4)),
    ("Patches 1-5:", (1, 2, 3, 4, 5)), ("[for patches 1-3]", (1, 2, 3)), ("  # for 1-3", (1, 2, 3)),
    ("for the whole series", None), ("I looked at this for 2 days", None), ("Patches 1, 2 look good", None)])
def test_scope_phrases(text, scope):
    assert parse_scope(text) == scope


def test_scope_of_a_trailer_block():
    body = "> quoted cover\n\nFor patches 1-3:\n\nReviewed-by: R <r@example.com>\nAcked-by: R <r@example.com>\n"
    found = parse_trailers(body, followup=True)
    assert [trailer_scope(body, t) for t in found] == [(1, 2, 3), (1, 2, 3)]
    assert trailer_scope("Looks good.\n\nReviewed-by: R <r@example.com>\n",
                         parse_trailers("Looks good.\n\nReviewed-by: R <r@example.com>\n")[0]) is None


# --- collection on b4's follow-up samples ------------------------------------------------------

def collected(source: str, **kw):
    msgs = [m for m in read(str(corpus_path("b4", f"trailers-followup-{source}.mbox"))) if isinstance(m, Message)]
    index = ThreadIndex(msgs)
    series = find_series(index)
    chosen = latest(series)
    found = collect(chosen, index, [s for s in series if s is not chosen], **kw)
    added = {p.message_id: [c.trailer.as_text() for c in p.added] for p in found.patches}
    return chosen, found, added


def test_reply_and_reply_to_reply_are_collected_mismatch_flagged():
    _, found, added = collected("single")
    assert added == {"orig-message@example.com": [
        "Reviewed-by: Followup Reviewer1 <followup-reviewer1@example.com>",
        "Tested-by: Followup Reviewer2 <followup-reviewer2@example.com>"]}
    assert [(c.trailer.as_text(), c.sender) for c in found.flagged] == [
        ("Reviewed-by: Mismatched Reviewer1 <mismatched-reviewer1@example.net>",
         "Mismatched Reviewer <mismatched-reviewer1@example.com>")]


def test_sloppy_adds_the_mismatched_trailer():
    _, found, added = collected("single", sloppy=True)
    assert "Reviewed-by: Mismatched Reviewer1 <mismatched-reviewer1@example.net>" in added["orig-message@example.com"]
    assert not found.flagged


def test_cover_trailers_land_on_every_patch():
    _, _, added = collected("with-cover")
    assert added == {
        "patch-1-message@example.com": ["Reviewed-by: Coverletter Reviewer1 <followup-reviewer1@example.com>"],
        "patch-2-message@example.com": ["Reviewed-by: Followup Reviewer1 <followup-reviewer1@example.com>",
                                        "Reviewed-by: Coverletter Reviewer1 <followup-reviewer1@example.com>"]}


def test_partial_reroll_gets_cover_trailers_not_the_old_patch_2_review():
    chosen, _, added = collected("partial-reroll")
    assert [p.message_id for p in chosen.patches] == ["patch-1-message@example.com", "patch-v3-2-message@example.com"]
    assert added == {
        "patch-1-message@example.com": ["Reviewed-by: Coverletter Reviewer1 <followup-reviewer1@example.com>"],
        "patch-v3-2-message@example.com": ["Reviewed-by: Coverletter Reviewer1 <followup-reviewer1@example.com>"]}


@pytest.mark.parametrize("source,expected", [
    ("nore", ["Reviewed-by: Followup Reviewer1 <followup-reviewer1@example.com>"]),
    ("non-git-patch", ["Reviewed-by: Followup Reviewer1 <followup-reviewer1@example.com>"]),
    ("non-git-patch-with-comments", ["Reviewed-by: Followup Reviewer1 <followup-reviewer1@example.com>"]),
    ("with-diffstat", ["Reviewed-by: Followup Reviewer1 <followup-reviewer1@example.com>"]),
    ("stripped-lines", ["Reviewed-by: Followup Reviewer1 <followup-reviewer1@example.com>"]),
    ("name-parens", ["Reviewed-by: Followup Reviewer1 (corporate) <followup-reviewer1@example.com>",
                     "Tested-by: Followup Reviewer2 <followup-reviewer2@example.com>",
                     "Tested-by: Followup Tester1 [corporate] <followup-tester1@example.com>",
                     "Tested-by: Tester2, Followup <followup-tester2@example.com>"]),
    ("bare-address", ["Reviewed-by: Followup Reviewer1 (corporate) <followup-reviewer1@example.com>",
                      "Tested-by: Followup Reviewer2 <followup-reviewer2@example.com>"]),
    ("htmljunk", ["Reviewed-by: HTML Junker <html-junker@example.com>"]),
])
def test_b4_followup_samples(source, expected):
    _, _, added = collected(source)
    assert added == {"orig-message@example.com": expected}


def test_bare_address_trailer_on_the_patch_is_kept():
    chosen, found, _ = collected("bare-address")
    assert "Cc: bare-address@example.org" in texts(found.patches[0].own)


def test_trailer_already_on_the_patch_is_neither_added_nor_flagged():
    _, found, added = collected("already-present")
    assert added == {"orig-message@example.com": []}
    assert {c.trailer.name for c in found.flagged} == {"Tested-by"}


def test_real_scoped_cover_review():
    # Luis Chamberlain on the 0/8 cover: "For 1-7:" then Reviewed-by; patch 8 got its own
    # Reviewed-by in a reply to it after a discussion (linux-modules, Feb 2022).
    from .conftest import FIXTURES

    msgs = [m for m in read(str(FIXTURES / "series" / "linux-modules-scoped-cover-review.mbox"))
            if isinstance(m, Message)]
    index = ThreadIndex(msgs)
    (series,) = find_series(index)
    found = collect(series, index)
    via = [[(c.via, c.scope) for c in p.added] for p in found.patches]
    assert via[:7] == [[("cover", (1, 2, 3, 4, 5, 6, 7))]] * 7
    assert via[7] == [("reply", None)]
    assert {c.trailer.as_text() for p in found.patches for c in p.added} == {
        "Reviewed-by: Luis Chamberlain <mcgrof@kernel.org>"}


def test_scoped_cover_trailer_applies_to_its_patches_only():
    # Stands for the real pattern "For patches 1-3:" in a reply to a cover letter; built on
    # b4's with-cover sample by changing the cover reply's text.
    msgs = [m for m in read(str(corpus_path("b4", "trailers-followup-with-cover.mbox"))) if isinstance(m, Message)]
    raw = next(m for m in msgs if m.message_id == "fwup-message-2@example.com").raw
    scoped = parse_bytes(raw.replace(b"> This is a simple trailer parsing test.\n",
                                     b"> This is a simple trailer parsing test.\n\nFor patch 2:\n"), "test")
    msgs = [scoped if m.message_id == scoped.message_id else m for m in msgs]
    index = ThreadIndex(msgs)
    (series,) = find_series(index)
    found = collect(series, index)
    assert [c.scope for c in found.cover] == [(2,)]
    assert [c.trailer.person for c in found.patches[0].added] == []
    assert [c.trailer.person for c in found.patches[1].added] == ["Followup Reviewer1", "Coverletter Reviewer1"]
