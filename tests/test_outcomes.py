"""Proposals and their outcomes (issue 10): the seed page and the seed thread, the reading of
prose (negation, hedges, questions), the user's lexicon, the cache and the CLI.

The labelled linux-modules set is measured in test_outcome_bench.py and bench/outcomes.py.
"""

from __future__ import annotations

import json

import pytest

from threadminer.analysis.lexicon import LexiconError, build_lexicon, default_lexicon, parse_lexicon
from threadminer.analysis.verdicts import message_contexts, sentence_verdicts

from .conftest import FIXTURES, seed_page

SEED_THREAD = FIXTURES / "seed-thread" / "thread.mbox"
TESTED = frozenset({"testing"})


def outcomes_json(cli, *args) -> dict:
    data = cli.json("outcomes", *map(str, args), "--json")
    assert set(data) == {"source", "proposals"}
    return data


def by_kind_author(data: dict, kind: str, author: str) -> list[dict]:
    return [p for p in data["proposals"] if p["kind"] == kind and p["author"] == author]


def check_seed_acceptance(data: dict) -> None:
    """Issue 10's acceptance, the same for the page and the thread."""
    diffs = [p for p in by_kind_author(data, "diff", "Matthew Wilcox") if "mm/filemap.c" in p["files"]]
    verdicts = [(o["verdict"], o["by"], o["evidence"]) for p in diffs for o in p["outcomes"]]
    assert any(v == "does-not-work" and by == "Dave Chinner" and "did not prevent the livelock" in ev
               for v, by, ev in verdicts), verdicts
    suggestions = by_kind_author(data, "suggestion", "Dave Chinner")
    regressions = [o for p in suggestions for o in p["outcomes"] if o["verdict"] == "regresses"]
    assert len(regressions) == 1, suggestions
    regression = regressions[0]
    assert "This causes a different problems to occur" in regression["evidence"]
    assert regression["by"] == "Dave Chinner"
    traces = regression["traces"]
    assert any(t.startswith("INFO: task hung in") for t in traces), traces
    assert "WARNING in iomap_page_release" in traces
    assert "kernel BUG in __remove_mapping" in traces


def test_seed_page(cli):
    data = outcomes_json(cli, seed_page())
    assert data["source"] == str(seed_page())
    check_seed_acceptance(data)
    # The page quotes the whole discussion: both proposals are read from its quotes.
    for p in data["proposals"]:
        assert p["quoted_in"] is not None and p["source"] == str(seed_page())


def test_seed_page_suggestion_is_the_cond_resched_loop(db):
    """The suggestion's lines are the loop Dave proposes (read back from the page's body)."""
    from threadminer.composer import ThreadAnalysis
    from threadminer.sources import read
    from threadminer.store import Store

    with Store(db) as store:
        store.add(read(str(seed_page())))
        ta = ThreadAnalysis(store, store.thread_ids()[0])
        suggestion = next(p for p in ta.outcomes() if p.kind == "suggestion")
        lines = ta.message(ta.keys[0]).body.split("\n")[suggestion.first_line - 1: suggestion.last_line]
    code = "\n".join(lines)
    assert "cond_resched();" in code and "rcu_read_unlock();" in code and "goto repeat;" in code
    assert suggestion.title.startswith("I would have thought")


def test_seed_thread(cli):
    data = outcomes_json(cli, SEED_THREAD)
    check_seed_acceptance(data)
    props = data["proposals"]
    # zhaoyang.huang's RFC patch opens the thread; Matthew Wilcox rejects it in words.
    first = props[0]
    assert (first["kind"], first["author"], first["message_id"]) == (
        "patch", "zhaoyang.huang", "1665725448-31439-1-git-send-email-zhaoyang.huang@unisoc.com")
    assert first["title"] == "mm: move xa forward when run across zombie page"
    assert [(o["verdict"], o["by"]) for o in first["outcomes"]] == [("nacked", "Matthew Wilcox")]
    # Every proposal has its own message in the archive, in date order.
    assert all(p["quoted_in"] is None and p["in_thread"] for p in props)
    dates = [p["date"] for p in props]
    assert dates == sorted(dates)
    # The outcomes cite the messages that state them.
    by_mid = {o["message_id"]: (p["message_id"], o["verdict"]) for p in props for o in p["outcomes"]}
    assert by_mid["20221019224616.GP2703033@dread.disaster.area"] == (
        "Y1AWXiJdyjdLmO1E@casper.infradead.org", "does-not-work")
    assert by_mid["20221019234256.GR2703033@dread.disaster.area"] == (
        "20221019220424.GO2703033@dread.disaster.area", "regresses")
    # Willy's xas_adjust_order diff: "Nope, that ain't it."
    assert by_mid["20221028040554.GU2703033@dread.disaster.area"] == (
        "Y1lZ9Rm87GpFRM/Q@casper.infradead.org", "does-not-work")
    # Zhaoyang's own alternatives are proposals too, with no outcome reported.
    own = [p for p in props if p["author"] == "Zhaoyang Huang"]
    assert own and all(p["kind"] in ("diff", "suggestion") for p in own)


