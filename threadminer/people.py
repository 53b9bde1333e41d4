"""Names and addresses from From headers and archive pages, including obfuscated forms."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from email.utils import getaddresses, parseaddr

# Pipermail and some archives: "user at example.com" or "user at example dot com".
RE_AT_FORM = re.compile(r"^\s*([\w.+=-]+)\s+(?:at|AT)\s+([\w-]+(?:\s*(?:\.|\bdot\b)\s*[\w-]+)+)\s*$")
# lkml.iu.edu hides domains: "david@xxxxxxxxxxxxx"; marc.info: "david () fromorbit ! com".
RE_X_DOMAIN = re.compile(r"@x{3,}(?:\.x+)*$", re.I)
RE_MARC = re.compile(r"^\s*([\w.+=-]+)\s+\(\)\s+([\w.-]+(?:\s+!\s+[\w-]+)+)\s*$")
# gmane: "user-XXXX@public.gmane.org" where the local part is the real local part plus a hash.
RE_GMANE = re.compile(r"^(.+?)-[A-Za-z0-9+/=_]{4,}@public\.gmane\.org$", re.I)


@dataclass(frozen=True)
class Person:
    """One sender: display name and address as far as the archive tells them."""

    name: str
    email: str
    obfuscated: bool = False

    @property
    def display(self) -> str:
        """The best human label: the name, else the address's local part."""
        if self.name:
            return self.name
        return self.email.split("@")[0] if self.email else ""

    def __str__(self) -> str:
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.name or self.email


def _clean_name(name: str) -> str:
    name = " ".join(name.split()).strip().strip('"').strip("'").strip()
    # "Foo Bar via Some-List" (Google Groups / Mailman DMARC munging).
    name = re.sub(r"\s+via\s+\S+$", "", name)
    return name


def deobfuscate_address(addr: str) -> tuple[str, bool]:
    """(address, was_obfuscated) with archive obfuscation undone where it can be."""
    addr = addr.strip().strip("<>").strip()
    m = RE_AT_FORM.match(addr)
    if m:
        domain = re.sub(r"\s*(?:\.|\bdot\b)\s*", ".", m.group(2))
        return f"{m.group(1)}@{domain}".lower(), True
    m = RE_MARC.match(addr)
    if m:
        return f"{m.group(1)}@{m.group(2).replace(' ! ', '.')}".lower(), True
    if RE_X_DOMAIN.search(addr):
        return addr.lower(), True
    m = RE_GMANE.match(addr)
    if m:
        return addr.lower(), True
    return addr.lower(), False


# How deep RFC 5322 comments may nest before their parentheses are ignored. The `email`
# package reads a comment by recursing once per "(" (600 nested: RecursionError); real
# mail nests at most one or two deep ("Name (Company (EU))").
MAX_COMMENT_DEPTH = 8


def tame_comments(value: str) -> str:
    """`value` with every parenthesis turned into a space when comments nest deeper than
    MAX_COMMENT_DEPTH (counting unclosed ones), so the address in it can still be read."""
    if value.count("(") <= MAX_COMMENT_DEPTH:
        return value
    depth = deepest = 0
    for char in value:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")" and depth:
            depth -= 1
    if deepest <= MAX_COMMENT_DEPTH:
        return value
    return value.replace("(", " ").replace(")", " ")


@lru_cache(maxsize=4096)
def parse_person(value: str | None) -> Person:
    """Parse a From value: 'Name <a@b>', 'a@b (Name)', 'a at b (Name)', 'Name', ...
    (Cached: a list's mail comes from a few hundred people, each From: parsed once; the
    `email` package's address parser is slow.)"""
    if not value:
        return Person("", "")
    value = " ".join(tame_comments(value).split())
    # Pipermail: "rakesh.pandit at gmail.com (Rakesh Pandit)"
    m = re.match(r"^\s*(.+?\s+at\s+\S+)\s+\((.*)\)\s*$", value)
    if m and RE_AT_FORM.match(m.group(1)):
        email, _ = deobfuscate_address(m.group(1))
        return Person(_clean_name(m.group(2)), email, True)
    name, addr = parseaddr(value)
    if not addr and not name:
        # parseaddr gives up on odd values; keep the text as a name.
        return Person(_clean_name(value), "")
    if addr and "@" not in addr and " at " not in value:
        # A lone word: parseaddr calls it an address, people call it a name.
        if not name:
            return Person(_clean_name(value), "")
    email, obfuscated = deobfuscate_address(addr) if addr else ("", False)
    if "@" not in email:
        m2 = RE_AT_FORM.match(value.split("(")[0])
        if m2:
            email, obfuscated = deobfuscate_address(m2.group(0))
        elif not name:
            return Person(_clean_name(value), "")
        else:
            email = ""
    return Person(_clean_name(name), email, obfuscated)


def parse_addresses(values: list[str]) -> list[Person]:
    """All addresses in To/Cc values."""
    out = []
    for name, addr in getaddresses([tame_comments(v) for v in values]):
        if not addr and not name:
            continue
        email, obf = deobfuscate_address(addr) if addr else ("", False)
        out.append(Person(_clean_name(name), email, obf))
    return out


def name_key(name: str) -> str:
    """A key to compare names written differently: case, accents of punctuation, order kept."""
    name = re.sub(r"[\"'.,()<>]", " ", name.lower())
    return " ".join(name.split())
