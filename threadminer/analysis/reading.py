"""One thread as the outcomes analysis reads it: each message's lines, quote tree, crash
reports and code, computed once and shared by the proposal, signal and verdict readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import Iterable, Mapping, Sequence

from ..message import Message
from .code_blocks import CodeBlock, find_code_blocks
from .diffs import find_diffs
from .lexicon import Lexicon
from .lines import Line, body_lines
from .quotes import QuoteTree
from .sentences import Sentence, voice_sentences
from .traces import Occurrence

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass
class MessageReading:
    """One message with what the other analyses found in it."""

    message: Message
    tree: QuoteTree
    traces: Sequence[Occurrence] = ()

    @cached_property
    def lines(self) -> list[Line]:
        return body_lines(self.message.body)

    @cached_property
    def trace_lines(self) -> frozenset[int]:
        return frozenset(n for occ in self.traces for n in range(occ.report.first_line, occ.report.last_line + 1))

    @cached_property
    def diffs(self) -> tuple:
        return find_diffs(self.message, self.tree)

    @cached_property
    def code_blocks(self) -> list[CodeBlock]:
        return find_code_blocks(self.lines, self.tree, self.trace_lines, self.diffs)

    @cached_property
    def code_lines(self) -> frozenset[int]:
        return frozenset(n for b in self.code_blocks for n in range(b.first_line, b.last_line + 1))

    def sentences(self, voice: int = 0) -> list[Sentence]:
        cache = self.__dict__.setdefault("_sentences", {})
        if voice not in cache:
            cache[voice] = voice_sentences(self.lines, self.tree, voice, self.trace_lines | self.code_lines)
        return cache[voice]

    def own_text(self, voice: int = 0) -> str:
        return "\n".join(s.text for s in self.sentences(voice))


@dataclass
class ThreadReading:
    """The thread's messages (by Message-ID, in date order) and their parents."""

    messages: dict[str, Message]
    parent_of: dict[str, str | None]
    by_id: dict[str, MessageReading]
    lexicon: Lexicon
    order: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, messages: Iterable[Message], parent_of: Mapping[str, str | None],
              trees: Mapping[str, QuoteTree], traces: Mapping[str, Sequence[Occurrence]],
              lexicon: Lexicon) -> "ThreadReading":
        msgs: dict[str, Message] = {}
        for msg in messages:
            msgs.setdefault(msg.message_id, msg)
        by_id = {mid: MessageReading(msg, trees[mid], traces.get(mid, ())) for mid, msg in msgs.items()
                 if mid in trees}
        order = sorted(by_id, key=lambda m: (msgs[m].date or EPOCH, m))
        return cls(msgs, dict(parent_of), by_id, lexicon, order)

    def ancestors(self, mid: str) -> list[str]:
        """Parents up to the root (ghost ids included), without looping."""
        out: list[str] = []
        seen = {mid}
        cur = self.parent_of.get(mid)
        while cur is not None and cur not in seen:
            seen.add(cur)
            out.append(cur)
            cur = self.parent_of.get(cur)
        return out
