"""hypermail message pages: lkml.iu.edu until 2005 (hypermail 2b29), and project archives
made with hypermail 2.x (the open-mpi.org list archives, among many).

hypermail writes the message's fields into comments::

    <!-- sent="Mon, 25 Jun 2001 12:52:59 -0400 (EDT)" -->
    <!-- isosent="20010625165259" -->                 (the same instant, in UTC)
    <!-- name="Richard B. Johnson" -->
    <!-- email="root@chaos.analogic.com" -->
    <!-- subject="Re: Making a module 2.4 compatible" -->
    <!-- id="Pine.LNX.3.95.1010625123838.9515A-100000@chaos.analogic.com" -->
    <!-- inreplyto="SjK-9.A.sEE.jd2N7@dinero.interactivesi.com" -->

and the body between `<!-- body="start" -->` and `<!-- body="end" -->`, one `<br>` after each
line's own newline and a `<p>` for each blank line. With its spam protection on, "@" becomes
"_at_" in ids and addresses, and the domain of addresses becomes "[hidden]".

The page's visible date ("Mon Jun 25 2001 - 11:52:59 EST") is the least exact field (the 2001
pages print UTC-5 all year), so the comments' dates are preferred.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from bs4 import BeautifulSoup

from .. import mid as midlib
from ..dates import parse_date
from ..errors import SourceError
from ..message import Message, make_message
from ..people import Person, parse_person
from .html_markup import br_lines_text, clean_body, hypermail_fields, text_between

BODY_START = '<!-- body="start" -->'
BODY_END = '<!-- body="end" -->'
# hypermail 2.x lists the attachments it saved apart: "<ul><li>text/html attachment: ...</ul>"
RE_ATTACHMENT_LIST = re.compile(r"(?:<p>)*\s*<hr>\s*<ul>(?:(?!</ul>).)*?attachment:.*?</ul>", re.S | re.I)
RE_ISO = re.compile(r"^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$")


def unmunge(value: str) -> str:
    """Undo hypermail's spam protection in an id: "x_at_example.org" -> "x@example.org"."""
    if "@" not in value and "_at_" in value:
        return value.replace("_at_", "@", 1)
    return value


def author(fields: dict[str, str]) -> Person:
    name = fields.get("name", "").strip()
    email = fields.get("email", "").strip()
    if email.endswith("_at_[hidden]") or email.endswith("@[hidden]"):
        local = email.rsplit("_at_", 1)[0] if "_at_" in email else email.split("@", 1)[0]
        return Person(name, f"{local.lower()}@[hidden]", True)
    email = unmunge(email)
    if name and email:
        return parse_person(f'"{name}" <{email}>')
    return parse_person(name or email)


def message_date(fields: dict[str, str]) -> datetime | None:
    date = parse_date(fields.get("sent"))
    if date is None:
        m = RE_ISO.match(fields.get("isosent", ""))
        if m:
            date = datetime(*map(int, m.groups()), tzinfo=timezone.utc)
    return date or parse_date(fields.get("received"))


def parse(soup: BeautifulSoup, markup: str, source: str) -> list[Message]:
    fields = hypermail_fields(soup)
    fragment = text_between(markup, BODY_START, BODY_END)
    if fragment is None:
        if BODY_START in markup:
            raise SourceError(f"{source}: hypermail page is cut short (no end of the message body)")
        return []
    fragment = RE_ATTACHMENT_LIST.sub("", fragment)
    body = clean_body(br_lines_text(fragment, paragraphs=True))
    mid = midlib.clean_mid(unmunge(fields.get("id", "")))
    parent = midlib.clean_mid(unmunge(fields.get("inreplyto", "")))
    return [make_message(message_id=mid, subject=fields.get("subject", ""), author=author(fields),
                         date=message_date(fields), body=body, in_reply_to=parent,
                         references=(parent,) if parent else (), source=source)]
