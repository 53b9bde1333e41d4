"""Message decoding on real mail: MIME, charsets, encodings, ids, names, dates, mbox variants."""

from __future__ import annotations

import io
import lzma
import os
from datetime import datetime, timezone

import pytest

from threadminer import mid as midlib
from threadminer.dates import iso, parse_date
from threadminer.message import Message, MessageError, parse_bytes, unflow
from threadminer.people import parse_person
from threadminer.sources import Skipped, read
from threadminer.sources.mbox import TooLarge, iter_mbox

from .conftest import FIXTURES, corpus_path


def only(path) -> Message:
    [msg] = [m for m in read(str(path)) if isinstance(m, Message)]
    return msg


# --- Message-IDs -----------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("<20221019234256.GR2703033@dread.disaster.area>", "20221019234256.GR2703033@dread.disaster.area"),
    ("  <a@b.example> (added by postmaster@b.example)", "a@b.example"),     # comment after the id
    ("<a@b.example> sent from my phone", "a@b.example"),                      # trailing text
    ("a@b.example", "a@b.example"),                                           # brackets missing
    ("<yes>", None),                                                          # git-send-email prompt answer
    ("<y>", None),
    ("<no-at-sign>", None),
    ("", None),
])
def test_clean_mid(value, expected):
    assert midlib.clean_mid(value) == expected


def test_references_drop_junk_and_addresses():
    # notmuch-lkml: "References: <yes> <1258848661-4660-1-git-send-email-stefan@...>"
    irt, refs = midlib.references("<yes>", "<yes> <1258848661-4660-1-git-send-email-stefan@datenfreihafen.org>",
                                  {"stefan@datenfreihafen.org"})
    assert irt is None
    assert refs == ("1258848661-4660-1-git-send-email-stefan@datenfreihafen.org",)
    # An address put in References by a broken mailer is no message.
    _, refs = midlib.references(None, "<a@b.example> <joe@perches.com>", {"joe@perches.com"})
    assert refs == ("a@b.example",)


def test_real_yes_reference_is_dropped():
    path = corpus_path("notmuch-lkml", "cur", "1354585346.000260:2,")
    msg = only(path)
    assert "yes" not in msg.references
    assert msg.in_reply_to == "1258848661-4660-1-git-send-email-stefan@datenfreihafen.org"


def test_message_without_message_id_gets_a_stable_derived_id():
    raw = b"From: A <a@example.org>\nSubject: hello\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\nbody\n"
    first, second = parse_bytes(raw), parse_bytes(raw)
    assert first.id_derived and first.message_id == second.message_id
    assert first.message_id.endswith("@threadminer.invalid")
    assert parse_bytes(raw.replace(b"body", b"other")).message_id != first.message_id


# --- names and addresses ---------------------------------------------------------------

@pytest.mark.parametrize("value, name, email, obfuscated", [
    ("Dave Chinner <david@fromorbit.com>", "Dave Chinner", "david@fromorbit.com", False),
    ('"zhaoyang.huang" <zhaoyang.huang@unisoc.com>', "zhaoyang.huang", "zhaoyang.huang@unisoc.com", False),
    ("rakesh.pandit at gmail.com (Rakesh Pandit)", "Rakesh Pandit", "rakesh.pandit@gmail.com", True),   # pipermail
    ("david@xxxxxxxxxxxxx", "", "david@xxxxxxxxxxxxx", True),                                       # lkml.iu.edu
    ("Jeff Layton <jlayton-H+wXaHxf7aLQT0dZR+AlfA@public.gmane.org>", "Jeff Layton",
     "jlayton-h+wxahxf7alqt0dzr+alfa@public.gmane.org", True),                                     # gmane
    ("Dave Chinner", "Dave Chinner", "", False),                                                   # page header
])
def test_people(value, name, email, obfuscated):
    person = parse_person(value)
    assert (person.name, person.email, person.obfuscated) == (name, email, obfuscated)


