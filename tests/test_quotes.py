"""Quote trees on real mail: the seed page, the seed thread, the wayland review thread, and
attribution lines as real mailers write them (each case cites the message it comes from)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from threadminer.analysis.attribution import parse_attribution, parse_header_block
from threadminer.composer import ThreadAnalysis, analyse
from threadminer.dates import iso
from threadminer.message import Message, make_message, parse_bytes
from threadminer.people import Person
from threadminer.analysis.lines import split_body as body_lines, split_line
from threadminer.analysis.context import ThreadContext, normalise
from threadminer.analysis.ghosts import ghost_voices
from threadminer.analysis.quotes import parse
from threadminer.select import select
from threadminer.sources import read
from threadminer.store import Store

from .conftest import FIXTURES, corpus_path, seed_page

UTC = timezone.utc
SEED_MID = "20221019234256.GR2703033@dread.disaster.area"
SEED_SOURCES = ["20221019224616.GP2703033@dread.disaster.area", "20221019220424.GO2703033@dread.disaster.area",
                "Y1AWXiJdyjdLmO1E@casper.infradead.org", "20221018223042.GJ2703033@dread.disaster.area"]
GHOST_MID = "20221018223042.GJ2703033@dread.disaster.area"


def only_message(path) -> Message:
    found = [m for m in read(str(path)) if isinstance(m, Message)]
    assert len(found) == 1
    return found[0]


def fixture(name: str) -> Message:
    return parse_bytes((FIXTURES / "quotes" / name).read_bytes(), name)


def check_cover(tree, body: str) -> None:
    """Segments cover the whole body, in order, without gaps or overlaps."""
    assert tree.segments[0].first_line == 1
    for before, after in zip(tree.segments, tree.segments[1:]):
        assert after.first_line == before.last_line + 1
    assert tree.segments[-1].last_line == len(body_lines(body))
    for seg in tree.segments:
        assert seg.depth == tree.voices[seg.voice].depth


# --- the seed page alone ---------------------------------------------------------------

def test_seed_page_alone_has_five_voices_with_authors_and_dates():
    tree = parse(only_message(seed_page()))
    assert [v.depth for v in tree.voices] == [0, 1, 2, 3, 4]
    assert [v.parent for v in tree.voices] == [None, 0, 1, 2, 3]
    assert [v.author for v in tree.voices] == ["Dave Chinner", "Dave Chinner", "Dave Chinner", "Matthew Wilcox",
                                               "Dave Chinner"]
    expected = [datetime(2022, 10, 19, 23, 43, 9, tzinfo=UTC), datetime(2022, 10, 19, 22, 46, 16, tzinfo=UTC),
                datetime(2022, 10, 19, 22, 4, 24, tzinfo=UTC), datetime(2022, 10, 19, 15, 23, 10, tzinfo=UTC),
                datetime(2022, 10, 18, 22, 30, 42, tzinfo=UTC)]
    for voice, when in zip(tree.voices, expected):
        assert voice.date is not None and abs((voice.date - when).total_seconds()) <= 60, voice
    assert tree.voices[3].attribution == "On Wed, Oct 19, 2022 at 04:23:10PM +0100, Matthew Wilcox wrote:"


def test_seed_page_segments_keep_the_inline_structure():
    msg = only_message(seed_page())
    tree = parse(msg)
    check_cover(tree, msg.body)
    texts = [(s.depth, s.kind, s.text.split("\n")[0]) for s in tree.segments]
    # The four attribution lines open the body, one per depth.
    assert [(d, k) for d, k, _ in texts[:4]] == [(0, "attribution"), (1, "attribution"), (2, "attribution"),
                                                 (3, "attribution")]
    # The depth-2 answer sits between the two depth-3 quotes it answers.
    i = next(i for i, (_, _, first) in enumerate(texts) if first.startswith("But the lookup is not doing"))
    assert texts[i][:2] == (2, "text")
    assert texts[i - 1][0] == 3 and texts[i - 1][2].startswith("It doesn't matter whether")
    assert texts[i + 1][0] == 3 and texts[i + 1][2].startswith("So one way to solve this")
    # Body order of the depths, as the page reads.
    assert [d for d, k, _ in texts if k == "text"] == [4, 3, 2, 3, 2, 3, 1, 2, 1, 0]
    assert tree.segments[-1].kind == "signature" and "Dave Chinner" in tree.segments[-1].text
    # voice_at follows the body: the diff excerpt is Willy's, the crash reports Dave's own.
    diff_line = next(n for n, line in enumerate(body_lines(msg.body), 1) if "diff --git a/mm/filemap.c" in line)
    assert tree.voice_at(diff_line).author == "Matthew Wilcox"
    warn_line = next(n for n, line in enumerate(body_lines(msg.body), 1) if "WARNING: CPU: 27" in line)
    assert tree.voice_at(warn_line).index == 0


# --- the seed thread imported --------------------------------------------------------------

@pytest.fixture
def seed_store(tmp_path):
    store = Store(str(tmp_path / "store.sqlite3"))
    select(store, [str(corpus_path("seed-thread", "thread.mbox"))], offline=True)
    yield store
    store.close()


def test_seed_page_with_thread_resolves_each_voice(seed_store):
    selection = select(seed_store, [str(seed_page())], offline=True)
    [(thread, [item])] = list(analyse(seed_store, selection))
    msg = thread.message(item.key)
    assert msg.message_id == SEED_MID  # the page copy is known as the stored message
    assert item.key != SEED_MID  # and analysed as the page gave it
    context = thread.context
    tree = thread.quote_tree(item.key)
    assert tree == parse(msg, context)
    assert [v.source_message_id for v in tree.voices[1:]] == SEED_SOURCES
    # Resolved voices take the stored message's date (the Date header, to the second).
    assert iso(tree.voices[1].date) == "2022-10-19T22:46:16Z"
    # The depth-4 voice is the missing message: a ghost with the In-Reply-To's id.
    assert GHOST_MID not in context.messages
    [ghost] = ghost_voices(tree, context.messages)
    assert (ghost.voice, ghost.message_id, ghost.author, iso(ghost.date)) == (
        4, GHOST_MID, "Dave Chinner", "2022-10-18T22:30:42Z")
    assert "readahead thrashing severely" in ghost.text


def test_thread_messages_resolve_against_each_other(seed_store):
    """Every quoted voice of the 27 messages resolves to a thread message or to the ghost;
    the Gmail attribution with a narrow no-break space (message 27) included."""
    thread_id = seed_store.thread_id_of(SEED_MID)
    context = ThreadAnalysis(seed_store, thread_id).context
    unresolved = []
    for mid, msg in context.messages.items():
        tree = parse(msg, context)
        for voice in tree.voices[1:]:
            if voice.source_message_id not in context.messages and voice.source_message_id != GHOST_MID:
                unresolved.append((mid, voice))
        # The first quoted voice is the message the reply answers.
        if msg.in_reply_to and len(tree.voices) > 1:
            assert tree.voices[1].source_message_id == msg.in_reply_to, mid
    assert unresolved == []
    last = context.messages["CAGWkznEsREG3Ok8zDwPkqJoHGv6_0f3KX1um-zL_VH=2EkOu9Q@mail.gmail.com"]
    tree = parse(last, context)
    assert "\u202fPM" in tree.voices[1].attribution
    assert tree.voices[1].source_message_id == "20221101071721.GV2703033@dread.disaster.area"


def test_show_names_the_ghost_from_its_quotes(cli):
    cli("import", str(corpus_path("seed-thread", "thread.mbox")))
    record = cli.json("show", SEED_MID, "--json")
    [ghost] = [n for n in record["tree"] if n["ghost"]]
    assert ghost["message_id"] == GHOST_MID
    assert (ghost["author"], ghost["date"]) == ("Dave Chinner", "2022-10-18T22:30:42Z")
    assert ghost["quoted_in"] in {"20221019011636.GM2703033@dread.disaster.area", "Y0/kZbIvMgkNhWpM@bfoster",
                                  "Y1AWXiJdyjdLmO1E@casper.infradead.org"}
    text = cli("show", SEED_MID).output
    assert f"2022-10-18 22:30  Dave Chinner: [not in archive, quoted]  <{GHOST_MID}>" in text


def test_ghosts_are_an_analysis_kept_in_the_store(seed_store):
    thread_id = seed_store.thread_id_of(SEED_MID)
    first = ThreadAnalysis(seed_store, thread_id)
    found = first.ghosts()
    first.writes.flush()
    assert list(found) == [GHOST_MID]
    assert found[GHOST_MID].author == "Dave Chinner" and "readahead thrashing" in found[GHOST_MID].text
    # A second analysis of the unchanged thread reads it back: no message is decoded.
    again = ThreadAnalysis(seed_store, thread_id)
    assert again.ghosts() == found
    assert "_messages" not in again.__dict__
    rows = seed_store.db.execute("SELECT COUNT(*) FROM analyses WHERE analyser = 'ghosts'").fetchone()[0]
    assert rows == 1


# --- the command line --------------------------------------------------------------------

def test_quotes_json_shape(cli):
    page = str(seed_page())
    [record] = cli.json("quotes", page, "--json")
    assert set(record) >= {"source", "message_id", "author", "date", "voices", "segments"}
    assert record["source"] == page
    assert record["author"] == "Dave Chinner" and record["date"] == "2022-10-19T23:43:09Z"
    for voice in record["voices"]:
        assert set(voice) >= {"index", "depth", "parent", "author", "date", "source_message_id"}
        assert voice["date"] is None or re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", voice["date"])
    assert record["voices"][0]["parent"] is None and record["voices"][0]["depth"] == 0
    lines = [s["first_line"] for s in record["segments"]]
    assert lines == sorted(lines) and lines[0] == 1
    body = only_message(seed_page()).body
    assert "\n".join(s["text"] for s in record["segments"]).count("\n") + 1 == len(body_lines(body))
    assert all(set(s) >= {"voice", "depth", "text"} for s in record["segments"])


def test_quotes_text_rendering_and_errors(cli):
    result = cli("quotes", str(seed_page()))
    assert result.exit_code == 0
    out = result.stdout
    assert "-- Matthew Wilcox, 2022-10-19 15:23:10 UTC [3]" in out
    assert "            | So one way to solve this might be to try to take the xa_lock on" in out
    missing = cli("quotes", "/nonexistent/file.mbox")
    assert missing.exit_code == 2 and "Error:" in missing.output and "Traceback" not in missing.output


# --- the wayland review thread -------------------------------------------------------------

RE_MARK = re.compile(r"^\[(?:inline|standalone) thread by .+?\) at (.+)\]$")


def _level(line: str) -> tuple[int, str]:
    k = 0
    while line.startswith("| ") or line == "|":
        line, k = line[2:], k + 1
    return k, line


def expected_anchors(text: str) -> list[tuple[str, str, str]]:
    """(date of the reply, the line it answers, its first line) from emailthreads' output."""
    out = text.split("\n")
    found = []
    for i, raw in enumerate(out):
        k, content = _level(raw)
        m = RE_MARK.match(content)
        if not m:
            continue
        anchor = next(c for kj, c in map(_level, reversed(out[:i])) if kj == k and c.strip())
        first = next(c for kj, c in map(_level, out[i + 1:]) if kj == k + 1 and c.strip())
        found.append((m.group(1), anchor, first))
    return found


