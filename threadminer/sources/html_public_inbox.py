"""public-inbox (lore.kernel.org) HTML pages: a message page `/LIST/MSGID/` and thread pages
`/LIST/MSGID/T/` (flat) and `/t/` (nested), which hold every message of the thread.

Message page: one `<pre id=b>` holds the decoded header fields (From, To, Cc, Subject, Date,
Message-ID, In-Reply-To) then, after a blank line, the body. A multipart message shows each
part after a `[-- Attachment #N: name --]` / `[-- Type: type, Size: n bytes --]` line.

Thread pages: one `<pre>` per message, opened by an anchor `<a id=m<sha1 of Message-ID>>*</a>`
and the subject, then a small tree (parent, the message marked `@`, its children), a line
`From: Name @ 2022-10-19 23:42 UTC (permalink / raw)` whose permalink names the Message-ID,
To/Cc lines, a blank line, the body, and a footer `^ permalink raw reply`. These pages give
the author's name without address and the date to the minute; a message's parent is the line
above its `@` line (a `[not found]` line names a missing parent by its Message-ID).

Addresses on an inbox configured with `obfuscate` have the first dot of their domain shown as
a bullet (`david@fromorbit•com`); that is undone.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import unquote

from bs4 import BeautifulSoup, Tag

from .. import mid as midlib
from ..dates import parse_date
from ..errors import SourceError
from ..message import PATCH_SUFFIXES, PATCH_TYPES, Attachment, Message, make_message
from ..people import Person, parse_person
from .html_markup import clean_body, pre_text

RE_OBFUSCATED = re.compile(r"([\w.+=-]+@[\w-]+)\u2022([\w.-]+)")
RE_HEADER = re.compile(r"^([A-Za-z-]+): ?(.*)$")
# "[-- Attachment #2: fix_modinfo_F --]" or "[-- Attachment #1: Type: text/plain, Size: 1409 bytes --]"
RE_PART = re.compile(r"^\[-- Attachment #(\d+): (.*?) --\]$", re.M)
RE_PART_TYPE = re.compile(r"^\[-- Type: ([^,\s]+)(?:, Size: [^\]]*)? --\]$")
# Thread page: "From: Dave Chinner @ 2022-10-19 23:42 UTC (permalink / raw)"
RE_THREAD_FROM = re.compile(
    r"^From: (.*) @ (\d{4})-(\d\d)-(\d\d) +(\d\d?):(\d\d) UTC \(permalink(?: / raw)?\)\s*$", re.M)
RE_THREAD_FOOTER = re.compile(r"^\^ permalink raw reply.*$", re.M)
RE_ANCHOR_ID = re.compile(r"^m([0-9a-f]{40})$")
RE_BRACKETED_ID = re.compile(r"<([^<>\s]+)>")
MINUTE_DEFECT = "page gives the date to the minute"
NAME_ONLY_DEFECT = "page gives the author's name without address"


def is_public_inbox(soup: BeautifulSoup) -> bool:
    return soup.find("pre", id="b") is not None or bool(thread_anchors(soup))


def thread_anchors(soup: BeautifulSoup) -> list[Tag]:
    return [a for a in soup.find_all("a", id=RE_ANCHOR_ID) if a.get_text() == "*"]


def deobfuscate(text: str) -> str:
    return RE_OBFUSCATED.sub(r"\1.\2", text)


def parse(soup: BeautifulSoup, raw_html: str, source: str) -> list[Message]:
    block = soup.find("pre", id="b")
    if block is not None:
        if "</html>" not in raw_html[-200:].lower():
            raise SourceError(f"{source}: public-inbox page is cut short (no end of page)")
        message = parse_message_block(pre_text(block), source)
        return [message] if message else []
    return parse_thread_page(soup, source)


# --- message page ------------------------------------------------------------------------

def split_headers(text: str) -> tuple[dict[str, str], str]:
    """(header fields, body) of a message page's text; continuation lines are unfolded."""
    fields: dict[str, str] = {}
    lines = text.split("\n")
    last = None
    i = 0
    for i, line in enumerate(lines):
        if not line.strip():
            break
        if line[:1] in (" ", "\t") and last:
            fields[last] += " " + line.strip()
            continue
        m = RE_HEADER.match(line)
        if not m:
            return {}, text  # not a header block: the page is not a message page
        last = m.group(1).lower()
        fields.setdefault(last, m.group(2).strip())
    else:
        i = len(lines)
    return fields, "\n".join(lines[i + 1:])


