"""Is an archive page's text a rendering of a stored message? Decided on content.

Archive pages (hypermail, MHonArc, pasted page text) carry no Message-ID. Before they lose
indentation, obfuscate addresses ("david@xxxxxxxxxxxxx") and drop a signature, they print the
message's own text, so two bodies are one message when most of their substantial lines agree.
A same-named sender writing on the same subject minutes later ("Wait, NAK: ...") does not.
"""

from __future__ import annotations

import re

# Parts a page rendering changes: whitespace, quote markers, obfuscated or linked addresses.
RE_NOISE = re.compile(r"[\s>]+")
RE_ADDRESS_LIKE = re.compile(r"\S*@\S*|x{3,}", re.I)
MIN_LINE_CHARS = 12
# Share of either body's substantial lines that must appear in the other: a reply that quotes
# a message holds most of its lines, but adds its own, so both directions are asked.
MIN_SHARED = 0.8


def _line_set(body: str) -> set[str]:
    out = set()
    for line in body.split("\n"):
        line = RE_ADDRESS_LIKE.sub("", line)
        line = RE_NOISE.sub("", line).lower()
        if len(line) >= MIN_LINE_CHARS:
            out.add(line)
    return out


def similarity(page_body: str, message_body: str) -> float:
    """How far `page_body` (from a page) and `message_body` are the same text: the share of
    substantial lines they have in common, over the larger of the two (0 to 1)."""
    page, real = _line_set(page_body), _line_set(message_body)
    if not page or not real:
        return float(RE_NOISE.sub("", page_body) == RE_NOISE.sub("", message_body))
    return len(page & real) / max(len(page), len(real))


def page_renders(page_body: str, message_body: str) -> bool:
    """True when `page_body` (from a page) and `message_body` are the same text."""
    return similarity(page_body, message_body) >= MIN_SHARED
