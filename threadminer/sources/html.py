"""HTML archive pages: tell which archiver made a page and read its messages.

Families, each in its own module:

- public-inbox (lore.kernel.org): message pages and thread pages (`/T/`, `/t/`), several
  messages on one page (`html_public_inbox`);
- MHonArc, as lkml.iu.edu (since 2005), the old redhat.com archives and Debian's `mhonarc`
  write it: fields in `<!--X-...: -->` comments (`html_mhonarc`);
- hypermail, as lkml.iu.edu until 2005 and many project archives: fields in
  `<!-- name="value" -->` comments (`html_hypermail`);
- Mailman 2 pipermail: `<!--beginarticle-->` pages (`html_pipermail`).

`parse_html(data, source)` returns the page's messages, [] when the page holds none (the caller
reports that); a page cut short where its message should be raises `SourceError`.
"""

from __future__ import annotations

from ..errors import SourceError
from ..message import Message
from . import html_hypermail, html_mhonarc, html_pipermail, html_public_inbox
from .html_markup import page_text, soup_of


def family(markup: str) -> str | None:
    """Which archiver wrote the page, from markers each one always writes, or None."""
    head = markup[:4096]
    if "<!-- MHonArc" in head or "<!--X-Subject:" in head or "<!--X-Body-of-Message-->" in markup:
        return "mhonarc"
    if '<!-- body="start" -->' in markup or ('<!-- id="' in markup and '<!-- sent="' in markup):
        return "hypermail"
    if "<!--beginarticle-->" in markup:
        return "pipermail"
    if "<pre\nid=b>" in markup or 'id="b"' in markup or "id=b>" in markup or "\nid=m" in markup:
        return "public-inbox"
    return None


def parse_html(data: bytes, source: str) -> list[Message]:
    """The messages of one archive page (several for a public-inbox thread page)."""
    markup = page_text(data)
    kind = family(markup)
    if kind is None:
        return []
    try:
        soup = soup_of(markup)
    except (ValueError, TypeError) as exc:  # lxml refuses some damaged input outright
        raise SourceError(f"{source}: unreadable HTML ({exc})") from None
    if kind == "public-inbox":
        if not html_public_inbox.is_public_inbox(soup):
            return []
        return html_public_inbox.parse(soup, markup, source)
    if kind == "mhonarc":
        return html_mhonarc.parse(soup, markup, source)
    if kind == "hypermail":
        return html_hypermail.parse(soup, markup, source)
    return html_pipermail.parse(soup, markup, source)