def test_seed_thread_text_output(cli):
    result = cli("outcomes", str(SEED_THREAD))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "p1 patch: mm: move xa forward when run across zombie page" in out
    assert "does-not-work by Dave Chinner" in out
    assert '"As I suspected, this change did not prevent the livelock."' in out
    assert "crash: WARNING in iomap_page_release" in out


def test_outcomes_are_cached_and_read_back_equal(db):
    from threadminer.composer import ThreadAnalysis
    from threadminer.store import Store
    from threadminer.sources import read

    with Store(db) as store:
        store.add(read(str(SEED_THREAD)))
        tid = store.thread_ids()[0]
        first = ThreadAnalysis(store, tid)
        computed = first.outcomes()
        first.writes.flush()
        again = ThreadAnalysis(store, tid).outcomes()
        assert again == computed
        rows = store.db.execute("SELECT COUNT(*) FROM analyses WHERE analyser = 'outcomes'").fetchone()[0]
        assert rows == 1


# --- reading prose --------------------------------------------------------------------------------

def verdicts(text: str, contexts=TESTED, lexicon=None) -> set[str]:
    return {f.rule.verdict for f in sentence_verdicts(text, lexicon or default_lexicon(), contexts)}


@pytest.mark.parametrize("text, expected", [
    # seed thread, Dave Chinner, <20221019224616.GP2703033@dread.disaster.area>: the hedge
    # ("As I suspected") is in its own clause.
    ("As I suspected, this change did not prevent the livelock.", {"does-not-work"}),
    # seed thread, Dave Chinner, <20221019234256.GR2703033@dread.disaster.area>
    ("This causes a different problems to occur.", {"regresses"}),
    # linux-modules, David Hildenbrand, 2022-11-25 <CADFyXm5AP8pvXAKRBVNsZd5SUPziKBV0UktwORokuLU7c6Sbvg@mail.gmail.com>
    ("I just tested your patch in the environment where I can reproduce the vmap allocation issue, and "
     "(unsurprisingly) this patch similarly seems to fix the issue.", {"works"}),
    # linux-modules, Uros Bizjak, <CAFULd4b25r5wf31DJputSOZhhMTrejQ_3-2P5rp...>: a negated fix
    ("(The latter doesn't fix the warning, though).", {"does-not-work"}),
    # linux-modules, Luis Chamberlain <Y5FPkEgEbDlVXkRK@bombadil.infradead.org>
    ("Queued onto modules-next.", {"applied"}),
    # linux-modules, Andy Shevchenko <aU_52lcfC8NzmFp5@smile.fi.intel.com>
    ("NAK.", {"nacked"}),
])
def test_real_sentences(text, expected):
    assert verdicts(text) == expected


