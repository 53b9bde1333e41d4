"""Open questions: questions asked in a message's own voice that no later message answers,
"answers" meaning another person (not a bot) quotes the question or replies to its message."""

from __future__ import annotations

import pytest

from .conftest import FIXTURES, corpus_path
from .thread_helpers import analysed, mbox



@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    [ta] = analysed(corpus_path("seed-thread", "thread.mbox"), tmp_path_factory.mktemp("seed"))
    return ta


def by_text(questions):
    return {q.text: q for q in questions}


def test_seed_questions_and_their_answers(seed):
    found = by_text(seed.questions())
    # Matthew Wilcox asks; Dave Chinner's reply (to a missing message of his own) quotes it.
    q = found["Can you reproduce this problem easily?"]
    assert q.message_id == "Y04Y3RNq6D2T9rVw@casper.infradead.org" and q.author == "Matthew Wilcox"
    assert q.how == "quoted" and "20221019011636.GM2703033@dread.disaster.area" in q.answered_by
    # Zhaoyang Huang's follow-up of 26 Oct 2022 got no reply and nobody quoted it: open.
    q = found["Any further ideas on this issue?"]
    assert q.message_id == "CAGWkznELCKmz8jtNcWvzb7ThCDAESv019EdWbDYzAtZUCBVQqQ@mail.gmail.com"
    assert q.open and q.how is None
    # Questions inside quotes are not the quoting message's own.
    assert all(q.message_id != "20221019234256.GR2703033@dread.disaster.area" for q in seed.questions()
               if q.text == "Can you reproduce this problem easily?")
    # Open questions in the summary are exactly the unanswered ones.
    assert [q.text for q in seed.summary().open_questions] == [q.text for q in seed.questions() if q.open]


def test_question_answered_by_a_quoting_reply(tmp_path):
    # linux-modules, Dec 2022: Petr Mladek asks; Leizhen (ThunderTown) answers below the quote.
    [ta] = analysed(FIXTURES / "people" / "zhen-lei-two-names.mbox", tmp_path)
    found = by_text(ta.questions())
    q = found["Why do you need to disable IRQs around sched_clock(), please?"]
    assert q.author == "Petr Mladek" and q.message_id == "Y6HYChz6pa9Aw0Sa@alley"
    assert q.answered_by == ("1f7c8542-ff47-106b-f651-71c1d555b027@huawei.com",) and q.how == "quoted"
    # The symbolised stack trace of the patch mail ("(kallsyms_selftest.c:?)") holds no question.
    assert all(q.message_id == "Y6HYChz6pa9Aw0Sa@alley" for q in ta.questions())


def message(mid, author, date, body, parent=None, subject="Re: [PATCH] mm: fix the thing"):
    msg = {"From": author, "Date": date, "Message-ID": f"<{mid}>", "Subject": subject, "body": body}
    if parent:
        msg["In-Reply-To"] = f"<{parent}>"
        msg["References"] = f"<{parent}>"
    return msg


ALICE, BOB, CAROL = "Alice Example <alice@example.org>", "Bob Example <bob@example.org>", "Carol <carol@example.org>"
ROBOT = "kernel test robot <lkp@intel.com>"


def test_answered_means_quoted_or_replied_by_someone_else(tmp_path):
    # Stands for common review shapes: a plain reply; a "ping" to one's own question; a bot's
    # reply; and a reviewer answering the ping, quoting the original question at depth 2.
    msgs = [
        message("q1@x", ALICE, "Mon, 3 Oct 2022 10:00:00 +0000",
                "Does this also fix the arm64 case?\n\nThanks,\nAlice\n", subject="[PATCH] mm: fix the thing"),
        message("r1@x", BOB, "Mon, 3 Oct 2022 11:00:00 +0000", "Yes, it covers arm64 too.\n", "q1@x"),
        message("q2@x", ALICE, "Tue, 4 Oct 2022 10:00:00 +0000",
                "Should the lock be taken before the lookup?\n", "r1@x"),
        message("p2@x", ALICE, "Wed, 5 Oct 2022 10:00:00 +0000",
                "On Tue, Oct 04, 2022 at 10:00:00AM +0000, Alice Example wrote:\n"
                "> Should the lock be taken before the lookup?\n\nPing?\n", "q2@x"),
        message("b2@x", ROBOT, "Wed, 5 Oct 2022 11:00:00 +0000",
                "Hi Alice, did you consider this build warning in the next tree?\n", "q2@x"),
        message("c2@x", CAROL, "Thu, 6 Oct 2022 10:00:00 +0000",
                "On Wed, Oct 05, 2022 at 10:00:00AM +0000, Alice Example wrote:\n"
                "> On Tue, Oct 04, 2022 at 10:00:00AM +0000, Alice Example wrote:\n"
                "> > Should the lock be taken before the lookup?\n>\n> Ping?\n\n"
                "No, the lookup takes it itself.\n", "p2@x"),
        message("q3@x", BOB, "Fri, 7 Oct 2022 10:00:00 +0000",
                "Is anybody still looking at the xfs side of this?\n"
                "\n\tx = ready ? y : z;\n+\tif (ok?)\n    while (what?)\n", "c2@x"),
    ]
    [ta] = analysed(mbox(tmp_path, msgs), tmp_path)
    found = by_text(ta.questions())
    assert found["Does this also fix the arm64 case?"].answered_by == ("r1@x",)
    assert found["Does this also fix the arm64 case?"].how == "reply"
    # Only Alice pinged and a bot replied to q2: neither answers; Carol quotes it from p2.
    q2 = found["Should the lock be taken before the lookup?"]
    assert q2.answered_by == ("c2@x",) and q2.how == "quoted"
    # A one-word "Ping?" is not a question (fewer than three words); the bot's question is
    # a question of its own message.
    assert "Ping?" not in found
    assert found["Hi Alice, did you consider this build warning in the next tree?"].message_id == "b2@x"
    # Bob's last message: open; the code lines below it hold no question.
    q3 = found["Is anybody still looking at the xfs side of this?"]
    assert q3.open
    assert [q.text for q in ta.questions() if q.message_id == "q3@x"] == [q3.text]
    assert {q.text for q in ta.summary().open_questions} == {q3.text, found[
        "Hi Alice, did you consider this build warning in the next tree?"].text}
