"""Patch subject prefixes: `[PATCH v3 2/7]`, `[RFC PATCH]`, `[PATCH v6,19/24]`, list tags.

`parse_subject(subject)` reads the bracketed prefixes and reply markers at the front of a
Subject and returns what they say: version, counter and total, RFC, RESEND, pull request,
the other tags (`net-next`, `for-next`, `io_uring-5.17`, `Buildroot`), and the subject
without them. Forms seen on real lists and handled here:

- `Re:`/`Fwd:`/`AW:` before, between or after bracket groups (`[dpdk-dev] Re: [PATCH]`);
- tokens split on spaces, commas and slashes (`[net,v2,1/2]`, `[PATCH/RFC]`, `[RFC/RFT,V2]`);
- versions `v3`, `V3`, `-v3`, `PATCHv3`, `v5.1` (a minor re-roll: version 5, label "5.1");
- counters `2/7`, `02/10`, `PATCH1/8`, Mercurial's `1 of 2`;
- brackets inside brackets (`[PATCH [net] 1/2]`) and a colon after the last bracket
  (`[Patch 2/2]: powerpc/...`).

Patchwork's `parse_version` also reads a `(v3)` written after the subject; it is used here
only when the brackets name no version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = 1

# Reply and forward markers, with counts ("Re[2]:", "Re^2:"). "AW"/"SV"/"Antw"/"Odp"/"VS"
# are German, Scandinavian, Dutch, Polish, Finnish replies; "WG"/"TR" forwards.
RE_REPLY = re.compile(r"^(?:re|aw|sv|antw|odp|vs|ynt)(?:\[\d+\]|\^\d+)?\s*:\s*", re.I)
RE_FORWARD = re.compile(r"^(?:fwd?|wg|tr|fw)(?:\[\d+\])?\s*:\s*", re.I)
RE_COUNTER = re.compile(r"^(?:patch)?0*(\d{1,4})/0*(\d{1,4})$", re.I)
RE_HG_COUNTER = re.compile(r"\b0*(\d{1,4}) of 0*(\d{1,4})\b", re.I)
RE_VERSION = re.compile(r"^(?:patch)?-?v(\d{1,3})(?:\.(\d{1,3}))?$", re.I)
RE_PATCH_WORD = re.compile(r"^patch(?:es|set)?$", re.I)
RE_TRAILING_VERSION = re.compile(r"\(v(\d{1,3})\)", re.I)
RE_TOKEN_SPLIT = re.compile(r"[,\s]+")


@dataclass(frozen=True)
class SubjectInfo:
    """What a Subject's prefixes say. `version` is None unless a prefix names one;
    `counter`/`total` are None for a patch without n/N."""

    subject: str  # without reply markers and bracketed prefixes
    prefixes: tuple[str, ...]  # every bracketed token, as written
    tags: tuple[str, ...]  # tokens that are not PATCH/RFC/RESEND/version/counter, and list tags
    version: int | None = None
    version_label: str | None = None  # "3", or "5.1" for a minor re-roll
    counter: int | None = None
    total: int | None = None
    patch: bool = False  # PATCH/PATCHSET named, or a counter present
    rfc: bool = False
    resend: bool = False
    pull: bool = False  # [GIT PULL], [PULL], [git pull], [GIT]
    reply: bool = False
    forward: bool = False

    @property
    def version_key(self) -> tuple[int, int]:
        """Sort key of the version: v5.1 sorts between v5 and v6; no version is v1."""
        if self.version is None:
            return (1, 0)
        minor = self.version_label.split(".", 1)[1] if self.version_label and "." in self.version_label else "0"
        return (self.version, int(minor))

    @property
    def is_cover(self) -> bool:
        """A 0/N message: a cover letter when it is not a reply."""
        return self.counter == 0 and not self.reply


def _bracket_end(text: str) -> int:
    """Index just past the bracket group opening text[0], nested brackets included; -1 if
    it never closes."""
    depth = 0
    for i, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


def parse_subject(subject: str | None) -> SubjectInfo:
    """Parse the prefixes at the front of a Subject (never raises)."""
    text = " ".join((subject or "").split())
    prefixes: list[str] = []
    tags: list[str] = []
    fields: dict[str, object] = {}
    reply = forward = False
    # Bounded: a hostile subject of thousands of brackets stops here.
    for _ in range(32):
        m = RE_REPLY.match(text)
        if m:
            reply = True
            text = text[m.end():]
            continue
        m = RE_FORWARD.match(text)
        if m:
            forward = True
            text = text[m.end():]
            continue
        if not text.startswith("["):
            break
        end = _bracket_end(text)
        if end < 0:
            break
        inner = text[1:end - 1].replace("[", " ").replace("]", " ")
        text = text[end:].lstrip()
        _read_group(inner, prefixes, tags, fields)
    text = text.lstrip(":").strip()
    version = fields.get("version")
    label = fields.get("version_label")
    if version is None:
        m = RE_TRAILING_VERSION.search(text)
        if m:
            version, label = int(m.group(1)), m.group(1)
    return SubjectInfo(subject=text, prefixes=tuple(prefixes), tags=tuple(tags),
                       version=version, version_label=label,  # type: ignore[arg-type]
                       counter=fields.get("counter"), total=fields.get("total"),  # type: ignore[arg-type]
                       patch=bool(fields.get("patch")) or fields.get("counter") is not None,
                       rfc=bool(fields.get("rfc")), resend=bool(fields.get("resend")),
                       pull=bool(fields.get("pull")), reply=reply, forward=forward)


def _read_group(inner: str, prefixes: list[str], tags: list[str], fields: dict[str, object]) -> None:
    """Read one bracket group's tokens into `fields`; unknown tokens become tags."""
    m = RE_HG_COUNTER.search(inner)
    if m and "counter" not in fields:
        fields["counter"], fields["total"] = int(m.group(1)), int(m.group(2))
        prefixes.append(m.group(0))
        inner = inner[: m.start()] + " " + inner[m.end():]
    tokens = [t for t in RE_TOKEN_SPLIT.split(inner) if t]
    words = [t.lower() for t in tokens]
    # "[GIT]" alone (git request-pull's default prefix on some lists) and "[GIT PULL]".
    if "pull" in words or words == ["git"]:
        fields["pull"] = True
    known = False
    unknown: list[str] = []
    for token in tokens:
        prefixes.append(token)
        for part in _split_slashes(token):
            if _read_token(part, fields):
                known = True
            elif part.lower() not in ("git", "pull"):
                unknown.append(part)
    if known or fields.get("pull"):
        tags.extend(unknown)
    elif tokens:
        # A group with no patch marker at all is a list or topic tag: "[Buildroot]",
        # "[dpdk-dev]", "[bug report]".
        tags.append(" ".join(tokens))