def answered_lines(tree) -> list[tuple[str, str]]:
    """(last quoted line before an own text block, the block's first line), normalised."""
    pairs = []
    last_quoted = None
    for seg in tree.segments:
        lines = [x for x in seg.text.split("\n") if x.strip()]
        if seg.kind != "text" or not lines:
            continue
        if seg.depth >= 1:
            last_quoted = lines[-1]
        elif last_quoted is not None:
            pairs.append((normalise(last_quoted), normalise(lines[0])))
    return pairs


def test_wayland_inline_comments_attach_to_the_quoted_patch_lines():
    base = corpus_path("emailthreads-wayland", "multiple-replies")
    msgs = {name: only_message(base / f"{name}.eml") for name in ("patch", "reply1", "reply2", "reply3")}
    context = ThreadContext(msgs.values())
    by_date = {"Tue, 29 May 2018 17:10:02 +0300": "reply1", "Wed, 30 May 2018 12:38:22 +0000": "reply2",
               "Thu, 31 May 2018 15:38:35 +0300": "reply3"}
    expected = expected_anchors((base / "output3.txt").read_text())
    assert len(expected) == 28
    trees = {name: parse(msg, context) for name, msg in msgs.items()}
    for name in trees:
        check_cover(trees[name], msgs[name].body)
    missing = [(date, anchor, first) for date, anchor, first in expected
               if (normalise(anchor), normalise(first)) not in answered_lines(trees[by_date[date]])]
    assert missing == []
    # reply3 quotes reply2, which quotes reply1, which quotes the patch: four voices, resolved.
    ids = {name: msg.message_id for name, msg in msgs.items()}
    assert [v.source_message_id for v in trees["reply3"].voices] == [ids["reply3"], ids["reply2"], ids["reply1"],
                                                                     ids["patch"]]
    # Claws Mail's attribution over two lines, and Evolution's, name the right people.
    assert trees["reply1"].voices[1].attribution.startswith("On Mon, 12 Feb 2018 16:51:51 +0200 Marius Vlad")
    assert trees["reply2"].voices[1].author == "Pekka Paalanen"


