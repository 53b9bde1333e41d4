"""The thread summary and timeline on the seed thread, and their Markdown, JSON and CSV
renderings through the command line (the Markdown is parsed by a real CommonMark parser)."""

from __future__ import annotations

import csv
import io

import pytest
from markdown_it import MarkdownIt

from .conftest import FIXTURES, corpus_path
from .thread_helpers import analysed, hostile_thread

ROOT_ID = "1665725448-31439-1-git-send-email-zhaoyang.huang@unisoc.com"
MISSING = "20221018223042.GJ2703033@dread.disaster.area"
SEED_ID = "20221019234256.GR2703033@dread.disaster.area"
LAST_ID = "CAGWkznEsREG3Ok8zDwPkqJoHGv6_0f3KX1um-zL_VH=2EkOu9Q@mail.gmail.com"


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    [ta] = analysed(corpus_path("seed-thread", "thread.mbox"), tmp_path_factory.mktemp("seed"))
    return ta


def test_timeline_is_in_date_order_and_holds_every_message(seed):
    events = seed.timeline()
    dates = [e.date for e in events]
    assert all(d is not None for d in dates) and dates == sorted(dates)
    posts = [e for e in events if e.kind in ("posted", "replied")]
    assert len(posts) == 27 and [e.message_id for e in posts if e.kind == "posted"] == [ROOT_ID]
    assert posts[0].who == "Zhaoyang Huang" and posts[-1].message_id == LAST_ID
    crashes = {e.text: e for e in events if e.kind == "crash reported"}
    # The RCU stall of Dave Chinner's missing message is dated and placed by its quotes.
    stall = crashes["INFO: rcu detected stall in filemap_fault"]
    assert stall.message_id == MISSING and stall.who == "Dave Chinner" and stall.date.isoformat().startswith("2022-10-18")
    assert crashes["WARNING in iomap_page_release"].message_id == SEED_ID


def test_summary_facts_and_citations(seed):
    s = seed.summary()
    assert s.subject == "[RFC PATCH] mm: move xa forward when run across zombie page"
    assert s.root_message_id == ROOT_ID and s.messages == 27 and s.missing == (MISSING,)
    assert s.first_date.isoformat() == "2022-10-14T05:30:48+00:00" and s.last_date.year == 2024
    assert [c.title for c in s.crashes][:2] == ["INFO: rcu detected stall in kswapd",
                                                "INFO: rcu detected stall in filemap_fault"]
    # Every sentence cites messages of the thread (or its missing message known from quotes).
    known = set(seed.info.message_ids) | {MISSING}
    assert s.narrative and all(x.cites and set(x.cites) <= known for x in s.narrative)
    assert s.narrative[0].cites == (ROOT_ID,) and "Zhaoyang Huang" in s.narrative[0].text
    assert s.narrative[-1].cites == (LAST_ID,) and "11 Apr 2024" in s.narrative[-1].text
    assert [x.date for x in s.narrative] == sorted(x.date for x in s.narrative)


def md_html(text: str) -> str:
    return MarkdownIt("commonmark").render(text)


def test_summarize_markdown_renders_as_markdown(cli):
    result = cli("summarize", corpus_path("seed-thread", "thread.mbox"))
    assert result.exit_code == 0, result.output
    html = md_html(result.stdout)
    assert "<h1>[RFC PATCH] mm: move xa forward when run across zombie page</h1>" in html
    for heading in ("What happened", "Participants", "Proposals and outcomes", "Crash reports", "Open questions"):
        assert f"<h2>{heading}</h2>" in html
    assert html.count("<li>") > 10 and "<ol>" in html
    assert f'<a href="https://lore.kernel.org/r/{ROOT_ID}"><code>{ROOT_ID}</code></a>' in html
    # Not one paragraph run together: the thread's facts are list items.
    assert "<li><strong>Messages:</strong> 27" in html


def test_markdown_keeps_mail_inert(cli, tmp_path):
    result = cli("summarize", hostile_thread(tmp_path))
    assert result.exit_code == 0, result.output
    html = md_html(result.stdout)
    for bad in ("<script", "<img", "javascript:alert(3)\"", 'href="javascript', "<em>", 'src="http'):
        assert bad not in html, bad
    # The subject reads as written.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "[click](javascript:alert(3))" in html
    # The only links are archive links built from Message-IDs (percent-encoded).
    import re
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(h.startswith("https://lore.kernel.org/r/") for h in hrefs)
    assert "https://lore.kernel.org/r/evil%29%5D%28javascript:alert%286%29%29@example.org" in hrefs