@pytest.mark.parametrize("text, expected", [
    # How reviewers write in general (linux-modules, the development set), one form each:
    # a tag given in words, not as a trailer line (Luis Chamberlain <Y6Dq85hQmkUJBcqA@bombadil.infradead.org>)
    ("Feel free to add my Reviewed-by tags for this patch.", {"reviewed"}),
    # a change asked in the first person (Benno Lossin <D9PW1NI2S6FV.8LA53J87VCML@kernel.org>)
    ("I'd remove it.", {"changes-requested"}),
    # softened (Eric Biggers <20260311011218.GA212983@quark>)
    ("Maybe rename it to 'struct hash' and use it for both the hashes and leaf nodes and internal nodes.",
     {"changes-requested"}),
    # as a question pointing at a missing change (Sami Tolvanen <CABCJKudob+8GH2U_QLEngjqjOVmDfm8ZkEfn-Ya9ZG5OEOrRtQ@mail.gmail.com>)
    ("Also, shouldn't you add the module directory to TARGETS in tools/testing/selftests/Makefile?",
     {"changes-requested"}),
    # (Petr Pavlu <ac7f8644-453a-4156-b357-ba266a7a0ca6@suse.com>)
    ("Perhaps consider using a regular list implementation.", {"changes-requested"}),
    # an author giving his patch up for another (Laurent Bercot <ema794c470-aab7-40a9-979d-7b69050622e8@77b27b13.com>)
    ("Absolutely, this patch is way better than mine and I should have thought of looking for something "
     "similar before submitting mine.", {"superseded"}),
    # a modal inside a test result (Luis Chamberlain <Y9A4fiobL6IHp//P@bombadil.infradead.org>)
    ("FWIW I was curious if the kmod test 0009.sh now could pass with this too, but alas it can sometimes "
     "fail too.", {"does-not-work"}),
    # a build bot's report relayed (Masahiro Yamada <CAK7LNARzGX8U5B9y3gST+qW9DVWcdAz3hAQQ=t+Bg8ZAjWSGrQ@mail.gmail.com>)
    ("0day bot reported a breakage when CONFIG_TRIM_UNUSED_KSYMS=y", {"build-failure"}),
    # Not verdicts: talk about NAKs (Song Liu <8AC2399B-F3B2-4F91-B18C-D9D3D5085471@fb.com>,
    # Luis Chamberlain <ZApf0iNOsSAUbhMz@bombadil.infradead.org>), "no way to" (Sid Nayyar
    # <CA+OvW8bhWK7prmyQMMJ_VYBeGMbn_mNiamHhUgYuCsnht+LFtA@mail.gmail.com>), a list dropping mail
    # (Song Liu <6214B9C9-557B-4DC0-BFDE-77EAC425E577@fb.com>), a conditional (Daniel Latypov
    # <CAGS_qxpXkTZiebd=zqJTY8wvSs1TuBvBuDdxYkPEjwnkQ+ir2g@mail.gmail.com>)
    ("For the first NAK, I agree that my version is another layer on top of vmalloc.", set()),
    ("Masahiro Yamada already NACK'd it such effort:", set()),
    ("We do not trust either type regarding symbol exposure, as there is no way to know exactly what sources "
     "were used.", set()),
    ("Sometimes, vger drops my patch because the CC list is too long.", set()),
    ("If we decide we don't want that, then we can defer it until I send out the patches.", set()),
])
def test_general_review_language(text, expected):
    assert verdicts(text) == expected



@pytest.mark.parametrize("text, verdict, expected", [
    # Not the change's effect (general forms of test mail): the writer has not run it yet,
    # restates his earlier report, or made the problem go away by switching something off.
    ("I haven't had a chance to test the patch yet, but I see the same problem on my box.", "regresses", False),
    ("As I said, the commit broke suspend on my laptop.", "regresses", False),
    ("I disabled CONFIG_FOO and the warning is gone.", "works", False),
    # ... while the plain reports still are.
    ("I see the same problem on my box with this patch applied.", "regresses", True),
    ("The commit broke suspend on my laptop.", "regresses", True),
    ("With the patch applied the warning is gone.", "works", True),
])
def test_reports_that_are_not_about_the_change(text, verdict, expected):
    assert (verdict in verdicts(text)) is expected



def test_a_cited_commit_title_is_a_name_not_a_report():
    """Commits are cited with their titles ('abcdef123456 ("foo: Fix build error")'): the
    title's words report nothing; the sentence around it still may."""
    assert verdicts('This check came with 0123456789ab ("foo: Fix build error on arm64") to allow it.') == set()
    assert verdicts('Since 0123456789ab ("foo: tidy up") the build fails on arm64.') == {"build-failure"}


@pytest.mark.parametrize("text", [
    # Predictions, conditions and questions are not test results (README boundary rules:
    # "A prediction is not a test"); each stands for a form seen in review mail.
    "I think this fixes it.",
    "This patch should fix the problem.",
    "If this fixes it, I'll send a v2.",
    "Does this fix it?",
    "I'm not sure this fixes the livelock.",
    "Can you check whether this patch fixes the issue?",
    # Negations: "doesn't fix" is never `works`; "not a NAK" is no NAK.
    "This patch does not fix the hang for me.",
])
def test_predictions_questions_and_negations_are_not_works(text):
    assert "works" not in verdicts(text)