# --- real messages saved as fixtures (provenance in fixtures/README.md) -------------------------

def test_gmail_attribution_wrapped_over_two_lines():
    # CADVatmM8Nrht+nWpP99WQSm8HtHimNkjmUFDjjRTmMjuB+401Q@mail.gmail.com (ksummit, 2021-04-22)
    msg = fixture("gmail-attribution-two-lines.eml")
    tree = parse(msg)
    check_cover(tree, msg.body)
    first = tree.segments[0]
    assert (first.kind, first.first_line, first.last_line) == ("attribution", 1, 2)
    assert tree.voices[1].author == "Mauro Carvalho Chehab"
    assert tree.voices[1].source_message_id == msg.in_reply_to  # the only depth-1 voice, from headers
    # Inside the quote, a Portuguese two-line attribution ("Em <date>" / "<Name> escreveu:").
    assert tree.voices[2].author == "James Bottomley"
    assert iso(tree.voices[2].date) == "2021-04-21T18:35:36Z"


def test_apple_mail_attribution_names_its_own_quote():
    # 7A947768-A4CC-4BE8-AFF3-056CAE266674@sladewatkins.net (ksummit, 2022-09-30): Apple Mail
    # writes "> On Sep 30, 2022, at 1:28 PM, Luck, Tony <...> wrote:" inside the quote.
    tree = parse(fixture("apple-mail-attribution-inside-quote.eml"))
    assert [(v.depth, v.author) for v in tree.voices] == [(0, "Slade Watkins"), (1, "Luck, Tony"), (2, None)]
    assert tree.segments[1].kind == "attribution" and tree.segments[1].voice == 1
    assert tree.text_of(1).startswith("Web interfaces have the advantage")


