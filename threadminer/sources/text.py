"""Pasted text: an archive page copied as text (like the seed), or a plain text with no headers.

A pasted hypermail page looks like::

    Re: [RFC PATCH] mm: move xa forward when run across zombie page

    From: Dave Chinner
    Date: Wed Oct 19 2022 - 19:43:09 EST

    <body>

Navigation lines that a copy of the page may carry ("Next message:", "Messages sorted by:")
are dropped. Anything else without mail headers is read as one message body.
"""

from __future__ import annotations

import re

from ..dates import parse_date
from ..message import Message, decode_bytes, make_message
from ..people import parse_person
from .. import mid as midlib

RE_FIELD = re.compile(r"^(From|Date|Subject|To|Cc|Message-ID|In-Reply-To|References)\s*:\s*(.*)$", re.I)
# Hypermail and MHonArc navigation, as it appears when a page is copied as text.
RE_NAV = re.compile(
    r"^\s*(?:[-*\u2022]\s*)?(Next message|Previous message|In reply to|Next in thread|Previous in thread|"
    r"Reply|Messages sorted by|Maybe in reply to|Thread Next|Thread Previous|Date Next|Date Prev|"
    r"Thread Index|Date Index|Author Index|Subject Index|\[ date \]|\[ thread \])\b.*$"
    r"|^\s*[\u2500\u2501]{10,}\s*$", re.I)  # a text browser draws <hr> as a line of box rules
HEAD_SCAN_LINES = 12
# An inbox with public-inbox's `obfuscate` shows the first dot of a domain as a bullet.
RE_OBFUSCATED_DOT = re.compile(r"([\w.+=-]+@[\w-]+)\u2022([\w.-]+)")


def split_page_header(text: str) -> tuple[dict[str, str], str, int] | None:
    """(fields, subject line, index of the first body line) of a pasted page, or None.

    A page is recognised when, within its first lines, a From: line and a Date: line appear
    (after an optional subject line), the way archive pages print their header block.
    """
    lines = text.split("\n")
    fields: dict[str, str] = {}
    subject = ""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    limit = min(len(lines), i + HEAD_SCAN_LINES)
    last_field = -1
    last_name = ""
    j = i
    # The header block must start within the first lines; once started it runs on as long
    # as fields or their continuation lines follow (a long Cc on a public-inbox page).
    while j < limit or (last_field == j - 1 and j < len(lines)):
        line = lines[j].rstrip()
        m = RE_FIELD.match(line)
        if m:
            last_name = m.group(1).lower()
            fields.setdefault(last_name, m.group(2).strip())
            last_field = j
        elif fields and last_field == j - 1 and line[:1] in (" ", "\t") and line.strip():
            if fields.get(last_name) is not None and last_name in ("to", "cc", "references", "subject"):
                fields[last_name] += " " + line.strip()
            last_field = j
        elif line.strip() and not fields and not subject and not RE_NAV.match(line):
            subject = line.strip()
        elif line.strip() and fields and not RE_NAV.match(line):
            break
        j += 1
    if "from" not in fields or "date" not in fields:
        return None
    if parse_date(fields["date"].replace("[thread overview]", "")) is None:
        return None
    return fields, subject, last_field + 1


# public-inbox (lore) pages end the message with "next prev parent reply  other threads:[...]",
# then the thread overview and reply instructions; nothing after that line is the message.
RE_PUBLIC_INBOX_FOOTER = re.compile(r"^(?:(?:next|prev|parent)\s+)*reply\s+other threads:", re.M)


def strip_navigation(body: str) -> str:
    footer = RE_PUBLIC_INBOX_FOOTER.search(body)
    if footer:
        body = body[: footer.start()]
    lines = body.split("\n")
    while lines and (not lines[0].strip() or RE_NAV.match(lines[0])):
        lines.pop(0)
    while lines and (not lines[-1].strip() or RE_NAV.match(lines[-1])):
        lines.pop()
    return "\n".join(lines) + "\n"


def parse_pasted_page(data: bytes, source: str) -> Message | None:
    text, defect = decode_bytes(data, None)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = split_page_header(text)
    if found is None:
        return None
    fields, subject, start = found
    body = strip_navigation("\n".join(text.split("\n")[start:]))
    date = parse_date(fields["date"].replace("[thread overview]", ""))
    if fields.get("from"):
        fields["from"] = RE_OBFUSCATED_DOT.sub(r"\1.\2", fields["from"])
    irt, refs = midlib.references(fields.get("in-reply-to"), fields.get("references"))
    return make_message(message_id=midlib.clean_mid(fields.get("message-id")),
                        subject=fields.get("subject") or subject, author=parse_person(fields["from"]),
                        date=date, body=body, in_reply_to=irt, references=refs, source=source,
                        defects=(defect,) if defect else ())


def parse_plain_text(data: bytes, source: str) -> Message:
    """A text with no headers: one body, no author, no date, a derived id."""
    text, defect = decode_bytes(data, None)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    from ..people import Person

    return make_message(message_id=None, subject="", author=Person("", ""), date=None, body=text,
                        source=source, defects=(defect,) if defect else ())