def test_a_question_is_no_verdict_but_a_request_may_be_one():
    assert verdicts("Does this fix the warning?") == set()
    assert "changes-requested" in verdicts("Could you please split this into two patches?")


def test_test_reports_need_something_to_have_run():
    # "That works for me" agreeing with a plan (README: "works for me" in the sense of
    # agreeing is not `works`): without any test nearby, no verdict.
    assert "works" not in verdicts("It works for me.", contexts=frozenset())
    assert "works" in verdicts("It works for me.", contexts=TESTED)
    contexts = message_contexts(["I booted it on my board with the patch applied."], default_lexicon())
    assert "testing" in contexts


# --- whole threads (fixtures/outcomes/, see fixtures/README.md) ------------------------------------

OUTCOME_FIXTURES = FIXTURES / "outcomes"


def outcomes_of(data: dict, message_id: str) -> list[tuple[str, str, bool]]:
    return [(o["verdict"], o["rule"], o["structured"]) for p in data["proposals"] for o in p["outcomes"]
            if o["message_id"] == message_id]


def test_a_conditional_approval_asks_for_its_inline_comment(cli):
    data = outcomes_json(cli, OUTCOME_FIXTURES / "conditional-approval.mbox")
    found = outcomes_of(data, "b9b74600-4467-4c76-aa41-0a36b1cce1f4@kernel.org")
    assert ("reviewed", "trailer.reviewed-by", True) in found
    request = [o for p in data["proposals"] for o in p["outcomes"]
               if o["rule"] == "changes-requested.conditional-approval"]
    assert [o["evidence"] for o in request] == [
        "The new naming makes sense, but it breaks the pattern with _GPL suffix:"]



@pytest.mark.parametrize("answer, asks", [
    ("I am still not sure the lock covers it.", True),
    ("Fair enough, let's ignore it then.", False),
])
def test_a_conditional_approval_after_a_conceded_point_asks_for_nothing(cli, tmp_path, answer, asks):
    hdr = "From a@b Thu Jan  1 00:00:00 1970\nFrom: {who}\nSubject: {subj}\nMessage-ID: <{mid}>\n{irt}" \
          "Date: Mon, 1 Feb 2010 {hour}:00:00 +0000\n\n"
    ann, rita, subj = "Ann Author <ann@example.org>", "Rita Reviewer <rita@example.org>", "Re: [PATCH] foo: fix bar"
    mbox = tmp_path / "conceded.mbox"
    mbox.write_text(
        hdr.format(who=ann, subj="[PATCH] foo: fix bar", mid="p1@example.org", irt="", hour=10)
        + "Fix bar.\n\nSigned-off-by: Ann Author <ann@example.org>\n---\n foo.c | 1 +\n\n"
        "diff --git a/foo.c b/foo.c\n--- a/foo.c\n+++ b/foo.c\n@@ -1,1 +1,2 @@\n int x;\n+int y;\n\n"
        + hdr.format(who=rita, subj=subj, mid="r1@example.org", irt="In-Reply-To: <p1@example.org>\n", hour=11)
        + "Ann Author wrote:\n> +int y;\n\nIs the lock held here?\n\n"
        + hdr.format(who=ann, subj=subj, mid="r2@example.org", irt="In-Reply-To: <r1@example.org>\n", hour=12)
        + "Rita Reviewer wrote:\n> Is the lock held here?\n\nYes, the caller takes it.\n\n"
        + hdr.format(who=rita, subj=subj, mid="r3@example.org", irt="In-Reply-To: <r2@example.org>\n", hour=13)
        + f"Ann Author wrote:\n> Yes, the caller takes it.\n\n{answer}\n\nOtherwise, the patch looks good to me.\n\n"
        "Reviewed-by: Rita Reviewer <rita@example.org>\n")
    found = outcomes_of(outcomes_json(cli, mbox), "r3@example.org")
    assert ("reviewed", "trailer.reviewed-by", True) in found
    assert (("changes-requested", "changes-requested.conditional-approval", False) in found) is asks