def test_gmane_obfuscated_senders_in_real_mail():
    folder = corpus_path("notmuch-lkml")
    gmane = [m for m in read(str(folder)) if isinstance(m, Message) and m.author.email.endswith("public.gmane.org")]
    assert gmane, "notmuch-lkml holds gmane-mangled senders"
    assert all(m.author.obfuscated and m.author.name for m in gmane)


# --- dates -----------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("Thu, 20 Oct 2022 10:42:56 +1100", "2022-10-19T23:42:56Z"),
    ("Wed Oct 19 2022 - 19:43:09 EST", "2022-10-19T23:43:09Z"),      # lkml.iu.edu: EDT in October
    ("Mon Jan 10 2022 - 10:00:00 EST", "2022-01-10T15:00:00Z"),      # ... and EST in January
    ("Sun Mar 13 2022 - 01:30:00 EST", "2022-03-13T06:30:00Z"),      # before the spring change
    ("Sun Mar 13 2022 - 03:30:00 EST", "2022-03-13T07:30:00Z"),      # after it
    ("Thu, 31 Dec 2009 19:50:34 -0800 (PST)", "2010-01-01T03:50:34Z"),
    ("Fri Jan  1 09:20:34 2010", "2010-01-01T09:20:34Z"),            # asctime, as in From_ lines
    ("20 Oct 2022 10:42:56 AEDT", "2022-10-19T23:42:56Z"),           # a zone name the stdlib lacks
    ("Tue, 2 Jun 98 07:50:30 GMT", "1998-06-02T07:50:30Z"),           # two-digit year
    ("not a date", None),
    ("Mon, 32 Foo 2022 99:99:99 +0000", None),
])
def test_dates(value, expected):
    assert iso(parse_date(value)) == expected


# --- bodies, charsets, encodings -------------------------------------------------------

def test_unknown_charset_falls_back_and_is_recorded():
    msg = only(corpus_path("patchwork", "mail", "0010-invalid-charset.mbox"))
    assert "diff --git a/sysdeps/x86_64/fpu/multiarch/e_pow.c" in msg.body + "".join(a.text for a in msg.attachments)
    assert any("charset" in d for d in msg.defects)


def test_utf8_headers_raw_and_invalid():
    unencoded = only(corpus_path("patchwork", "mail", "0014-with-unencoded-utf8-headers.mbox"))
    assert not any("\udc80" <= ch <= "\udcff" for ch in unencoded.author.name + unencoded.subject)
    invalid = only(corpus_path("patchwork", "mail", "0015-with-invalid-utf8-headers.mbox"))
    assert invalid.author.display  # decoded to something readable, not dropped


def test_quoted_printable_body():
    # Seed thread message 27 (11 Apr 2024) is quoted-printable.
    msg = only(corpus_path("seed-thread", "raw", "27.eml"))
    assert msg.message_id == "CAGWkznEsREG3Ok8zDwPkqJoHGv6_0f3KX1um-zL_VH=2EkOu9Q@mail.gmail.com"
    assert "=20\n" not in msg.body and "=3D" not in msg.body
    assert "folio" in msg.body


def test_base64_text_part_of_a_multipart_message():
    # Debian BTS copy in notmuch's duplicate corpus: multipart/signed, base64 text/plain.
    msg = only(corpus_path("notmuch-threading-edge", "duplicate", "msg-3-1:2,"))
    assert msg.body.startswith("control: severity -1 serious")


def test_html_alternative_prefers_the_plain_part():
    msg = only(corpus_path("notmuch-threading-edge", "default", "bar", "new", "21:2,"))
    assert msg.body.startswith("In this case error out when no query is supplied.")
    assert "<html" not in msg.body.lower()


def test_format_flowed_is_undone():
    # RFC 3676: a trailing space is a soft break; quote depth is kept; DelSp removes it.
    text = "This is a long line that was \nwrapped by the sender.\n> quoted and \n> wrapped\nplain"
    assert unflow(text, delsp=False) == ("This is a long line that was wrapped by the sender.\n"
                                         "> quoted and wrapped\nplain")
    assert unflow("word\u0020\nnext", delsp=True) == "wordnext"