def _split_slashes(token: str) -> list[str]:
    """"PATCH/RFC" -> ["PATCH", "RFC"]; a counter "2/7" stays whole."""
    if "/" in token and not RE_COUNTER.match(token):
        return [p for p in token.split("/") if p]
    return [token]


def _read_token(token: str, fields: dict[str, object]) -> bool:
    """Record what one token says; False if it is not a patch marker."""
    low = token.strip(";:").lower()
    m = RE_COUNTER.match(low)
    if m:
        if "counter" not in fields:
            fields["counter"], fields["total"] = int(m.group(1)), int(m.group(2))
        if low.startswith("patch"):
            fields["patch"] = True
        return True
    m = RE_VERSION.match(low)
    if m:
        if "version" not in fields:
            fields["version"] = int(m.group(1))
            fields["version_label"] = m.group(1) + (f".{m.group(2)}" if m.group(2) else "")
        if low.startswith("patch"):
            fields["patch"] = True
        return True
    if RE_PATCH_WORD.match(low):
        fields["patch"] = True
        return True
    if low.startswith("rfc"):
        fields["rfc"] = True
        return True
    if low.startswith("resend"):
        fields["resend"] = True
        return True
    return False


def title_key(title: str) -> str:
    """A normalised subject for matching versions: case, spacing and end punctuation folded."""
    return " ".join(title.lower().split()).rstrip(".;: ")
