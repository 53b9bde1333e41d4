"""Mailman 2 pipermail message pages (`.../pipermail/LIST/2010-January/000123.html`).

The page shows the subject in `<H1>`, the sender's name in `<B>`, the address as the text of a
mailto link (obfuscated as "user at example.com" by Mailman 2.1), the date in `<I>` as Mailman
wrote it ("Thu Feb 11 20:15:18 CST 2016"), and the body in a `<PRE>` between
`<!--beginarticle-->` and `<!--endarticle-->`. Mailman 2.1 puts the message's own Message-ID
into the mailto link (`?Subject=Re:...&In-Reply-To=%3C<id>%3E`, so that a reply threads); the
page does not say which message this one answers, so its parent stays unknown.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

from bs4 import BeautifulSoup

from .. import mid as midlib
from ..dates import parse_date
from ..errors import SourceError
from ..message import Message, make_message
from ..people import Person, deobfuscate_address
from .html_markup import clean_body, soup_of, text_between

BODY_START = "<!--beginarticle-->"
BODY_END = "<!--endarticle-->"


def own_message_id(soup: BeautifulSoup) -> str | None:
    """The Message-ID Mailman 2.1 wrote into the reply links, if any."""
    for tag in soup.find_all(["a", "link"], href=True):
        href = tag["href"]
        if not href.lower().startswith("mailto:"):
            continue
        query = parse_qs(urlsplit(href).query)
        for key, values in query.items():
            if key.lower() == "in-reply-to" and values:
                return midlib.clean_mid(unquote(values[0]))
    return None


def sender(soup: BeautifulSoup) -> Person:
    bold = soup.find("b")
    name = " ".join(bold.get_text().split()) if bold is not None else ""
    address = ""
    obfuscated = False
    link = bold.find_next("a", href=re.compile(r"^mailto:", re.I)) if bold is not None else None
    if link is not None:
        text = " ".join(link.get_text().split())
        if "@" in text or " at " in text:
            address, obfuscated = deobfuscate_address(text)
    return Person(name, address, obfuscated)


def parse(soup: BeautifulSoup, markup: str, source: str) -> list[Message]:
    fragment = text_between(markup, BODY_START, BODY_END)
    if fragment is None:
        raise SourceError(f"{source}: pipermail page is cut short (no end of the message body)")
    pre = soup_of(fragment).find("pre")
    body = clean_body(pre.get_text() if pre is not None else soup_of(fragment).get_text())
    h1 = soup.find("h1")
    subject = " ".join(h1.get_text().split()) if h1 is not None else ""
    italic = soup.find("i")
    date = parse_date(italic.get_text()) if italic is not None else None
    return [make_message(message_id=own_message_id(soup), subject=subject, author=sender(soup), date=date,
                         body=body, source=source)]