def test_pasted_compiler_errors_are_a_build_report(cli):
    data = outcomes_json(cli, OUTCOME_FIXTURES / "compiler-output.mbox")
    found = outcomes_of(data, "1559bd58-0cc7-e643-ff0f-7be5e39992f1@csgroup.eu")
    assert found == [("build-failure", "build-failure.compiler-output", False)]


def test_a_patch_known_only_from_its_reply(cli):
    data = outcomes_json(cli, OUTCOME_FIXTURES / "missing-patch-applied.mbox")
    (proposal,) = data["proposals"]
    assert proposal["missing"] is True and proposal["kind"] == "patch"
    assert proposal["message_id"] == "20220108140657.3361237-1-gregkh@linuxfoundation.org"
    assert proposal["title"] == "module.h: allow #define strings to work with MODULE_IMPORT_NS"
    assert proposal["author"] == "Greg Kroah-Hartman"
    # "Thanks, queued onto modulex-next [0]." is the point of the reply: structured.
    assert outcomes_of(data, "Yd5HUhgGpWF9AUte@bombadil.infradead.org") == [("applied", "applied.maintainer", True)]


def test_a_reviewer_tag_written_loosely(cli, tmp_path):
    """Stands for the tags written after a few words on their line ("FWIW, Reviewed-by: ..."),
    with a space ("Acked by:") or an obfuscated address, seen in older LKML mail."""
    mbox = tmp_path / "loose.mbox"
    mbox.write_text(
        "From a@b Thu Jan  1 00:00:00 1970\nFrom: Ann Author <ann@example.org>\nSubject: [PATCH] foo: fix bar\n"
        "Message-ID: <p1@example.org>\nDate: Mon, 1 Feb 2010 10:00:00 +0000\n\nFix bar.\n\n"
        "Signed-off-by: Ann Author <ann@example.org>\n---\n foo.c | 1 +\n\n"
        "diff --git a/foo.c b/foo.c\n--- a/foo.c\n+++ b/foo.c\n@@ -1,1 +1,2 @@\n int x;\n+int y;\n\n"
        "From a@b Thu Jan  1 00:00:00 1970\nFrom: Rita Reviewer <rita@example.org>\nSubject: Re: [PATCH] foo: fix bar\n"
        "Message-ID: <r1@example.org>\nIn-Reply-To: <p1@example.org>\nDate: Mon, 1 Feb 2010 11:00:00 +0000\n\n"
        "Looks right to me.\n\nFWIW, Reviewed-by: Rita Reviewer <rita@example.org>\n"
        "Acked by: Rita Reviewer <rita at example.org>\n\n"
        "From a@b Thu Jan  1 00:00:00 1970\nFrom: Rob Other <rob@example.org>\nSubject: Re: [PATCH] foo: fix bar\n"
        "Message-ID: <r2@example.org>\nIn-Reply-To: <p1@example.org>\nDate: Mon, 1 Feb 2010 12:00:00 +0000\n\n"
        "Tested-by:     in order of appearance\n")
    data = outcomes_json(cli, mbox)
    assert sorted(outcomes_of(data, "r1@example.org")) == [("acked", "trailer.acked-by", True),
                                                           ("reviewed", "trailer.reviewed-by", True)]
    assert outcomes_of(data, "r2@example.org") == []



def _reply_diff_thread(tmp_path, later_hunk: str) -> dict:
    """A reviewer's reply diff, then his own later reply diff below it (`later_hunk`)."""
    hdr = "From a@b Thu Jan  1 00:00:00 1970\nFrom: {who}\nSubject: {subj}\nMessage-ID: <{mid}>\n{irt}" \
          "Date: Mon, 1 Feb 2010 {hour}:00:00 +0000\n\n"
    patch = (hdr.format(who="Ann Author <ann@example.org>", subj="[PATCH] foo: fix bar", mid="p1@example.org",
                        irt="", hour=10)
             + "Fix bar.\n\nSigned-off-by: Ann Author <ann@example.org>\n---\n foo.c | 1 +\n\n"
             "diff --git a/foo.c b/foo.c\n--- a/foo.c\n+++ b/foo.c\n@@ -1,1 +1,2 @@\n int x;\n+int y;\n\n")
    first = (hdr.format(who="Rob Other <rob@example.org>", subj="Re: [PATCH] foo: fix bar", mid="r1@example.org",
                        irt="In-Reply-To: <p1@example.org>\n", hour=11)
             + "How about this instead:\n\ndiff --git a/foo.c b/foo.c\n--- a/foo.c\n+++ b/foo.c\n"
             "@@ -1,1 +1,3 @@\n int x;\n+int y = 0;\n+int z = 0;\n\n")
    later = (hdr.format(who="Rob Other <rob@example.org>", subj="Re: [PATCH] foo: fix bar", mid="r2@example.org",
                        irt="In-Reply-To: <r1@example.org>\n", hour=12)
             + "Here it is again:\n\ndiff --git a/foo.c b/foo.c\n--- a/foo.c\n+++ b/foo.c\n" + later_hunk + "\n")
    mbox = tmp_path / "reply-diffs.mbox"
    mbox.write_text(patch + first + later)
    return mbox