def test_summarize_json_is_one_complete_record(cli):
    mbox_path = corpus_path("seed-thread", "thread.mbox")
    [record] = cli.json("summarize", mbox_path, "--format", "json")
    assert record["source"] == str(mbox_path)
    assert record["root_message_id"] == ROOT_ID and record["messages"] == 27
    assert record["missing_message_ids"] == [MISSING]
    assert {p["email"] for p in record["participants"]} >= {"zhaoyang.huang@unisoc.com", "huangzhaoyang@gmail.com"}
    assert [c["title"] for c in record["crashes"]][2:5] == [
        "INFO: task hung in evict", "WARNING in iomap_page_release", "kernel BUG in __remove_mapping"]
    assert all(s["cites"] and len(s["urls"]) == len(s["cites"]) for s in record["narrative"])
    assert isinstance(record["proposals"], list) and isinstance(record["open_questions"], list)
    assert record["first_date"] == "2022-10-14T05:30:48Z"


def test_timeline_formats(cli, tmp_path):
    mbox_path = corpus_path("seed-thread", "thread.mbox")
    records = cli.json("timeline", mbox_path, "--format", "json")
    assert [r["date"] for r in records] == sorted(r["date"] for r in records)
    assert records[0]["kind"] == "posted" and records[0]["source"] == str(mbox_path)
    out = cli("timeline", mbox_path, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == len(records) and rows[0]["message_id"] == ROOT_ID
    assert [r["date"] for r in rows] == [r["date"] for r in records]
    md = md_html(cli("timeline", mbox_path).stdout)
    assert md.count("<li>") == len(records)
    # A cell from mail that a spreadsheet would run as a formula is defused.
    hostile = list(csv.DictReader(io.StringIO(cli("timeline", hostile_thread(tmp_path), "--format", "csv").stdout)))
    assert [r["who"] for r in hostile if r["who_email"] == "bob@example.org"] == ["'=SUM(1+1)"]


def test_output_file_rules(cli, tmp_path, db):
    mbox_path = corpus_path("seed-thread", "thread.mbox")
    out = tmp_path / "summary.md"
    assert cli("summarize", mbox_path, "-o", out).exit_code == 0
    assert out.read_text().startswith("# \\[RFC PATCH\\]")
    assert cli("summarize", mbox_path, "-o", "-").stdout.startswith("# ")
    refused = cli("timeline", mbox_path, "-o", db)
    assert refused.exit_code == 2 and "is the store" in refused.stderr
    assert cli("timeline", mbox_path, "--format", "json").exit_code == 0  # the store still works


# --- acceptance: the whole seed thread's story -------------------------------------------------

def sentence_about(summary, *words):
    found = [x for x in summary.narrative if all(w in x.text for w in words)]
    assert len(found) == 1, (words, [x.text for x in summary.narrative])
    return found[0]


def test_seed_story_names_the_rfc_patch_the_other_proposals_and_their_fates(seed):
    s = seed.summary()
    by_id = {p.id: p for p in s.proposals}
    # zhaoyang.huang's RFC patch opens the story, with its date.
    rfc = s.proposals[0]
    assert (rfc.kind, rfc.message_id, rfc.author, rfc.author_email) == ("patch", ROOT_ID, "Zhaoyang Huang",
                                                                        "zhaoyang.huang@unisoc.com")
    opening = s.narrative[0]
    assert "On 14 Oct 2022, Zhaoyang Huang opened the thread with an RFC patch, p1" in opening.text
    assert "mm: move xa forward when run across zombie page" in opening.text and opening.cites == (ROOT_ID,)
    # Matthew Wilcox's diff to mm/filemap.c did not work (Dave Chinner, 19 Oct 2022).
    diff = next(p for p in s.proposals if p.kind == "diff" and p.author == "Matthew Wilcox"
                and "mm/filemap.c" in p.files and any(o.verdict == "does-not-work" for o in p.outcomes))
    failed = next(o for o in diff.outcomes if o.verdict == "does-not-work")
    assert failed.by == "Dave Chinner" and "did not prevent the livelock" in failed.evidence
    told = sentence_about(s, f"diff {diff.id} does not work", "did not prevent the livelock")
    assert told.text.startswith("On 19 Oct 2022, Dave Chinner") and told.cites == (failed.message_id,)
    # Dave Chinner's cond_resched suggestion caused other problems, with the crashes that followed.
    suggestion = next(p for p in s.proposals if p.kind == "suggestion" and p.author == "Dave Chinner")
    regressed = next(o for o in suggestion.outcomes if o.verdict == "regresses")
    assert "This causes a different problems to occur" in regressed.evidence
    assert {"WARNING in iomap_page_release", "kernel BUG in __remove_mapping"} <= set(regressed.traces)
    told = sentence_about(s, f"suggestion {suggestion.id} causes a regression")
    assert "WARNING in iomap_page_release" in told.text and told.cites == (SEED_ID,)
    # Every proposal is told with its date, and every outcome with its message.
    for prop in s.proposals:
        if prop is rfc:
            continue
        x = sentence_about(s, "proposed ", f" {prop.id}, ")
        assert x.text.startswith(f"On {prop.date.day} {prop.date:%b %Y}, ") and prop.message_id in x.cites
        for o in prop.outcomes:
            assert any(o.message_id in x.cites and prop.id in x.text for x in s.narrative), (prop.id, o)
    assert "no proposal was reported applied" in s.narrative[-1].text
    assert sum(p.id in by_id for p in s.proposals) == len(s.proposals) >= 5


def test_seed_timeline_holds_proposals_and_outcomes_in_date_order(seed):
    events = seed.timeline()
    s = seed.summary()
    assert [e.proposal for e in events if e.kind == "proposal"] == sorted(
        (p.id for p in s.proposals), key=lambda pid: next(p.date for p in s.proposals if p.id == pid))
    # Every outcome is an event: a newer version and an apply have kinds of their own.
    outcomes = [e for e in events if e.kind in ("outcome", "new version", "applied")]
    assert len(outcomes) == sum(len(p.outcomes) for p in s.proposals)
    assert any(e.verdict == "does-not-work" and "did not prevent the livelock" in e.text for e in outcomes)
    assert [e.date for e in events] == sorted(e.date for e in events)


def test_seed_markdown_lists_each_proposal_with_its_outcomes(cli):
    html = md_html(cli("summarize", corpus_path("seed-thread", "thread.mbox")).stdout)
    assert "<h3>p1: patch v1 “mm: move xa forward when run across zombie page”</h3>" in html
    assert "<strong>does-not-work</strong>: Dave Chinner, 2022-10-19 22:46 UTC" in html
    assert "“As I suspected, this change did not prevent the livelock.”" in html


def test_long_narratives_keep_proposals_and_point_at_the_timeline(seed, monkeypatch):
    from threadminer.analysis import summary as summary_mod

    s = seed.summary()
    monkeypatch.setattr(summary_mod, "MAX_SENTENCES", 8)
    short = summary_mod.narrative(sorted(seed.context.messages.values(), key=lambda m: m.date),
                                  seed.context.messages[ROOT_ID], s.proposals, s.crashes,
                                  summary_mod.Names(s.participants))
    assert len(short) == 10 and "further events are in the timeline" in short[-1].text
    assert short[-1].text.endswith(f"; {len(s.narrative) - 2 - 8} further events are in the timeline.")
    kept = " ".join(x.text for x in short)
    assert all(f" {p.id}" in kept for p in s.proposals)        # proposals are kept first
    assert [x.date for x in short[1:-1]] == sorted(x.date for x in short[1:-1])


def test_a_series_is_told_as_one_proposal(tmp_path):
    # linux-modules, Jun 2025: Petr Pavlu's two-patch series, Daniel Gomez's Reviewed-by on
    # each patch, then his b4 "Applied, thanks!".
    [ta] = analysed(FIXTURES / "people" / "module-series-reviewed-applied.mbox", tmp_path)
    s = ta.summary()
    series = s.proposals[0]
    assert series.kind == "series" and series.version == 2 and len(series.series_message_ids) == 2
    assert s.narrative[0].text.startswith(
        "On 18 Jun 2025, Petr Pavlu opened the thread with version 2 of a patch series, p1: ")
    assert ", 2 patches (p2 and p3), touching kernel/module/main.c." in s.narrative[0].text
    # The patches are not told one by one; their Reviewed-by are one sentence citing both.
    assert not any("proposed" in x.text and (" p2," in x.text or " p3," in x.text) for x in s.narrative)
    reviewed = sentence_about(s, "Daniel Gomez gave patches p2 and p3 of series p1 a Reviewed-by")
    assert len(reviewed.cites) == 2
    applied = sentence_about(s, "reported series p1 applied", "Applied, thanks!")
    assert applied.cites == ("175129179614.19111.13897690853396282394.b4-ty@samsung.com",)
