"""Helpers for tests of thread-level analyses: a thread analysed through the real pipeline
(store, select, analyse), and small mboxes written by tests."""

from __future__ import annotations

from pathlib import Path

from threadminer.composer import ThreadAnalysis, analyse
from threadminer.select import select
from threadminer.store import Store


def analysed(path: Path | str, tmp_path: Path) -> list[ThreadAnalysis]:
    """Every thread of the mbox (or other source) at `path`, from a fresh store."""
    store = Store(str(tmp_path / "threads.sqlite3"))
    selection = select(store, [str(path)], offline=True, whole_threads=True)
    return [ta for ta, _ in analyse(store, selection)]


def mbox(tmp_path: Path, messages: list[dict], name: str = "thread.mbox") -> Path:
    """An mbox of messages given as header dicts plus a "body" entry."""
    out = []
    for msg in messages:
        head = "\n".join(f"{k}: {v}" for k, v in msg.items() if k != "body")
        body = "\n".join(">" + line if line.startswith("From ") else line for line in msg["body"].split("\n"))
        out.append(f"From mboxrd@z Thu Jan  1 00:00:00 1970\n{head}\n\n{body}\n")
    path = tmp_path / name
    path.write_text("\n".join(out), encoding="utf-8")
    return path


# Mail written to hurt its reader: markup, event handlers, javascript: links and Markdown
# link and image syntax in a subject, a sender's name, a Message-ID and bodies; a name a
# spreadsheet would run as a formula.
HOSTILE_SUBJECT = ("[PATCH] x <script>alert(1)</script> <img src=x onerror=alert(2)> "
                   "[click](javascript:alert(3)) ![t](http://tracker.example/p.png) *b* _u_ `c` &lt;")


def hostile_thread(tmp_path):
    return mbox(tmp_path, [
        {"From": 'Mallory <img src=x onerror=alert(5)> <mallory@example.org>', "Date": "Mon, 3 Oct 2022 10:00:00 +0000",
         "Message-ID": "<evil)](javascript:alert(6))@example.org>", "Subject": HOSTILE_SUBJECT,
         "body": "Is <script>alert(7)</script> [this](javascript:alert(8)) safe for you?\n"},
        {"From": '"=SUM(1+1)" <bob@example.org>', "Date": "Mon, 3 Oct 2022 11:00:00 +0000",
         "Message-ID": "<ok@example.org>", "Subject": "Re: x", "In-Reply-To": "<evil)](javascript:alert(6))@example.org>",
         "body": "On Mon, Oct 03, 2022 at 10:00:00AM +0000, Mallory wrote:\n"
                 "> Is <script>alert(7)</script> [this](javascript:alert(8)) safe for you?\n\n"
                 "<a href=\"javascript:alert(9)\">x</a> =HYPERLINK(\"http://x\")\n"
                 "</pre></details><script>alert(10)</script><svg onload=alert(11)>\n"
                 "<iframe src=\"javascript:alert(12)\"></iframe>"
                 "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(13)\">\n"},
    ])