def test_a_corrected_reply_diff_supersedes_the_first(cli, tmp_path):
    mbox = _reply_diff_thread(tmp_path, "@@ -1,1 +1,3 @@\n int x;\n+int y = 0;\n+int z = 1;\n")
    assert ("superseded", "superseded.corrected-diff", False) in outcomes_of(outcomes_json(cli, mbox), "r2@example.org")


def test_a_reply_diff_grown_into_a_larger_change_does_not_supersede_it(cli, tmp_path):
    """Its lines live on in the larger diff: an extension, not a correction."""
    grown = "".join(f"+int w{i} = 0;\n" for i in range(6))
    mbox = _reply_diff_thread(tmp_path, "@@ -1,1 +1,9 @@\n int x;\n+int y = 0;\n+int z = 0;\n" + grown)
    assert outcomes_of(outcomes_json(cli, mbox), "r2@example.org") == []


# --- the user's lexicon ----------------------------------------------------------------------------

USER_LEXICON = """
disable = ["nacked.nak"]

[[rule]]
id = "works.ship-it"
verdict = "works"
family = "test-report"
patterns = ['\\bship it\\b']
negation = "veto"
hedge = "ignore"

[words]
hedge = ['\\bperchance\\b']
"""


def test_a_user_lexicon_adds_disables_and_extends():
    lexicon = build_lexicon(parse_lexicon(USER_LEXICON))
    ids = [r.id for r in lexicon.rules]
    assert "works.ship-it" in ids and "nacked.nak" not in ids
    assert verdicts("Ship it!", lexicon=lexicon) == {"works"}
    assert verdicts("Don't ship it.", lexicon=lexicon) == set()
    assert verdicts("NAK.", lexicon=lexicon) == set()
    # Lists extend the shipped ones: the new hedge cancels, the old ones still do.
    assert verdicts("Perchance this fixes the crash.", lexicon=lexicon) == set()
    assert verdicts("I think this fixes the crash.", lexicon=lexicon) == set()
    assert lexicon.digest != default_lexicon().digest


@pytest.mark.parametrize("text, message", [
    ("[[rule]]\nid = 'x'\nverdict = 'works'\npatterns = ['(']\n", "bad pattern"),
    ("[[rule]]\nid = 'x'\nverdict = 'great'\npatterns = ['a']\n", "not one of"),
    ("[[rule]]\nid = 'x'\nverdict = 'works'\npatterns = ['a']\ncolour = 1\n", "unknown keys"),
    ("[nonsense]\nx = 1\n", "unknown lexicon tables"),
    ("not toml = = =", "not valid TOML"),
])
def test_a_bad_user_lexicon_is_one_clear_error(text, message):
    with pytest.raises(LexiconError, match=message):
        build_lexicon(parse_lexicon(text, "my.toml"))


def test_cli_reads_the_lexicon_named_by_the_environment(cli, tmp_path, monkeypatch):
    path = tmp_path / "lexicon.toml"
    path.write_text('disable = ["does-not-work.did-not-fix", "does-not-work.still-fails"]\n')
    monkeypatch.setenv("THREADMINER_LEXICON", str(path))
    data = outcomes_json(cli, seed_page())
    verdicts_found = {o["verdict"] for p in data["proposals"] for o in p["outcomes"]}
    assert "does-not-work" not in verdicts_found and "regresses" in verdicts_found