def test_original_message_block_opening_a_quote():
    # YzcbJsC9QfY/B8IZ@pendragon.ideasonboard.com (ksummit, 2022-09-30): Tim Bird's Outlook
    # quoted Laurent's mail with "> -----Original Message-----" / "> From: ..." on top.
    tree = parse(fixture("outlook-header-opens-quote.eml"))
    header = tree.segments[1]
    assert (header.kind, header.depth) == ("header", 2)
    assert tree.voices[header.voice].author == "Laurent Pinchart"
    assert [v.author for v in tree.voices[1:4]] == ["Bird, Tim", "Laurent Pinchart", "Thorsten Leemhuis"]


def test_top_posted_original_message_is_one_level_deeper():
    # GV2PR07MB91531DA61940D34A9F54BB469BE32@GV2PR07MB9153.eurprd07.prod.outlook.com (ksummit,
    # 2026-06-18): Outlook's rule and From:/Sent:/To: fields, then the original unquoted.
    msg = fixture("outlook-top-post.eml")
    tree = parse(msg)
    check_cover(tree, msg.body)
    header = tree.segments[1]
    assert header.kind == "header" and header.depth == 0
    linus = tree.voices[1]
    assert (linus.depth, linus.author) == (1, "Linus Walleij")
    # Linus Walleij's own unquoted lines under the header are his voice, at depth 1; what he
    # quoted with "> >>" is three levels below him.
    line = next(n for n, x in enumerate(body_lines(msg.body), 1) if x.startswith("> >> Do we have any indication"))
    assert tree.voice_at(line).depth == 4
    assert any(s.voice == 1 and s.kind == "text" for s in tree.segments)


