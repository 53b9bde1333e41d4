"""Questions asked in a thread, and whether the thread answers them.

A question is a sentence ending in "?" that a message writes in its own voice (quote depth
0, body text: not a quote, attribution, signature or list footer), of at least three words,
outside code, diffs and logs (indented lines, diff lines, console lines, lines ending like C).

A question counts as answered when, later in the thread, another person (not a bot)
- quotes it: a voice of their message whose text comes from the asking message (resolved by
  the quote tree; an unresolved first-level quote is taken to come from the message replied
  to) holds the question's text, blind to re-wrapping; or
- replies to the asking message directly (the thread tree's parent link).

What such a reply says is not judged: a reply to a message is taken to answer it. A question
nobody quoted, in a message nobody else replied to, stays open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

from ..message import Message
from .context import normalise
from .participants import is_bot, person_key
from .quotes import TEXT, QuoteTree

# Bump when the questions found or their answers change.
VERSION = 1

MIN_WORDS = 3
MAX_CHARS = 600
# A sentence ends at . ! or ? followed by space and a capital, a bracket or a quote, so
# "e.g. this" and "v5.10 kernels" do not cut one.
RE_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z(\"'\[])")
# Ends in "?" right after a word or a closing bracket or quote: "(kallsyms_selftest.c:?)" in
# a symbolised stack trace is not a question.
RE_QUESTION = re.compile(r"[\w)\]\"'\u2019]\?+[\"')\]\u201d]*$")
RE_WORD = re.compile(r"[A-Za-z]{2,}")
# Lines that are not prose: indented code, diff and patch lines, console lines (a timestamp
# "[  58.123456]", a task or CPU id "[T58]", "[ C1]", a log level "<4>["), C statements.
RE_NOT_PROSE = re.compile(
    r"^(?:\t| {2,}|[+\-@]|diff |index [0-9a-f]|Index: |\[ *(?:\d+\.\d+|[TC] *\d+)\]|<\d>\[)|[;{}]\s*$|^\s*[}{]")


@dataclass(frozen=True)
class Question:
    """One question, and the messages that answer it (empty: still open)."""

    message_id: str
    author: str | None
    author_email: str | None
    date: datetime | None
    text: str                           # the sentence as written, re-wrapping joined
    line: int                           # body line (1-based) where it starts
    answered_by: tuple[str, ...] = ()   # Message-IDs, first answer first
    how: str | None = None              # "quoted" or "reply": how the first answer answers it

    @property
    def open(self) -> bool:
        return not self.answered_by


def asked(tree: QuoteTree, not_prose: Iterable[tuple[int, int]] = ()) -> list[tuple[str, int]]:
    """(question, line) for each question a message asks in its own voice; `not_prose`: line
    spans (first, last) to leave out, such as the crash reports the traces analysis found."""
    skip = {n for first, last in not_prose for n in range(first, last + 1)}
    out = []
    for seg in tree.segments:
        if seg.depth != 0 or seg.kind != TEXT:
            continue
        for text, line in _paragraphs(seg.text, seg.first_line, skip):
            for sentence, offset in _sentences(text):
                if RE_QUESTION.search(sentence) and len(RE_WORD.findall(sentence)) >= MIN_WORDS \
                        and len(sentence) <= MAX_CHARS:
                    out.append((sentence, line + text.count("\n", 0, offset)))
    return out


def _paragraphs(text: str, first_line: int, skip: set[int]) -> Iterable[tuple[str, int]]:
    """(paragraph, first line) of prose: blank lines and non-prose lines end a paragraph."""
    lines: list[str] = []
    start = first_line
    for i, raw in enumerate(text.split("\n")):
        if not raw.strip() or RE_NOT_PROSE.search(raw) or first_line + i in skip:
            if lines:
                yield "\n".join(lines), start
            lines = []
            continue
        if not lines:
            start = first_line + i
        lines.append(raw.strip())
    if lines:
        yield "\n".join(lines), start


def _sentences(paragraph: str) -> Iterable[tuple[str, int]]:
    """(sentence with its line breaks made spaces, offset in the paragraph)."""
    pos = 0
    for m in RE_SENTENCE_END.finditer(paragraph):
        yield " ".join(paragraph[pos:m.start()].split()), pos
        pos = m.end()
    if pos < len(paragraph):
        yield " ".join(paragraph[pos:].split()), pos


def find_questions(messages: Iterable[Message], trees: Mapping[str, QuoteTree],
                   parents: Mapping[str, str | None],
                   not_prose: Mapping[str, Iterable[tuple[int, int]]] | None = None) -> tuple[Question, ...]:
    """Every question of the thread with its answers, in date order of the asking messages.

    `trees`: the quote tree of each message; `parents`: each message's parent Message-ID in
    the thread tree (None for the root or a message under a missing one); `not_prose`: body
    line spans of each message that are not prose (crash reports)."""
    msgs = sorted(messages, key=lambda m: (m.date is None, m.date.timestamp() if m.date else 0.0, m.message_id))
    by_id = {m.message_id: m for m in msgs}
    who = {m.message_id: person_key(m.author.email, m.author.name) for m in msgs}
    # Quoted text by the message it comes from: (quoting message, its normalised text).
    quoted: dict[str, list[tuple[str, str]]] = {}
    replies: dict[str, list[str]] = {}
    for msg in msgs:
        mid = msg.message_id
        if is_bot(msg.author):
            continue
        parent = parents.get(mid)
        if parent:
            replies.setdefault(parent, []).append(mid)
        tree = trees.get(mid)
        if tree is None:
            continue
        for voice in tree.voices[1:]:
            source = voice.source_message_id or (parent if voice.depth == 1 else None)
            if source and source != mid:
                text = normalise(tree.text_of(voice.index))
                if text:
                    quoted.setdefault(source, []).append((mid, text))

    out: list[Question] = []
    for msg in msgs:
        tree = trees.get(msg.message_id)
        if tree is None:
            continue
        asker = who[msg.message_id]
        for text, line in asked(tree, (not_prose or {}).get(msg.message_id, ())):
            needle = normalise(text)
            answers: list[tuple[str, str]] = []
            for quoting, body in quoted.get(msg.message_id, ()):
                if who[quoting] != asker and needle in body:
                    answers.append((quoting, "quoted"))
            for reply in replies.get(msg.message_id, ()):
                if who[reply] != asker:
                    answers.append((reply, "reply"))
            answers.sort(key=lambda a: _when(by_id[a[0]]))
            ids = tuple(dict.fromkeys(a[0] for a in answers))
            out.append(Question(msg.message_id, msg.author.display or None, msg.author.email or None, msg.date,
                                text, line, ids, answers[0][1] if answers else None))
    return tuple(out)


def _when(msg: Message) -> tuple:
    return (msg.date is None, msg.date.timestamp() if msg.date else 0.0, msg.message_id)
