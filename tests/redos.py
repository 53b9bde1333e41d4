"""Attack strings for a regex, built from its own syntax tree (for the ReDoS tests).

A regex backtracks badly when a quantified part can match the same text in several ways and
what follows fails. The classic attack string is: a prefix that reaches the quantifier, a
"pump" the quantified part matches (repeated many times), then a character that makes the
rest fail. `attacks(pattern, size)` builds such strings for every quantifier of a pattern,
with pumps drawn from the characters and literals of the quantified part itself.
"""

from __future__ import annotations

import re
import re._constants as C  # type: ignore[import-not-found]
import re._parser as P  # type: ignore[import-not-found]
from typing import Iterator

# Characters that end a pump: a quote, a control, punctuation, a newline, a space, a letter
# outside hex, a non-ASCII letter.
KILLERS = ('"', "\x00", "!", "\n", " ", "Z", "é")

CATEGORY_SAMPLES = {
    C.CATEGORY_DIGIT: "0", C.CATEGORY_NOT_DIGIT: "a", C.CATEGORY_SPACE: " ", C.CATEGORY_NOT_SPACE: "a",
    C.CATEGORY_WORD: "a", C.CATEGORY_NOT_WORD: " ", C.CATEGORY_LINEBREAK: "\n", C.CATEGORY_NOT_LINEBREAK: "a",
}


def _set_samples(items) -> list[str]:
    """Characters a character set accepts (a few of each range and category)."""
    negate = any(op is C.NEGATE for op, _ in items)
    if negate:
        banned = set()
        for op, av in items:
            if op is C.LITERAL:
                banned.add(chr(av))
            elif op is C.RANGE:
                banned.update(chr(c) for c in range(av[0], min(av[1], av[0] + 200) + 1))
        return [c for c in "a0 Z_.-x/" if c not in banned][:3] or ["\x01"]
    out = []
    for op, av in items:
        if op is C.LITERAL:
            out.append(chr(av))
        elif op is C.RANGE:
            out.extend({chr(av[0]), chr(av[1]), chr((av[0] + av[1]) // 2)})
        elif op is C.CATEGORY:
            out.append(CATEGORY_SAMPLES.get(av, "a"))
    return out or ["a"]


def _first(items) -> str:
    """A short string the parsed items match (the first choice at every branch)."""
    return "".join(_sample(op, av, 0) for op, av in items)


def _sample(op, av, choice: int) -> str:
    if op is C.LITERAL:
        return chr(av)
    if op is C.NOT_LITERAL:
        return "a" if av != ord("a") else "b"
    if op is C.ANY:
        return "a"
    if op is C.IN:
        samples = _set_samples(av)
        return samples[choice % len(samples)]
    if op is C.BRANCH:
        alts = av[1]
        return _first(alts[choice % len(alts)])
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        low, _, body = av
        return _first(body) * max(low, 0)
    if op is C.SUBPATTERN:
        return _first(av[3])
    if op is C.ATOMIC_GROUP:
        return _first(av)
    return ""  # anchors, lookarounds, group references


def _pumps(body) -> set[str]:
    """What one round of a quantified part may match: its first sample, each branch, and
    every single character of its sets and literals (repeated, they overlap other parts)."""
    pumps = {_first(body)}
    for choice in range(1, 4):
        pumps.add("".join(_sample(op, av, choice) for op, av in body))
    for op, av in _walk(body):
        if op is C.IN:
            pumps.update(_set_samples(av))
        elif op is C.LITERAL:
            pumps.add(chr(av))
        elif op is C.BRANCH:
            pumps.update(_first(alt) for alt in av[1])
    return {p for p in pumps if p}


def _walk(items):
    for op, av in items:
        yield op, av
        if op is C.BRANCH:
            for alt in av[1]:
                yield from _walk(alt)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            yield from _walk(av[2])
        elif op is C.SUBPATTERN:
            yield from _walk(av[3])
        elif op in (C.ATOMIC_GROUP,):
            yield from _walk(av)
        elif op in (C.ASSERT, C.ASSERT_NOT):
            yield from _walk(av[1])


def _repeats(items, prefix: str) -> Iterator[tuple[str, object, list[str]]]:
    """(prefix that reaches it, body, what may follow it) for every unbounded or long
    quantifier. What follows: the starts of the rest of its sequence ("mm/", "mm/.c" after
    the first ".*" of ".*mm/.*\\.c"): repeated, they make a wildcard try every one."""
    for index, (op, av) in enumerate(items):
        before = prefix + _first(items[:index])
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            low, high, body = av
            if high is C.MAXREPEAT or high > 8:
                rest = items[index + 1:]
                follow = {_first(rest[:k]) for k in range(1, min(len(rest), 12) + 1)}
                yield before, body, sorted(f for f in follow if f)
            yield from _repeats(body, before)
        elif op is C.BRANCH:
            for alt in av[1]:
                yield from _repeats(alt, before)
        elif op is C.SUBPATTERN:
            yield from _repeats(av[3], before)
        elif op is C.ATOMIC_GROUP:
            yield from _repeats(av, before)


def attacks(pattern: re.Pattern[str], size: int) -> Iterator[str]:
    """Strings of about `size` characters meant to make `pattern` backtrack."""
    tree = P.parse(pattern.pattern, pattern.flags)
    seen = set()
    for prefix, body, follow in _repeats(list(tree), ""):
        for pump in sorted(_pumps(body)) + follow:
            count = max(1, (size - len(prefix)) // len(pump))
            for killer in KILLERS:
                text = prefix + pump * count + killer
                if text not in seen:
                    seen.add(text)
                    yield text
