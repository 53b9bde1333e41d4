"""Prose verdicts: which lexicon rules a sentence satisfies.

`sentence_verdicts(text, lexicon, contexts)` tries every prose rule of the lexicon on one
sentence and returns the rules that fire, each with the words that matched. The reading is
the lexicon's (see the header of `outcome_lexicon.toml`):

- a question is no verdict, unless the rule takes questions ("Could you please split it?");
- a negation or a hedge before the match, in the same clause, cancels rules that say so:
  "this doesn't fix it" is no `works`, "I think this fixes it" and "if this fixes it" are
  predictions; clauses end at commas, semicolons and words like "but", so in "As I
  suspected, this change did not prevent the livelock" the hedge stays in its clause;
- `unless` patterns cancel a rule anywhere in the sentence;
- words inside a cited commit's title (`abcdef123456 ("foo: Fix build error")`) match nothing;
- `needs` names contexts the message must show (something was tested), given as the set of
  context names that hold for the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from .lexicon import Lexicon, ProseRule

RE_QUESTION = re.compile(r"\?[\"')\]]*\s*$")
# A commit cited the kernel's way, 12 hex digits or so and its title in parentheses and
# quotes (submitting-patches.rst: 'commit e21d2170f36602ae2708 ("video: remove unnecessary
# platform_set_drvdata()")'). The title names a commit; its words ("Fix build error",
# "Revert ...") say nothing about the proposal.
RE_COMMIT_CITATION = re.compile(r"\b[0-9a-f]{7,40}\s*\(\s*[\"\u201c][^\"\u201d]{3,200}[\"\u201d]\s*\)")


@dataclass(frozen=True)
class Fired:
    """A rule that fired on a sentence, and the words it matched."""

    rule: ProseRule
    match: str
    start: int


def is_question(text: str) -> bool:
    return bool(RE_QUESTION.search(text))


def clause_before(text: str, start: int, lexicon: Lexicon) -> str:
    """The part of the clause holding position `start` that comes before it."""
    prefix = text[:start]
    cut = 0
    for rx in lexicon.word("clause_breaks"):
        for m in rx.finditer(prefix):
            cut = max(cut, m.end())
    return prefix[cut:]


def _any(patterns: Iterable[re.Pattern], text: str) -> bool:
    return any(rx.search(text) for rx in patterns)


def rule_fires(rule: ProseRule, text: str, lexicon: Lexicon, contexts: frozenset[str]) -> Fired | None:
    """Whether one rule fires on a sentence (the first match that survives its checks)."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    if is_question(text) and not rule.question:
        return None
    if any(name not in contexts for name in rule.needs):
        return None
    unless_checked = False
    cited = [c.span() for c in RE_COMMIT_CITATION.finditer(text)] if "(" in text else []
    for rx in rule.patterns:
        for m in rx.finditer(text):
            if any(a <= m.start() < b for a, b in cited):
                continue  # inside a cited commit's title
            if not unless_checked:
                # (Looked at only once a pattern matched: most rules match no sentence.)
                if _any(rule.unless, text):
                    return None
                unless_checked = True
            # The clause before the match, and the match itself ("this does not fix it",
            # "this should work" carry their negation or hedge inside).
            clause = clause_before(text, m.start(), lexicon)
            before = clause + " " + m.group(0)
            if rule.negation == "veto" and _any(lexicon.word("negation"), before):
                continue
            if rule.negation == "before" and _any(lexicon.word("negation"), clause):
                continue
            if rule.hedge == "veto" and _any(lexicon.word("hedge"), before):
                continue
            if rule.hedge == "before" and _any(lexicon.word("hedge"), clause):
                continue
            return Fired(rule, m.group(0), m.start())
    return None


def sentence_verdicts(text: str, lexicon: Lexicon, contexts: frozenset[str]) -> list[Fired]:
    """Every rule that fires on one sentence, one per verdict (the first rule in lexicon
    order wins for its verdict)."""
    out: list[Fired] = []
    seen: set[str] = set()
    for rule in lexicon.rules:
        if rule.verdict in seen:
            continue
        fired = rule_fires(rule, text, lexicon, contexts)
        if fired is not None:
            out.append(fired)
            seen.add(rule.verdict)
    return out


def message_contexts(texts: Iterable[str], lexicon: Lexicon, extra: Iterable[str] = ()) -> frozenset[str]:
    """The lexicon's contexts that hold for a message, from the words its voice writes;
    `extra` adds contexts known otherwise (a crash report in the voice is a test)."""
    joined = "\n".join(texts)
    found = {name for name, patterns in lexicon.contexts.items() if _any(patterns, joined)}
    return frozenset(found | set(extra))