# --- attribution lines, as real messages write them ----------------------------------------------

@pytest.mark.parametrize("line, name, email, when, form", [
    # 20221019234256.GR2703033@dread.disaster.area (seed thread, mutt)
    ("On Thu, Oct 20, 2022 at 09:46:16AM +1100, Dave Chinner wrote:", "Dave Chinner", "",
     "2022-10-19T22:46:16Z", "on-wrote"),
    # CAGWkznEsREG3Ok8zDwPkqJoHGv6_0f3KX1um-zL_VH=2EkOu9Q@mail.gmail.com (seed thread, Gmail: no
    # zone, narrow no-break space before PM)
    ("On Tue, Nov 1, 2022 at 3:17\u202fPM Dave Chinner <david@fromorbit.com> wrote:", "Dave Chinner",
     "david@fromorbit.com", None, "on-wrote"),
    # 1527683902.2337.10.camel@nxp.com (wayland-devel, Evolution)
    ("On Tue, 2018-05-29 at 17:10 +0300, Pekka Paalanen wrote:", "Pekka Paalanen", "", "2018-05-29T14:10:00Z",
     "on-wrote"),
    # 20210421152209.68075314@gandalf.local.home (ksummit, Claws Mail, two lines joined)
    ("On Wed, 21 Apr 2021 11:35:36 -0700 James Bottomley <James.Bottomley@HansenPartnership.com> wrote:",
     "James Bottomley", "james.bottomley@hansenpartnership.com", "2021-04-21T18:35:36Z", "on-wrote"),
    # 20241210125837.DH5NPK2a@linutronix.de (ksummit)
    ("On 2024-12-10 13:08:01 [+0100], Peter Zijlstra wrote:", "Peter Zijlstra", "", "2024-12-10T12:08:01Z",
     "on-wrote"),
    # YICBzd1CPJQAuy6V@piout.net (ksummit)
    ("On 21/04/2021 11:35:36-0700, James Bottomley wrote:", "James Bottomley", "", "2021-04-21T18:35:36Z",
     "on-wrote"),
    # 20210422161340.GB8755@quack2.suse.cz (ksummit: day-month-year with dashes, no zone)
    ("On Thu 22-04-21 11:52:35, Steven Rostedt wrote:", "Steven Rostedt", "", None, "on-wrote"),
    # d9caedb4-41c8-4ef7-99b9-51d891aee555@csgroup.eu (linux-modules, Thunderbird in French)
    ("Le 10/09/2025 à 16:04, Richard Weinberger a écrit\u00a0:", "Richard Weinberger", "", None, "on-wrote"),
    # 963dd061-47ba-6f96-72e2-4f34cc952b8c@darmarit.de (ksummit, Thunderbird in German)
    ("Am 24.06.22 um 09:33 schrieb Mauro Carvalho Chehab:", "Mauro Carvalho Chehab", "", None, "on-wrote"),
    # 87im32g8zs.fsf@toke.dk (ksummit, Gnus)
    ("Matthew Wilcox <willy@infradead.org> writes:", "Matthew Wilcox", "willy@infradead.org", None, "writes"),
    # 1c249c45ef3ac3c4904e0f5a3da11637.sboyd@kernel.org (linux-modules, alot)
    ("Quoting Nick Alcock (2023-02-17 06:10:48)", "Nick Alcock", "", None, "quoting"),
    # 20220627152832.yigreu5ztnoxfp4g@revolver (ksummit, mutt with a short date)
    ("* Mauro Carvalho Chehab <mchehab@kernel.org> [220626 05:53]:", "Mauro Carvalho Chehab",
     "mchehab@kernel.org", None, "star"),
    # 62b4fdd7c4183_8070294ad@dwillia2-xfh.notmuch (ksummit, names only)
    ("Shuah Khan wrote:", "Shuah Khan", "", None, "wrote"),
    # CA+Ln22HgpDk5=k7PhhVDdS5UZFZ7MMwTznXs-weqrmXzWYX8Cg@mail.gmail.com (ksummit, Gmail in Japanese)
    ("2021年4月22日(木) 15:01 Christoph Hellwig <hch@infradead.org>:", "Christoph Hellwig", "hch@infradead.org",
     None, "cjk"),
    # CAPWE4_xp4YNdnkWnuoH85TM7XBxF6f4k3Q0wWKe+D0tjgyJtRg@mail.gmail.com (linux-modules, Gmail in Chinese)
    ("<wangyao@lemote.com> 于2024年4月17日周三 13:35写道：", "", "wangyao@lemote.com", None, "cjk"),
    # 7A947768-A4CC-4BE8-AFF3-056CAE266674@sladewatkins.net (ksummit, Apple Mail)
    ("On Sep 30, 2022, at 1:28 PM, Luck, Tony <tony.luck@intel.com> wrote:", "Luck, Tony", "tony.luck@intel.com",
     None, "apple"),
])
def test_attribution_forms(line, name, email, when, form):
    att = parse_attribution(line)
    assert att is not None
    assert (att.name, att.email, att.form) == (name, email, form)
    if when is not None:
        assert iso(att.date.exact) == when
    else:
        assert att.date is None or att.date.exact is None


