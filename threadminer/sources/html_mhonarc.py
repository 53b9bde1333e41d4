"""MHonArc message pages: lkml.iu.edu (2005 on), the old redhat.com list archives, Debian's mhonarc.

MHonArc writes the message's fields into comments before the page proper::

    <!--X-Subject: Re: ABRT considered painful -->
    <!--X-From-R13: qentb01 &#60;qentb01Ntznvy.pbz> -->      (name and address, rotated)
    <!--X-Date: Fri, 1 Jan 2010 10:46:12 &#45;0500 -->         (when the archive got it)
    <!--X-Message-Id: f6ca9fed1001010745u5ac6957fl58062331a2e9b6c@mail.gmail.com -->
    <!--X-Reference: 20091229195657.4000ce26@gmail.com -->     (one per reference, oldest first)

then, between `<!--X-Head-of-Message-->` and its `-End` comment, the shown header fields as
`<li><em>Date</em>: ...</li>` (lkml.iu.edu shows none there, only its own `From:`/`Date:` lines
with dates in US Eastern time), and the body between `<!--X-Body-of-Message-->` and
`<!--X-Body-of-Message-End-->`: a `<pre>` block (MHonArc's default) or lines ending in `<br>`
with quotes in `<i>` (lkml.iu.edu). Attachments that are not shown are listed as
`<p><strong>Attachment: ...</strong>` paragraphs.

lkml.iu.edu hides the domain of addresses in the page (`david@xxxxxxxxxxxxx`), but the rotated
From comment keeps the real address; the comment is preferred.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from .. import mid as midlib
from ..dates import parse_date
from ..errors import SourceError
from ..message import Attachment, Message, decode_header_value, make_message
from ..people import parse_person
from .html_markup import br_lines_text, clean_body, mhonarc_fields, soup_of, text_between

BODY_START = "<!--X-Body-of-Message-->"
BODY_END = "<!--X-Body-of-Message-End-->"
HEAD_START = "<!--X-Head-of-Message-->"
HEAD_END = "<!--X-Head-of-Message-End-->"
SUBJECT_START = "<!--X-Subject-Header-Begin-->"
SUBJECT_END = "<!--X-Subject-Header-End-->"
RE_ATTACHMENT_NOTE = re.compile(r"<p>\s*<strong>\s*Attachment:.*?</p>", re.S | re.I)
RE_DIFF = re.compile(r"^(?:diff --git |--- \S|Index: )", re.M)
RE_HEAD_ITEM = re.compile(r"^\s*([A-Za-z-]+)\s*:\s*(.*)$", re.S)

# MHonArc's "R13": lower-case letters rotate by 13, and the 28 characters "@A-Z[" by 14
# (so "@" and "N" swap places); the rotation is its own inverse.
_UPPER = "@ABCDEFGHIJKLMNOPQRSTUVWXYZ["
_LOWER = "abcdefghijklmnopqrstuvwxyz"
R13 = str.maketrans(_UPPER + _LOWER, _UPPER[14:] + _UPPER[:14] + _LOWER[13:] + _LOWER[:13])


def unrotate(text: str) -> str:
    """Decode MHonArc's X-From-R13 comment."""
    return text.translate(R13)


def head_fields(markup: str) -> dict[str, str]:
    """The `<li><em>Name</em>: value</li>` fields of the head of message, names lower-cased."""
    head = text_between(markup, HEAD_START, HEAD_END)
    fields: dict[str, str] = {}
    if not head or "<li" not in head.lower():
        return fields
    for li in soup_of(head).find_all("li"):
        m = RE_HEAD_ITEM.match(li.get_text())
        if m:
            fields.setdefault(m.group(1).lower(), " ".join(m.group(2).split()))
    return fields


def page_header(markup: str) -> dict[str, str]:
    """lkml.iu.edu's own lines under the title: `<strong>From: </strong>Name`, `Date:`."""
    block = text_between(markup, SUBJECT_START, SUBJECT_END)
    fields: dict[str, str] = {}
    if not block:
        return fields
    soup = soup_of(block)
    h1 = soup.find("h1")
    if h1 is not None:
        fields["subject"] = h1.get_text().strip()
    for strong in soup.find_all("strong"):
        label = strong.get_text().strip().rstrip(":").lower()
        if label in ("from", "date") and strong.next_sibling is not None:
            fields.setdefault(label, str(strong.next_sibling).strip())
    return fields