def parse_message_block(text: str, source: str) -> Message | None:
    text = deobfuscate(text)
    fields, rest = split_headers(text)
    if "message-id" not in fields or "from" not in fields:
        return None
    body, attachments = split_parts(rest)
    date_text = re.sub(r"\[thread overview\]", "", fields.get("date", "")).strip()
    irt, refs = midlib.references(fields.get("in-reply-to"), fields.get("references"))
    return make_message(message_id=midlib.clean_mid(fields["message-id"]), subject=fields.get("subject", ""),
                        author=parse_person(fields["from"]), date=parse_date(date_text), body=body,
                        in_reply_to=irt, references=refs, attachments=attachments,
                        to=fields.get("to", ""), cc=fields.get("cc", ""), source=source)


@dataclass(frozen=True)
class _Part:
    name: str | None
    content_type: str
    text: str


def split_parts(body: str) -> tuple[str, tuple[Attachment, ...]]:
    """Body text and kept attachments of a message page's body, split at its part markers.

    As `message.extract_body` does for raw mail: unnamed text/plain parts make the body,
    named text and patch parts become attachments, other parts (signatures, images, HTML
    alternatives) are dropped.
    """
    marks = list(RE_PART.finditer(body))
    if not marks:
        return clean_body(body), ()
    parts: list[_Part] = []
    lead = body[: marks[0].start()]
    if lead.strip():
        parts.append(_Part(None, "text/plain", lead))
    for n, mark in enumerate(marks):
        end = marks[n + 1].start() if n + 1 < len(marks) else len(body)
        chunk = body[mark.end(): end].lstrip("\n")
        label = mark.group(2)
        name: str | None = None
        ctype = "text/plain"
        if label.startswith("Type: "):
            ctype = label[6:].split(",")[0].strip().lower()
        else:
            name = label
            first, _, after = chunk.partition("\n")
            m = RE_PART_TYPE.match(first.strip())
            if m:
                ctype = m.group(1).lower()
                chunk = after
        parts.append(_Part(name, ctype, chunk))
    texts: list[str] = []
    attachments: list[Attachment] = []
    for part in parts:
        patchy = part.content_type in PATCH_TYPES or (part.name or "").lower().endswith(PATCH_SUFFIXES)
        if part.name is None and part.content_type == "text/plain":
            texts.append(clean_body(part.text))
        elif part.content_type.startswith("text/") and part.content_type != "text/html" or patchy:
            if part.name is None and not texts:
                texts.append(clean_body(part.text))
            elif part.text.strip():
                attachments.append(Attachment(part.name, part.content_type, clean_body(part.text)))
    return "\n".join(texts), tuple(attachments)


# --- thread pages ------------------------------------------------------------------------

def parse_thread_page(soup: BeautifulSoup, source: str) -> list[Message]:
    """Every complete message block of a /T/ or /t/ page (a block cut short is left out)."""
    blocks = []
    for anchor in thread_anchors(soup):
        pre = anchor.find_parent("pre")
        if pre is not None:
            blocks.append((anchor, pre))
    by_anchor: dict[str, str] = {}
    ghost_parent: dict[str, str] = {}  # a missing message -> the message it answered
    parsed = []
    for anchor, pre in blocks:
        found = _thread_block(anchor, pre)
        if found is None:
            continue
        parsed.append(found)
        by_anchor[anchor["id"]] = found[0]
        for ghost in found[-1]:
            ghost_parent.setdefault(ghost, found[0])
    messages = []
    for mid, subject, name, date, parent_ref, body, to, cc, _ghosts in parsed:
        parent = None
        if parent_ref:
            parent = by_anchor.get(parent_ref) or (parent_ref if "@" in parent_ref else None)
        references: tuple[str, ...] = (parent,) if parent else ()
        if parent in ghost_parent:
            # The parent is missing from the archive: name its own parent too, as the
            # References header would, so the thread stays one tree through the ghost.
            references = (ghost_parent[parent], parent)
        messages.append(make_message(message_id=mid, subject=subject, author=Person(deobfuscate(name), ""),
                                     date=date, body=body, in_reply_to=parent, references=references,
                                     to=to, cc=cc, source=source, defects=(MINUTE_DEFECT, NAME_ONLY_DEFECT)))
    return messages