def test_attribution_dates_without_zone_match_by_wall_clock():
    # CAGWkznEsREG3Ok8...: "3:17 PM" in the reader's zone (+0800) is Dave's 07:17:21 UTC message.
    att = parse_attribution("On Tue, Nov 1, 2022 at 3:17\u202fPM Dave Chinner <david@fromorbit.com> wrote:")
    assert att.date.matches(datetime(2022, 11, 1, 7, 17, 21, tzinfo=UTC))
    assert not att.date.matches(datetime(2022, 11, 1, 7, 40, 0, tzinfo=UTC))
    # d9caedb4-...@csgroup.eu: French day/month comes first.
    french = parse_attribution("Le 10/09/2025 à 16:04, Richard Weinberger a écrit\u00a0:")
    assert french.date.candidates[0].month == 9 and french.date.candidates[0].day == 10


@pytest.mark.parametrize("line", [
    "Kees Cook (3):",                        # a pull request's shortlog (linux-modules)
    "All warnings (new ones prefixed by >>):",  # the kernel test robot's report (linux-modules)
    "As I wrote:",
    "Changes since v1 [2]:",
])
def test_not_attributions(line):
    assert parse_attribution(line) is None


def test_header_block_needs_its_rule_or_sent_field():
    # git's in-body "From:" at the top of a patch is no quote; Outlook's block is.
    assert parse_header_block(["From: Marius Vlad <marius-cristian.vlad@nxp.com>", "", "Simple protocol"]) is None
    att, span = parse_header_block(["-----Original Message-----", "From: Jonathan Corbet <corbet@lwn.net>",
                                    "Sent: Tuesday, June 13, 2023 9:50 AM", "To: ksummit@lists.linux.dev",
                                    "Subject: Re: TAB", ""])
    assert (att.name, att.email, span) == ("Jonathan Corbet", "corbet@lwn.net", 5)


