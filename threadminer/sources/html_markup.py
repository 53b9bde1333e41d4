"""Shared reading of archive pages: page bytes to text, comment fields, fragments to mail text.

Archivers write the same message text in different markup: public-inbox and MHonArc keep it
in a `<pre>` block; lkml.iu.edu's MHonArc and hypermail end every line with `<br>` (hypermail
also writes the line's own newline before the `<br>` and a `<p>` for each blank line). The
helpers here undo those conventions so that every family gives back the lines the sender wrote.
"""

from __future__ import annotations

import html
import re

from bs4 import BeautifulSoup, Comment, Tag

from ..message import decode_bytes

# <meta charset="..."> and <meta http-equiv="Content-Type" content="text/html; charset=...">
RE_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
# Hypermail and MHonArc keep header fields in comments: <!-- name="value" --> (hypermail),
# <!--X-Name: value --> (MHonArc).
RE_HYPERMAIL_FIELD = re.compile(r'^\s*([a-z]+)="(.*)"\s*$', re.S)
RE_MHONARC_FIELD = re.compile(r"^X-([A-Za-z0-9-]+):\s?(.*?)\s*$", re.S)

# Sentinels standing for markup while a fragment goes through BeautifulSoup's get_text:
# characters from Unicode's private use area, which archive pages do not contain (lxml
# refuses NUL and most control characters, so those cannot serve).
BR = "\ue000"
PARA = "\ue001"
RE_BR_TAG = re.compile(r"<br\s*/?>", re.I)
RE_P_TAG = re.compile(r"<p(?:\s[^>]*)?>", re.I)


def page_text(data: bytes) -> str:
    """The page as text, in the charset its <meta> declares (UTF-8, then Windows-1252 if not)."""
    m = RE_META_CHARSET.search(data[:4096])
    charset = m.group(1).decode("ascii", "replace") if m else None
    text, _ = decode_bytes(data, charset)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def soup_of(markup: str) -> BeautifulSoup:
    return BeautifulSoup(markup, "lxml")


def comments(soup: BeautifulSoup) -> list[str]:
    """Every HTML comment of the page, in order, its entities decoded."""
    return [html.unescape(str(c)) for c in soup.find_all(string=lambda s: isinstance(s, Comment))]


def hypermail_fields(soup: BeautifulSoup) -> dict[str, str]:
    """Hypermail's header comments (`<!-- sent="..." -->`); the first of each name wins."""
    fields: dict[str, str] = {}
    for text in comments(soup):
        m = RE_HYPERMAIL_FIELD.match(text)
        if m:
            fields.setdefault(m.group(1).lower(), m.group(2))
    return fields


def mhonarc_fields(soup: BeautifulSoup) -> dict[str, list[str]]:
    """MHonArc's header comments (`<!--X-Subject: ... -->`), each name to all its values."""
    fields: dict[str, list[str]] = {}
    for text in comments(soup):
        m = RE_MHONARC_FIELD.match(text)
        if m:
            fields.setdefault(m.group(1).lower(), []).append(m.group(2))
    return fields


def text_between(markup: str, start: str, end: str) -> str | None:
    """The markup between two marker comments, or None when either marker is missing
    (a page cut short loses its end marker)."""
    i = markup.find(start)
    if i < 0:
        return None
    j = markup.find(end, i + len(start))
    if j < 0:
        return None
    return markup[i + len(start): j]


def pre_text(tag: Tag) -> str:
    """The text of a <pre> block exactly as shown (links and highlight spans dropped)."""
    return tag.get_text()


def br_lines_text(fragment: str, *, paragraphs: bool = False) -> str:
    """Text of a fragment whose lines end in <br> (MHonArc as lkml.iu.edu runs it, hypermail).

    A <br> ends a line: together with the newline around it in the source it makes one line
    break. With `paragraphs` (hypermail), each <p> after the first stands for one blank line.
    """
    marked = RE_BR_TAG.sub(BR, fragment.replace(BR, "").replace(PARA, ""))
    if paragraphs:
        marked = RE_P_TAG.sub(PARA, marked)
    text = soup_of(marked).get_text()
    text = re.sub("\n?" + BR + "\n?", "\n", text)
    if paragraphs:
        text = text.lstrip("\n").lstrip(PARA).lstrip("\n")
        text = re.sub(PARA + "\n?", "\n", text)
        text = text.replace("\xa0", " ")  # hypermail writes leading spaces as &nbsp;
    return text


def clean_body(text: str) -> str:
    """Trim the blank lines page markup adds around a body; keep the lines themselves."""
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(line.rstrip("\r") for line in lines) + "\n" if lines else ""