def _permalink_mid(pre: Tag) -> str | None:
    for a in pre.find_all("a"):
        if a.get_text() == "permalink":
            href = a.get("href", "")
            mid = unquote(href.rstrip("/").rsplit("/", 1)[-1]) if href else ""
            return midlib.clean_mid(mid)
    return None


def _lines(pre: Tag) -> list[list[tuple[str, Tag | None]]]:
    """The block's lines, each a list of (text, tag) pieces; tags only for one-line pieces."""
    lines: list[list[tuple[str, Tag | None]]] = [[]]
    for child in pre.children:
        tag = child if isinstance(child, Tag) else None
        text = child.get_text() if tag is not None else str(child)
        pieces = text.split("\n")
        for n, piece in enumerate(pieces):
            if n:
                lines.append([])
            if piece:
                lines[-1].append((piece, tag if len(pieces) == 1 else None))
    return lines


def _depth(line: list[tuple[str, Tag | None]]) -> int:
    """Tree depth of a line of the small tree: the column of its "`" (-1 for the root)."""
    return "".join(text for text, _tag in line).find("`")


def _parent_ref(pre: Tag) -> str | None:
    """The anchor id ("m<sha1>") or Message-ID of the message's parent in the small tree.

    The tree lists the parent, earlier siblings (same depth), the message itself (the `@`
    line) and its children: the parent is the nearest line above that sits less deep.
    """
    lines = _lines(pre)
    for n, line in enumerate(lines):
        if any(tag is not None and tag.name == "b" and text.startswith("@ ") for text, tag in line):
            break
    else:
        return None
    depth = _depth(lines[n])
    if depth < 0:
        return None  # the root: no "`" on its line
    for above in reversed(lines[1:n]):  # line 0 holds the subject
        if _depth(above) >= depth:
            continue
        for _text, tag in above:
            if tag is not None and tag.name == "a":
                href = tag.get("href", "")
                if href.startswith("#m"):
                    return href[1:]
                if href.endswith("/"):
                    return midlib.clean_mid(unquote(href.rstrip("/").rsplit("/", 1)[-1]))
        text = "".join(text for text, _tag in above)
        m = RE_BRACKETED_ID.search(text)
        if "[not found]" in text and m:
            return m.group(1)
        return None
    return None


def _ghost_children(pre: Tag) -> list[str]:
    """Missing messages ("[not found]") that the small tree shows as children of this one."""
    lines = _lines(pre)
    ghosts: list[str] = []
    depth = None
    for line in lines[1:]:
        if any(tag is not None and tag.name == "b" and text.startswith("@ ") for text, tag in line):
            depth = _depth(line)
            continue
        if depth is None:
            continue
        text = "".join(text for text, _tag in line)
        m = RE_BRACKETED_ID.search(text)
        if "[not found]" in text and m and _depth(line) > depth:
            ghosts.append(m.group(1))
    return ghosts


def _thread_block(anchor: Tag, pre: Tag):
    text = deobfuscate(pre.get_text())
    head = RE_THREAD_FROM.search(text)
    footer = None
    for footer in RE_THREAD_FOOTER.finditer(text):
        pass
    mid = _permalink_mid(pre)
    if head is None or footer is None or mid is None:
        return None
    subject_tag = anchor.find_next("b")
    subject = subject_tag.get_text().strip() if subject_tag is not None else ""
    after = text[head.end(): footer.start()]
    # To:/Cc: lines (indented, with tab continuations) then a blank line, then the body.
    lines = after.split("\n")
    if lines and not lines[0].strip():
        lines.pop(0)
    to, cc, last = "", "", None
    i = 0
    while i < len(lines) and lines[i].strip():
        stripped = lines[i].strip()
        if stripped.startswith("To: "):
            to, last = stripped[4:], "to"
        elif stripped.startswith("Cc: "):
            cc, last = stripped[4:], "cc"
        elif last == "to":
            to += " " + stripped
        elif last == "cc":
            cc += " " + stripped
        i += 1
    body = clean_body("\n".join(lines[i + 1:]))
    date = datetime(*(int(head.group(i)) for i in range(2, 7)), tzinfo=timezone.utc)
    return mid, subject, head.group(1).strip(), date, _parent_ref(pre), body, to, cc, _ghost_children(pre)


def anchor_of(message_id: str) -> str:
    """The anchor public-inbox gives a message on thread pages: "m" + SHA-1 of its Message-ID."""
    return "m" + hashlib.sha1(message_id.encode("utf-8")).hexdigest()