@pytest.mark.parametrize("raw, depth, content", [
    ("> > > foo", 3, "foo"), (">>> foo", 3, "foo"), ("> >> foo", 3, "foo"), (">> > foo", 3, "foo"),
    (">", 1, ""), ("> ", 1, ""), ("foo > bar", 0, "foo > bar"), (">\tdiff", 1, "\tdiff"), ("> +\tx;", 1, "+\tx;"),
])
def test_quote_markers(raw, depth, content):
    assert split_line(raw) == (depth, content)


def test_rewrapped_quote_tails_stay_in_their_quote():
    # E1E8D531-E9B8-4300-9CA9-E4F30A99797E@zytor.com (ksummit, 2021-04-22, K-9 Mail): the
    # mailer wrapped long quoted lines and each tail kept only one ">" ("\u003eUMN").
    msg = fixture("rewrapped-quote-tails.eml")
    tree = parse(msg)
    lines = body_lines(msg.body)
    for tail, depth, author in ((">UMN", 3, "Roland Dreier"), (">incentives", 3, "Roland Dreier"),
                                (">normal", 2, "Christoph Hellwig")):
        n = lines.index(tail) + 1
        assert (tree.segment_at(n).depth, tree.voice_at(n).author) == (depth, author)
    # K-9's attribution carries a zone name.
    assert iso(tree.voices[1].date) == "2021-04-22T06:28:25Z"
    # Al Viro's "^^^^" under a quoted word is his own annotation, not a wrapped tail
    # (Yzm0mia7ndwFGk2c@ZenIV, ksummit; the same three lines).
    body = ("> > Secondly, not everyone is happy with getting an e-mail message sent to\n"
            "                                                                   ^^^^^^^\n"
            "> > a mailing list that has a lot of bugzilla metadata associated with it,\n")
    tree = parse(make_message(message_id="x@y", subject="", author=Person("Al Viro", ""), date=None, body=body))
    assert [s.depth for s in tree.segments] == [2, 0, 2]


def test_two_quoted_sources_in_one_reply_are_two_voices():
    # ZpU-A9avLDktkFT_@sashalap (ksummit, 15 Jul 2024): Sasha Levin quotes James Bottomley,
    # answers, then quotes Linus Torvalds from another branch of the thread.
    msgs = [m for m in read(str(FIXTURES / "quotes" / "two-sources-one-reply.mbox")) if isinstance(m, Message)]
    context = ThreadContext(msgs)
    tree = parse(msgs[0], context)
    first = [(v.author, v.source_message_id) for v in tree.voices if v.depth == 1]
    assert first == [("James Bottomley", "b71b6745ae79ae40196d82c0c306acdc174c0994.camel@HansenPartnership.com"),
                     ("Linus Torvalds", "CAHk-=wjfXLDGBjieQhLRCP2tQnXTYhW2MiY3LWJ=g7QDE1cRyA@mail.gmail.com")]
    # James quoted Jonathan Corbet, whose message is not in this context: the chain names it.
    [jon] = [v for v in tree.voices if v.depth == 2]
    assert (jon.author, jon.source_message_id) == ("Jonathan Corbet", "87h6cqya32.fsf@trenco.lwn.net")
    assert [s.voice for s in tree.segments if s.kind == "text" and s.text.strip()] == [2, 1, 0, 3, 0]
