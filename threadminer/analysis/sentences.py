"""The sentences one voice writes in a body, with the lines they come from.

`voice_sentences(lines, tree, voice, skip)` reads the text segments of one voice of a quote
tree (the message's author is voice 0; a quoted voice is the message it quotes) and splits
them into sentences: paragraphs are cut at blank lines and at lines in `skip` (code, crash
reports), trailer lines (`Reviewed-by: ...`) stand apart, and a paragraph is split after
".", "!" or "?" followed by a capital, and after a line that ends in ":". Hard-wrapped lines
are joined with one space, so a sentence's `text` is its words as written, whitespace
normalised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from .lines import Line
from .quotes import TEXT, QuoteTree

# "Reviewed-by: Name <addr>", "Fixes: 1234abcd (...)", "Link: https://..."
RE_TRAILER_LINE = re.compile(r"^\s*[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*:\s+\S")
RE_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9<@#])")
# A list item starts a new sentence: "- foo", "* foo", "1) foo", "2. foo".
RE_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+\S")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a voice: its words, its 1-based line range, and its place."""

    text: str
    first_line: int
    last_line: int
    voice: int
    depth: int
    index: int  # its order among the voice's sentences in this body
    paragraph: int  # its paragraph's order among the voice's paragraphs


def _paragraphs(lines: list[Line], tree: QuoteTree, voice: int, skip: set[int]) -> list[list[Line]]:
    out: list[list[Line]] = []
    for seg in tree.segments:
        if seg.voice != voice or seg.kind != TEXT:
            continue
        current: list[Line] = []
        for line in lines[seg.first_line - 1: seg.last_line]:
            if line.number in skip or line.blank or RE_TRAILER_LINE.match(line.content):
                if current:
                    out.append(current)
                current = []
                if line.number not in skip and not line.blank:
                    out.append([line])  # a trailer line is a paragraph of its own
                continue
            if current and RE_LIST_ITEM.match(line.content):
                out.append(current)
                current = []
            current.append(line)
            if line.content.rstrip().endswith(":"):
                out.append(current)
                current = []
        if current:
            out.append(current)
    return out


def _split(paragraph: list[Line]) -> list[tuple[str, int, int]]:
    """(sentence text, first line, last line) of one paragraph."""
    text_parts: list[str] = []
    starts: list[tuple[int, int]] = []  # (offset in joined text, line number)
    offset = 0
    for line in paragraph:
        piece = " ".join(line.content.split())
        if not piece:
            continue
        starts.append((offset, line.number))
        text_parts.append(piece)
        offset += len(piece) + 1
    joined = " ".join(text_parts)

    def line_at(pos: int) -> int:
        number = starts[0][1]
        for start, n in starts:
            if start <= pos:
                number = n
            else:
                break
        return number

    out = []
    pos = 0
    for m in RE_SENTENCE_END.finditer(joined):
        chunk = joined[pos:m.start()].strip()
        if chunk:
            out.append((chunk, line_at(pos), line_at(max(pos, m.start() - 1))))
        pos = m.end()
    chunk = joined[pos:].strip()
    if chunk:
        out.append((chunk, line_at(pos), line_at(len(joined) - 1)))
    return out


def voice_sentences(lines: list[Line], tree: QuoteTree, voice: int = 0, skip: Iterable[int] = ()) -> list[Sentence]:
    """The sentences `voice` writes in a body, in order (see the module docstring)."""
    skipped = set(skip)
    depth = tree.voices[voice].depth if voice < len(tree.voices) else 0
    out: list[Sentence] = []
    for p, paragraph in enumerate(_paragraphs(lines, tree, voice, skipped)):
        for text, first, last in _split(paragraph):
            out.append(Sentence(text, first, last, voice, depth, len(out), p))
    return out
