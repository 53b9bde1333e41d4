"""Body lines, numbered once: the line model every analysis reads.

A body is split into `Line`s once (`body_lines`); each keeps its 1-based number, the quote
markers it was written with and its content without them. The quote tree (`quotes.parse`)
then gives each line its depth (a re-wrapped quote tail counts as quoted) and its voice;
traces and diffs read the same lines, so the voice they report is the one `quotes` shows.

Numbering: ``body.split("\\n")``, where a final newline ends the last line rather than
starting a new one.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# Quote markers: ">" repeated, optionally one space or tab between them ("> >", ">>", "> >>").
RE_MARKERS = re.compile(r"^>(?:[ \t]?>)*")
# Deeper quoting than this is junk (real threads stay under 20); it is read as this deep.
MAX_DEPTH = 64


class Line(NamedTuple):
    """One body line: `markers` is how many ">" it starts with, `content` the rest (one space
    after the markers removed), `raw` the line as written. (A named tuple: bodies hold
    hundreds of thousands of lines, and a tuple is made several times faster than a frozen
    dataclass.)"""

    number: int
    markers: int
    content: str
    raw: str
    blank: bool  # nothing but whitespace after the markers (asked of every line, many times)


def split_body(body: str) -> list[str]:
    """The body's lines as numbered here (a final newline does not start a line)."""
    lines = body.split("\n")
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()
    return lines


def split_line(raw: str) -> tuple[int, str]:
    """(quote depth, content) of one line: "> > foo" and ">>foo" are (2, "foo")."""
    raw = raw.rstrip("\r")
    if not raw.startswith(">"):
        return 0, raw
    m = RE_MARKERS.match(raw)
    if not m:
        return 0, raw
    content = raw[m.end():]
    if content.startswith(" "):
        content = content[1:]
    return min(m.group(0).count(">"), MAX_DEPTH), content


def body_lines(body: str) -> list[Line]:
    """Every line of `body`, numbered from 1."""
    out = []
    if "\r" in body:
        for number, raw in enumerate(split_body(body), 1):
            depth, content = split_line(raw)
            out.append(Line(number, depth, content, raw, not content.strip()))
        return out
    # What `split_line` answers, without a call per line (bodies hold hundreds of thousands
    # of lines): an unquoted line is its own content, a quoted one loses its markers.
    markers = RE_MARKERS.match
    for number, raw in enumerate(split_body(body), 1):
        if raw[:1] != ">":
            out.append(Line(number, 0, raw, raw, not raw.strip()))
            continue
        m = markers(raw)  # (it matches: the line starts with ">")
        content = raw[m.end():]
        if content[:1] == " ":
            content = content[1:]
        out.append(Line(number, min(m.group().count(">"), MAX_DEPTH), content, raw, not content.strip()))
    return out