def test_cli_reads_the_lexicon_named_in_the_config_file(cli, tmp_path, monkeypatch):
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text('disable = ["regresses.causes-problem"]\n')
    config = tmp_path / "config.toml"
    config.write_text(f'[outcomes]\nlexicon = "{lexicon}"\n')
    monkeypatch.delenv("THREADMINER_LEXICON", raising=False)
    monkeypatch.setenv("THREADMINER_CONFIG", str(config))
    data = outcomes_json(cli, seed_page())
    assert "regresses" not in {o["verdict"] for p in data["proposals"] for o in p["outcomes"]}


def test_cli_bad_lexicon_is_exit_2_without_traceback(cli, tmp_path, monkeypatch):
    path = tmp_path / "lexicon.toml"
    path.write_text("[[rule]]\nid = 'x'\nverdict = 'works'\npatterns = ['(']\n")
    monkeypatch.setenv("THREADMINER_LEXICON", str(path))
    result = cli("outcomes", str(seed_page()), "--json")
    assert result.exit_code == 2
    assert "bad pattern" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_the_lexicon_ships_with_the_package():
    from importlib import resources

    text = resources.files("threadminer.analysis").joinpath("outcome_lexicon.toml").read_text("utf-8")
    assert "[[rule]]" in text
    assert json.dumps(default_lexicon().raw)  # plain data: its digest keys the cache


# --- any input -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(p for p in FIXTURES.rglob("*")
                                        if p.is_file() and p.name != "README.md"), ids=lambda p: p.name)
def test_every_fixture_reads_without_a_traceback(cli, path):
    """Every archive format threadminer reads (pages, attachments, Outlook quoting, hostile
    HTML): `outcomes` answers with JSON or one error line."""
    result = cli("outcomes", str(path), "--json")
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.stderr
    if result.exit_code == 0:
        assert "proposals" in json.loads(result.stdout)


# --- b4's own follow-up samples (../shared/corpus/b4, see its NOTES.md) --------------------------

def b4_outcomes(cli, name: str) -> dict[str, list[tuple[str, str, str]]]:
    """(verdict, by, message_id) of each proposal, by title."""
    from .conftest import corpus_path

    data = outcomes_json(cli, corpus_path("b4", name))
    return {p["title"] + (f" v{p['version']}" if p["version"] and p["version"] > 1 else ""):
            [(o["verdict"], o["by"], o["message_id"]) for o in p["outcomes"]] for p in data["proposals"]}


def test_b4_followup_trailers_including_a_reply_to_a_reply(cli):
    found = b4_outcomes(cli, "trailers-followup-single.mbox")
    got = found["Simple test"]
    assert ("reviewed", "Followup Reviewer1", "fwup-message-1@example.com") in got
    assert ("works", "Followup Reviewer2", "fwup-message-2@example.com") in got


def test_b4_cover_letter_trailer_is_on_the_series(cli):
    found = b4_outcomes(cli, "trailers-followup-with-cover.mbox")
    assert [v for v, _, _ in found["Simple cover v2"]] == ["reviewed"]
    assert found["Simple test 1 v2"] == []
    assert [v for v, _, _ in found["Simple test 2 v2"]] == ["reviewed"]


def test_b4_quoted_trailer_is_not_a_new_one(cli):
    """fwup-message-2 quotes `> Reviewed-by: Followup Reviewer1` and gives its own Tested-by:
    only the Tested-by is its outcome."""
    found = b4_outcomes(cli, "trailers-followup-bare-address.mbox")
    from_2 = [v for v, _, mid in found["Simple test"] if mid == "fwup-message-2@example.com"]
    assert from_2 == ["works"]
    # The patch's own Reviewed-by (Original Reviewer) is no outcome either.
    assert not any(mid == "orig-message@example.com" for _, _, mid in found["Simple test"])


def test_b4_trailer_already_on_the_patch_is_not_new(cli):
    """A reply restating the patch's own `Reviewed-by: Alexandre Courbot` gives no outcome."""
    found = b4_outcomes(cli, "trailers-followup-already-present.mbox")
    (title,) = found
    assert not any(v == "reviewed" for v, _, _ in found[title])


def test_b4_partial_reroll_supersedes_the_one_patch(cli):
    found = b4_outcomes(cli, "trailers-followup-partial-reroll.mbox")
    assert ("superseded", "Test Test", "patch-v3-2-message@example.com") in found["Simple test 2 v2"]
    assert not any(v == "superseded" for v, _, _ in found["Simple test 1 v2"])
    assert not any(v == "superseded" for v, _, _ in found["Simple cover v2"])
