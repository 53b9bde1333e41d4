"""Message-ID functions: cleaning, junk detection, and the reference list of a message."""

from __future__ import annotations

import hashlib
import re

# An id inside angle brackets; the body may not hold spaces or further brackets.
RE_BRACKETED = re.compile(r"<([^<>\s]+)>")
# A bare id-looking token (used when a header lacks brackets): local@domain.
RE_BARE = re.compile(r"^[^\s<>@()\"]+@[^\s<>@()\"]+$")
# RFC 5322 comments: "(...)", not nested in practice.
RE_COMMENT = re.compile(r"\([^()]*\)")

# Answers to git-send-email's old "Message-ID to be used as In-Reply-To" prompt, and
# placeholders seen in real archives (notmuch-lkml carries <yes> on 71 messages).
JUNK_IDS = frozenset({"yes", "y", "no", "n", "none", "null", "nil", "undefined", "true", "false", "0"})


def is_junk(mid: str) -> bool:
    """True for ids that cannot name a real message: prompt answers, bare words, no '@'."""
    if not mid:
        return True
    low = mid.lower()
    if low in JUNK_IDS:
        return True
    if "@" not in mid:
        # Real Message-IDs are addr-spec shaped; an '@'-less token is an answer or a mangling.
        return True
    if low.startswith("mailto:"):
        return True
    return False


def clean_mid(value: str | None) -> str | None:
    """The Message-ID in a Message-ID header value, without brackets, or None if unusable.

    Handles comments (``<a@b> (added by postmaster)``), trailing text, missing brackets and
    junk such as ``<yes>``.
    """
    if not value:
        return None
    value = value.strip()
    found = RE_BRACKETED.findall(value)
    if found:
        mid = found[0]
    else:
        bare = RE_COMMENT.sub("", value).strip().strip('"').strip()
        if not RE_BARE.match(bare):
            return None
        mid = bare
    mid = mid.strip()
    if is_junk(mid):
        return None
    return mid


def mids_in(value: str | None) -> list[str]:
    """Every usable id in a References / In-Reply-To value, in order, deduplicated."""
    if not value:
        return []
    out: list[str] = []
    seen: set[str] = set()
    found = RE_BRACKETED.findall(value)
    if not found:
        # Some mailers write In-Reply-To without brackets.
        one = clean_mid(value)
        found = [one] if one else []
    for mid in found:
        if is_junk(mid) or mid in seen:
            continue
        seen.add(mid)
        out.append(mid)
    return out


def in_reply_to_id(value: str | None, addresses: set[str] = frozenset()) -> str | None:
    """The id an In-Reply-To header names, ignoring junk and plain addresses.

    Some mailers put prose ("<a@b> from Foo <foo@bar> on ...") in In-Reply-To; the first
    bracketed id that is not one of the message's own From/To/Cc addresses wins.
    """
    for mid in mids_in(value):
        if mid.lower() in addresses:
            continue
        return mid
    return None


def references(in_reply_to: str | None, refs_header: str | None, addresses: set[str] = frozenset(),
               own_id: str | None = None) -> tuple[str | None, tuple[str, ...]]:
    """(parent id from In-Reply-To, cleaned References list) of one message.

    Addresses from From/To/Cc are dropped (mailers that put them in References), as is the
    message's own id (a self-reference is a loop of one).
    """
    irt = in_reply_to_id(in_reply_to, addresses)
    refs = [m for m in mids_in(refs_header) if m.lower() not in addresses and m != own_id]
    if irt == own_id:
        irt = None
    return irt, tuple(refs)


# The most References ids kept for one message. Threading needs the last ids (the parent and
# its ancestors, for ghosts) and the first (the thread's root); the middle of a very long
# chain adds nothing the other messages of the thread do not carry. The longest real
# References in 13,685 messages of linux-modules and ksummit hold 24 ids; a hostile message
# can carry 300,000.
MAX_REFERENCES = 100
REFERENCES_HEAD = 10


def cap_references(refs: tuple[str, ...]) -> tuple[str, ...]:
    """At most MAX_REFERENCES ids: the first REFERENCES_HEAD and the last others."""
    if len(refs) <= MAX_REFERENCES:
        return refs
    return refs[:REFERENCES_HEAD] + refs[len(refs) - (MAX_REFERENCES - REFERENCES_HEAD):]


def derived_mid(*parts: str | bytes) -> str:
    """A stable id for a message without a usable Message-ID, made from its content."""
    digest = hashlib.sha1()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part)
        digest.update(b"\0")
    return f"{digest.hexdigest()[:24]}@threadminer.invalid"


# A Message-ID given on the command line: local@domain, optionally in angle brackets.
RE_MSGID_ARG = re.compile(r"^<?([^\s<>/@]+(?:/[^\s<>/@]+)*@[^\s<>@/]+)>?$")


def message_id_argument(text: str) -> str | None:
    """The Message-ID a command-line argument names ("<id>" or "id"), or None."""
    match = RE_MSGID_ARG.match(text.strip())
    return match.group(1) if match else None


# public-inbox's mid_escape leaves these unescaped in URLs; "/" becomes %2F.
URL_SAFE = "!$&'()*+,;=:@"
LORE_REDIRECT = "https://lore.kernel.org/r/"


def archive_url(mid: str, base: str = LORE_REDIRECT) -> str:
    """The URL of a message in a public-inbox archive (lore's /r/ finds it in any list)."""
    from urllib.parse import quote

    return base + quote(mid, safe=URL_SAFE)
