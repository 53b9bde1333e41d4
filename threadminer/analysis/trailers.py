"""Commit trailers (`Reviewed-by: Name <addr>`, `Fixes: 1234abcd ("title")`) in mail bodies.

`parse_trailers(body, followup=...)` reads the trailer lines a message writes itself: never
quoted lines (`> Reviewed-by:` is somebody else's), never below the `-- ` signature marker,
and never below an Outlook-style "-----Original Message-----" block, whose unquoted text is
the quoted message. It follows b4's reading of trailers, which maintainers rely on:

- a value holding an address is a person trailer; its name and address are split by hand,
  not by RFC 2822 rules, so `Foo (corp) <a@b>`, `Tester2, Followup <a@b>` and
  `Name [corp] <a@b>` keep their names verbatim;
- an HTML mailer's `<a@b<mailto:a@b>>` is reduced to `<a@b>`;
- a trailer wrapped by a mail client (`Signed-off-by: Long Name` + `<addr>` on the next
  line; `Fixes: 1234 ("title` + `rest")`) is joined back;
- extra information stays with its trailer: ` # comment` at the end of the line, or a
  `[for the foo bits]` line right below it;
- `Fixes:` must start with a hexadecimal commit id of at least 6 digits.

From a follow-up (a reply), only trailers a reviewer gives are taken: person trailers named
`...-by` (Reviewed-by, Acked-by, Tested-by, Reported-by, Suggested-by, Signed-off-by,
Co-developed-by, Nacked-by, Reviewed-and-tested-by, ...) and Fixes/Link/Closes. Headers a
quoted or forwarded message carries (From, To, Cc, Subject, Date) and series metadata
(change-id, base-commit, Message-ID) are not.

`trailer_scope(lines, index)` reads a scope a reviewer wrote for a trailer given on a cover
letter ("For patches 1-3:", "Reviewed-by: X # for 2/7"), so it applies to those patches only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import unquote

from .lines import split_line

VERSION = 1

# Names b4 counts as utility trailers (a value that is not a person).
UTILITY = frozenset({"fixes", "link", "buglink", "closes", "obsoleted-by", "message-id", "change-id",
                     "base-commit", "based-on"})
# Utility trailers a reviewer may give in a reply.
FOLLOWUP_UTILITY = frozenset({"fixes", "link", "buglink", "closes"})
# Lines of the form "Name: value" that are never trailers: contact details in signatures,
# and mail headers once the message text has started.
NEVER = frozenset({"phone", "mail", "email", "e-mail", "prerequisite-message-id"})
HEADERS = frozenset({"subject", "date", "from"})
RE_BY_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*-by$")

RE_TRAILER = re.compile(r"^\s*(\w\S+):\s+(\S.*)$")
RE_HAS_ADDRESS = re.compile(r"\S+@\S+\.\S+")
RE_MAILTO = re.compile(r"<mailto:[^>]+>")
RE_NAME_ADDR = re.compile(r"^(.*?)\s*<([^>]+)>\s*$")
RE_HASH_EXTINFO = re.compile(r"^(.*\S)(\s+#[^#]+)$")
RE_BRACKET_EXTINFO = re.compile(r"^\s*\[[^\]]+\]\s*$")
RE_FIXES_VALUE = re.compile(r"^[0-9a-f]{6,}", re.I)
# "Fixes: 1234abcd (\"long title" / "continued\")" and "Signed-off-by: Long Name" / "<addr>".
RE_WRAPPED_FIXES = re.compile(r"^(\S+:\s+[\da-f]+\s+\([^)]+)\n([^\n]+\))", re.M)
RE_WRAPPED_ADDRESS = re.compile(r"^(\S+:\s+[^<\n]+)\n(<[^>\n]+>)$", re.M)
# Where an Outlook-style reply starts quoting without ">" markers.
RE_ORIGINAL_MESSAGE = re.compile(r"^\s*-{3,}\s*Original Message\s*-{3,}\s*$|^_{20,}\s*$", re.I)
RE_LINK_MSGID = re.compile(r"^https?://[^@]+/([^/]+@[^/]+)", re.I)


@dataclass(frozen=True)
class Trailer:
    """One trailer line. `value` is normalised (`Name <addr>`, or the bare address when
    there is no name); `line` is its 1-based line in the body it was read from."""

    name: str
    value: str
    kind: str  # "person", "utility" or "unknown"
    person: str = ""
    email: str = ""
    extinfo: str = ""
    line: int = 0

    @property
    def lname(self) -> str:
        return self.name.lower()

    def as_text(self) -> str:
        """The trailer as written into a commit message (extra information kept)."""
        text = f"{self.name}: {self.value}"
        if not self.extinfo:
            return text
        if self.extinfo.lstrip().startswith("#"):
            return text + self.extinfo
        return f"{text}\n{self.extinfo}"

    def same_as(self, other: "Trailer") -> bool:
        """The same trailer: same name and value, case-blind; two Links naming the same
        Message-ID through different archives are the same."""
        if self.lname != other.lname:
            return False
        if self.value.lower() == other.value.lower():
            return True
        if self.lname == "link":
            mine, theirs = link_msgid(self.value), link_msgid(other.value)
            return bool(mine) and mine == theirs
        return False


def link_msgid(url: str) -> str | None:
    """The Message-ID in a lore-style link (`.../r/<id>`, `patch.msgid.link/<id>`)."""
    m = RE_LINK_MSGID.search(unquote(url))
    return m.group(1).lower() if m else None


def make_trailer(name: str, value: str, extinfo: str = "", line: int = 0) -> Trailer:
    """A Trailer from its name and raw value, the value normalised as b4 does."""
    lname = name.lower()
    value = value.strip()
    if lname in UTILITY or "://" in value:
        return Trailer(name, value, "utility", extinfo=extinfo, line=line)
    if not RE_HAS_ADDRESS.search(value):
        return Trailer(name, value, "unknown", extinfo=extinfo, line=line)
    value = RE_MAILTO.sub("", value)
    m = RE_NAME_ADDR.match(value)
    if m:
        person, email = m.group(1).strip(), m.group(2).strip()
    else:
        person, email = parseaddr(value)
    if not person and not email:
        return Trailer(name, value, "unknown", extinfo=extinfo, line=line)
    shown = email if not person or person == email else f"{person} <{email}>"
    return Trailer(name, shown, "person", person=person, email=email, extinfo=extinfo, line=line)


QUOTED = "\0"


def _own_lines(body: str) -> list[tuple[int, str]]:
    """(line number, text) of the body's lines up to its signature or an unquoted copy of
    the message it answers; a quoted line's text is QUOTED (never a trailer)."""
    out: list[tuple[int, str]] = []
    for number, raw in enumerate(body.split("\n"), 1):
        raw = raw.rstrip("\r")
        if raw == "-- " or RE_ORIGINAL_MESSAGE.match(raw):
            break
        depth, _ = split_line(raw)
        out.append((number, QUOTED if depth else raw))
    return out