def _quoted_text(nodes: list) -> str:
    """Text of MHonArc's rendering of format=flowed mail: quoted paragraphs sit in nested
    <blockquote> (their ">" removed) and each line in a <tt>; the ">" are put back.

    A <pre> or <blockquote> starts a new line; a line after a soft break (a line ending in a
    space, RFC 3676) continues its paragraph and gets no ">" of its own.
    """
    out: list[str] = []
    line: list[str] = []  # the line being built
    soft = False  # the previous line ended in a space: this one continues it

    def end_line(depth: int) -> None:
        nonlocal soft
        text = "".join(line)
        if not text and depth and not soft:
            text = ">" * depth  # an empty quoted line keeps its ">"
        out.append(text + "\n")
        soft = text.endswith(" ")
        line.clear()

    depth = 0
    for node in nodes:
        walk = [node] if isinstance(node, NavigableString) else [node, *node.descendants]
        for item in walk:
            if isinstance(item, Tag):
                if item.name in ("pre", "blockquote") and line:
                    end_line(depth)
                continue
            if isinstance(item, Comment):
                continue
            depth = sum(1 for parent in item.parents if parent.name == "blockquote")
            for n, piece in enumerate(str(item).split("\n")):
                if n:
                    end_line(depth)
                if piece:
                    if not line and depth and not soft:
                        line.append(">" * depth + " ")
                    line.append(piece)
    if line:
        end_line(depth)
    return "".join(out)


def body_and_attachments(fragment: str) -> tuple[str, tuple[Attachment, ...]]:
    """Body and inline text attachments of the body fragment.

    MHonArc shows each text part in turn: a plain part as a `<pre>`, a format=flowed part as
    `<pre style=...>`, `<tt>` and `<blockquote>` pieces. The first part is the body; later
    plain `<pre>` parts are attachments (patches, logs), shown without their file names.
    """
    fragment = RE_ATTACHMENT_NOTE.sub("", fragment)
    low = fragment.lower()
    if "<pre" not in low and "<tt" not in low:
        return clean_body(br_lines_text(fragment)), ()  # lkml.iu.edu: lines ending in <br>
    root = soup_of(fragment).body
    for pre in root.find_all("pre") if root is not None else []:
        first = pre.contents[0] if pre.contents else None
        if isinstance(first, NavigableString) and first.startswith("\n"):
            first.replace_with(first[1:])  # HTML ignores a newline right after <pre>
    parts: list[list] = []
    flowed = False
    for node in list(root.children) if root is not None else []:
        is_plain_part = isinstance(node, Tag) and node.name == "pre" and not node.get("style")
        if is_plain_part or not parts or not flowed:
            if is_plain_part or not parts:
                parts.append([])
        flowed = not is_plain_part
        parts[-1].append(node)
    texts = [clean_body(_quoted_text(part)) for part in parts]
    texts = [t for t in texts if t.strip()] or [""]
    attachments = tuple(Attachment(None, "text/x-patch" if RE_DIFF.search(t) else "text/plain", t)
                        for t in texts[1:])
    return texts[0], attachments


def parse(soup: BeautifulSoup, markup: str, source: str) -> list[Message]:
    fields = mhonarc_fields(soup)
    mid = midlib.clean_mid((fields.get("message-id") or [""])[0])
    fragment = text_between(markup, BODY_START, BODY_END)
    if fragment is None:
        if BODY_START in markup:
            raise SourceError(f"{source}: MHonArc page is cut short (no end of the message body)")
        return []
    head = head_fields(markup)
    shown = page_header(markup)
    # The head's From is decoded already; the rotated comment holds the raw header.
    author_text = head.get("from") or (decode_header_value(unrotate(fields["from-r13"][0]))
                                       if fields.get("from-r13") else shown.get("from"))
    date = parse_date(head.get("date")) or parse_date((fields.get("date") or [""])[0]) or parse_date(shown.get("date"))
    references = tuple(r for r in (midlib.clean_mid(v) for v in fields.get("reference", [])) if r)
    irt, head_refs = midlib.references(head.get("in-reply-to"), head.get("references"))
    if head_refs:
        references = head_refs
    if irt is None and references:
        irt = references[-1]
    subject = head.get("subject") or decode_header_value((fields.get("subject") or [""])[0]) \
        or shown.get("subject", "")
    body, attachments = body_and_attachments(fragment)
    return [make_message(message_id=mid, subject=subject, author=parse_person(author_text), date=date,
                         body=body, in_reply_to=irt, references=references, attachments=attachments,
                         to=head.get("to", ""), cc=head.get("cc", ""), source=source)]