def test_format_flowed_line_of_spaces_is_a_hard_break():
    # Thunderbird sent a patch's empty context line " " space-stuffed, as "  " (linux-modules,
    # <d1d1756a-2f6d-4b81-bd6d-50ddf7f39996@gmail.com>, fixtures/diffs/flowed-joined-empty-context.eml):
    # it stays a line of its own instead of joining the added line after it.
    msg = only(FIXTURES / "diffs" / "flowed-joined-empty-context.eml")
    assert "\t}\n \n+\tif (!(shdr->sh_flags & SHF_WRITE)) {\n" in msg.body
    assert unflow("  \n+\tif (x) {", delsp=False) == " \n+\tif (x) {"
    assert unflow("  \n+\tif (x) {", delsp=True) == " \n+\tif (x) {"


def test_every_patchwork_fuzz_mail_reads_without_an_exception():
    folder = corpus_path("patchwork", "fuzz")
    for name in sorted(os.listdir(folder)):
        items = list(read(str(folder / name)))
        assert items, name
        assert all(isinstance(i, (Message, Skipped)) for i in items), name
        assert any(isinstance(i, Message) for i in items), name


def test_not_mail_is_refused():
    with pytest.raises(MessageError):
        parse_bytes(b"just a line of text\nand another\n")
    with pytest.raises(MessageError):
        parse_bytes(b"")


# --- mbox variants ---------------------------------------------------------------------

def test_mboxrd_unescaping():
    data = (b"From a@b Thu Jan  1 00:00:00 1970\nFrom: a@b.example\nMessage-ID: <1@b.example>\n\n"
            b">From the start\n>>From quoted\nFrom here on it is body\n\n"
            b"From a@b Thu Jan  1 00:00:00 1970\nFrom: a@b.example\nMessage-ID: <2@b.example>\n\nsecond\n")
    first, second = list(iter_mbox(io.BytesIO(data)))
    # ">From" -> "From", ">>From" -> ">From"; a "From " line not after a blank line stays body.
    assert first.endswith(b"From the start\n>From quoted\nFrom here on it is body\n")
    assert second.endswith(b"second\n")


def test_oversized_message_is_not_kept():
    data = (b"From a Thu Jan  1 00:00:00 1970\nSubject: big\n\n" + b"x" * 5000 + b"\n\n"
            b"From b Thu Jan  1 00:00:00 1970\nSubject: small\n\nok\n")
    out = list(iter_mbox(io.BytesIO(data), max_bytes=1000))
    assert isinstance(out[0], TooLarge) and out[1] == b"Subject: small\n\nok\n"


def test_xz_and_gzip_mbox(tmp_path):
    mbox = corpus_path("seed-thread", "thread.mbox").read_bytes()
    xz = tmp_path / "thread.mbox.xz"
    xz.write_bytes(lzma.compress(mbox))
    assert len([m for m in read(str(xz)) if isinstance(m, Message)]) == 27
    import gzip

    gz = tmp_path / "thread.mbox.gz"
    gz.write_bytes(gzip.compress(mbox))
    assert len([m for m in read(str(gz)) if isinstance(m, Message)]) == 27


def test_public_inbox_inbox_folder(tmp_path):
    # A v2 inbox is a folder with git/N.git epochs; each is read from git in order.
    epoch = corpus_path("public-inbox", "ksummit", "0.git")
    (tmp_path / "inbox" / "git").mkdir(parents=True)
    os.symlink(epoch, tmp_path / "inbox" / "git" / "0.git")
    messages = [m for m in read(str(tmp_path / "inbox")) if isinstance(m, Message)]
    assert len(messages) == 3115
    assert messages[0].date < messages[-1].date


def test_mailman_archive_dates_and_obfuscated_from():
    msgs = [m for m in read(str(corpus_path("fedora-devel-2010-01", "2010-January.txt.gz"))) if isinstance(m, Message)]
    assert len(msgs) == 292
    first = msgs[0]
    assert first.message_id == "b401d2530912311950o5074be43m48b0563bf7d02e03@mail.gmail.com"
    assert first.date == datetime(2010, 1, 1, 3, 50, 34, tzinfo=timezone.utc)
    assert first.author.name == "Rakesh Pandit"