def _join_wrapped(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Join the two common client-wrapped trailer forms back onto one line."""
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        number, text = lines[i]
        if i + 1 < len(lines):
            pair = f"{text}\n{lines[i + 1][1]}"
            if RE_WRAPPED_FIXES.match(pair) or RE_WRAPPED_ADDRESS.match(pair):
                out.append((number, f"{text} {lines[i + 1][1]}"))
                i += 2
                continue
        out.append((number, text))
        i += 1
    return out


def accept_from_reply(trailer: Trailer) -> bool:
    """Whether a trailer written in a reply is one a reviewer gives for the patch."""
    lname = trailer.lname
    if lname in FOLLOWUP_UTILITY:
        return True
    if trailer.kind != "person":
        return False
    return bool(RE_BY_NAME.match(lname))


def parse_trailers(body: str, followup: bool = False) -> tuple[Trailer, ...]:
    """Every trailer line the message writes itself (see the module docstring).

    `followup=True` reads a reply: only the trailers a reviewer gives are returned.
    """
    trailers: list[Trailer] = []
    seen_text = False
    last_was_trailer = False
    for number, text in _join_wrapped(_own_lines(body)):
        if text == QUOTED:
            last_was_trailer = False
            continue
        m = RE_TRAILER.match(text)
        if m:
            name, value = m.group(1), m.group(2)
            lname = name.lower()
            if lname in NEVER or (seen_text and lname in HEADERS) or not lname.isascii():
                seen_text = True
                last_was_trailer = False
                continue
            if lname == "fixes" and not RE_FIXES_VALUE.match(value):
                seen_text = True
                last_was_trailer = False
                continue
            extinfo = ""
            e = RE_HASH_EXTINFO.match(value)
            if e:
                value, extinfo = e.group(1), e.group(2)
            trailer = make_trailer(name, value, extinfo, number)
            if followup and not accept_from_reply(trailer):
                seen_text = True
                last_was_trailer = False
                continue
            trailers.append(trailer)
            last_was_trailer = True
            continue
        if last_was_trailer and len(text) > 2 and RE_BRACKET_EXTINFO.match(text) and not trailers[-1].extinfo:
            last = trailers[-1]
            trailers[-1] = Trailer(last.name, last.value, last.kind, last.person, last.email, text, last.line)
            last_was_trailer = False
            continue
        if text.strip():
            seen_text = True
        last_was_trailer = False
    return tuple(trailers)


RE_PATCH_SEPARATOR = re.compile(r"^---\s*$", re.M)
RE_DIFF_START = re.compile(r"^(?:diff -|Index: |--- \S)", re.M)


def commit_message(body: str) -> str:
    """The commit message part of a patch mail: the body above `---` (or above the diff)."""
    m = RE_PATCH_SEPARATOR.search(body)
    d = RE_DIFF_START.search(body)
    cut = min(x.start() for x in (m, d) if x is not None) if (m or d) else len(body)
    return body[:cut]


def commit_trailers(body: str) -> tuple[Trailer, ...]:
    """The trailers a patch carries itself: those of the last paragraph of its commit
    message (as git interpret-trailers and b4 read them)."""
    message = commit_message(body).rstrip()
    # The last paragraph: after the last blank line of the message.
    start = max(message.rfind("\n\n"), message.rfind("\n \n"), message.rfind("\n\t\n"))
    start = start + 1 if start >= 0 else 0
    offset = message[:start].count("\n")
    return tuple(Trailer(t.name, t.value, t.kind, t.person, t.email, t.extinfo, t.line + offset)
                 for t in parse_trailers(message[start:]))


def same_address(a: str, b: str) -> bool:
    """Two addresses of one person, as b4 compares them: case-blind, ignoring a `+tag`,
    and a domain that is one level deeper than the other (`x@linux.intel.com`/`x@intel.com`)."""
    a, b = a.lower().strip(), b.lower().strip()
    if not a or not b:
        return False
    if a == b:
        return True
    if "@" not in a or "@" not in b:
        return False
    a, b = re.sub(r"\+[^@]+@", "@", a), re.sub(r"\+[^@]+@", "@", b)
    if a == b:
        return True
    alocal, adomain = a.split("@", 1)
    blocal, bdomain = b.split("@", 1)
    if alocal != blocal:
        return False
    return abs(adomain.count(".") - bdomain.count(".")) == 1 and (
        adomain.endswith("." + bdomain) or bdomain.endswith("." + adomain))


def given_by_sender(trailer: Trailer, sender_name: str, sender_email: str) -> bool:
    """Whether a person trailer names the reply's own sender (by address, or by exact name,
    or, for a "Last, First" sender, by every part of the name)."""
    if trailer.kind != "person" or not trailer.email:
        return True
    if same_address(trailer.email, sender_email):
        return True
    tname, sname = trailer.person.lower().strip().strip('"'), sender_name.lower().strip().strip('"')
    if not sname:
        return False
    if tname == sname:
        return True
    if "," in sname:
        return all(part.strip() and part.strip() in tname for part in sname.split(","))
    return False


# --- scope: "for patches 1-3" ----------------------------------------------------------

_NUM = r"\d{1,4}(?:/\d{1,4})?"
_RANGE = rf"{_NUM}(?:\s*(?:-|–|\.\.|to)\s*{_NUM})?"
_LIST = rf"{_RANGE}(?:\s*(?:,|&|\band\b)\s*{_RANGE})*"
RE_SCOPES = (
    re.compile(rf"\bfor\s+(?:the\s+)?(?:patch(?:es)?|commits?)\s+#?({_LIST})(?![\w/])", re.I),
    re.compile(rf"\bfor\s+#?({_LIST})\s*(?::|\]|\)|$)", re.I),
    re.compile(rf"^\s*(?:patch(?:es)?\s+)?({_LIST})\s*:\s*$", re.I),
    re.compile(rf"\bpatch(?:es)?\s+({_LIST})\s*:\s*$", re.I),
)
RE_SCOPE_ALL = re.compile(r"\bfor\s+(?:the\s+)?(?:whole\s+|entire\s+)?(?:series|set|all(?:\s+patches)?)\b", re.I)


def parse_scope(text: str) -> tuple[int, ...] | None:
    """The patch counters a scope phrase names ("for patches 1-3, 5" -> (1, 2, 3, 5);
    "for 2/7" -> (2,)); None if the text names no scope."""
    if RE_SCOPE_ALL.search(text):
        return None
    for rx in RE_SCOPES:
        m = rx.search(text)
        if m:
            return _expand(m.group(1))
    return None


def _expand(listing: str) -> tuple[int, ...] | None:
    out: list[int] = []
    for part in re.split(r"\s*(?:,|&|\band\b)\s*", listing):
        bounds = re.split(r"\s*(?:-|–|\.\.|to)\s*", part.strip())
        nums = [int(b.split("/")[0]) for b in bounds if b and b.split("/")[0].isdigit()]
        if not nums:
            continue
        lo, hi = nums[0], nums[-1]
        if hi < lo or hi - lo > 500:
            return None
        out.extend(range(lo, hi + 1))
    return tuple(dict.fromkeys(out)) or None


def trailer_scope(body: str, trailer: Trailer) -> tuple[int, ...] | None:
    """The scope a reviewer wrote for one trailer: in its extra information, or on the
    nearest own line above it (blank lines and other trailers between are allowed, e.g.
    "For patches 1-3:" above a block of trailers). None: no scope (the whole series)."""
    if trailer.extinfo:
        scope = parse_scope(trailer.extinfo)
        if scope:
            return scope
    lines = body.split("\n")
    i = trailer.line - 2
    looked = 0
    while i >= 0 and looked < 6:
        raw = lines[i].rstrip("\r")
        i -= 1
        if not raw.strip():
            continue
        looked += 1
        depth, _ = split_line(raw)
        if depth or raw == "-- ":
            return None
        if RE_TRAILER.match(raw):
            continue  # another trailer of the same block: keep looking above it
        return parse_scope(raw)
    return None
