"""Messages missing from the archive, as the quotes of them tell them.

A thread's tree has ghost nodes for referenced messages that are not stored
(`threads.build_threads`). Their text often survives in the replies: a reply's quoted voice
whose message the thread does not hold is a ghost voice, with the author and date its
attribution line gives. Per missing Message-ID, the longest quote of it stands for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from .quotes import QuoteTree

# Bump when the ghosts found change.
VERSION = 1


@dataclass(frozen=True)
class QuotedGhost:
    """A message known only from a quote of it: who and when the attribution says, the text."""

    message_id: str | None
    author: str | None
    date: datetime | None
    attribution: str | None
    text: str
    quoted_in: str  # Message-ID of the message whose body quotes it
    voice: int      # the voice's index in that message's quote tree


def ghost_voices(tree: QuoteTree, known: Iterable[str]) -> list[QuotedGhost]:
    """The voices of `tree` whose message is not among `known` (the thread's Message-IDs)."""
    known = set(known)
    out = []
    for voice in tree.voices[1:]:
        if voice.source_message_id and voice.source_message_id in known:
            continue
        text = tree.text_of(voice.index)
        if not text.strip():
            continue
        out.append(QuotedGhost(voice.source_message_id, voice.author, voice.date, voice.attribution, text,
                               tree.message_id, voice.index))
    return out


def quoted_ghosts(trees: Iterable[QuoteTree], known: Iterable[str]) -> tuple[QuotedGhost, ...]:
    """One ghost per missing Message-ID the quotes name: its longest quote."""
    known = set(known)
    best: dict[str, QuotedGhost] = {}
    for tree in trees:
        for ghost in ghost_voices(tree, known):
            if ghost.message_id is None:
                continue
            kept = best.get(ghost.message_id)
            if kept is None or len(ghost.text) > len(kept.text):
                best[ghost.message_id] = ghost
    return tuple(best[mid] for mid in sorted(best))
