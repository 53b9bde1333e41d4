"""The outcome lexicon: the rules and word lists of `outcome_lexicon.toml`, compiled.

`default_lexicon()` reads the file shipped in the package. `build_lexicon(base, *overrides)`
merges parsed TOML tables over it (what a user's lexicon file holds; reading that file is the
caller's job: see `composer.py`), so users extend the rules without editing the package.
`Lexicon.digest` names the merged content: the outcomes cache is keyed by it, so editing a
lexicon recomputes what it changes.

The merge, as the file's header explains: a rule whose `id` exists replaces it, a new `id`
is added, `disable = [...]` removes rules; lists in [words], [contexts], [messages],
[proposals] and [bots] are extended (or replaced with `replace = true` in that table); [trailers] keys
replace or add.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Mapping

from ..errors import ThreadminerError

VERDICTS = ("works", "does-not-work", "regresses", "reviewed", "acked", "nacked", "changes-requested",
            "applied", "superseded", "build-failure")
RULE_KEYS = {"id", "verdict", "family", "patterns", "negation", "hedge", "needs", "unless", "who", "question",
             "structured", "case"}
LIST_TABLES = ("words", "contexts", "messages", "proposals", "bots")


class LexiconError(ThreadminerError):
    """A lexicon file that cannot be used (a bad regex, an unknown verdict or key)."""


@dataclass(frozen=True)
class ProseRule:
    """One prose rule: the sentence patterns of a verdict and the conditions they need."""

    id: str
    verdict: str
    family: str
    patterns: tuple[re.Pattern, ...]
    unless: tuple[re.Pattern, ...] = ()
    needs: tuple[str, ...] = ()
    negation: str = "veto"  # "veto" (before or inside the match), "before" (before it only), "ignore"
    hedge: str = "veto"  # "veto" (before or inside the match), "before" (before it only), "ignore"
    who: str = "any"  # "any", "other", "author"
    question: bool = False
    structured: str = "never"  # "never", "always", "lead"


@dataclass(frozen=True)
class Lexicon:
    """The compiled lexicon. `raw` keeps the merged tables (for `digest` and for reading)."""

    rules: tuple[ProseRule, ...]
    words: Mapping[str, tuple[re.Pattern, ...]]
    contexts: Mapping[str, tuple[re.Pattern, ...]]
    messages: Mapping[str, tuple[re.Pattern, ...]]
    proposals: Mapping[str, tuple[re.Pattern, ...]]
    bots: Mapping[str, tuple[re.Pattern, ...]]
    trailers: Mapping[str, tuple[str, ...]]
    raw: Mapping[str, Any]

    @property
    def digest(self) -> str:
        text = json.dumps(self.raw, sort_keys=True, ensure_ascii=True)
        return hashlib.sha1(text.encode()).hexdigest()[:12]

    def word(self, name: str) -> tuple[re.Pattern, ...]:
        return self.words.get(name, ())

    def bot(self, name: str) -> tuple[re.Pattern, ...]:
        return self.bots.get(name, ())


def _compile(pattern: Any, where: str, flags: int = re.I) -> re.Pattern:
    if not isinstance(pattern, str):
        raise LexiconError(f"{where}: a pattern must be a string, not {pattern!r}")
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise LexiconError(f"{where}: bad pattern {pattern!r} ({exc})") from None


def _pattern_list(value: Any, where: str, flags: int = re.I) -> tuple[re.Pattern, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise LexiconError(f"{where}: expected a list of patterns")
    return tuple(_compile(p, where, flags) for p in value)


def _rule(table: Mapping[str, Any], contexts: Mapping[str, Any]) -> ProseRule:
    rid = table.get("id")
    if not isinstance(rid, str) or not rid:
        raise LexiconError(f"a [[rule]] without an id: {dict(table)}")
    unknown = set(table) - RULE_KEYS
    if unknown:
        raise LexiconError(f"rule {rid}: unknown keys {sorted(unknown)}")
    verdict = table.get("verdict")
    if verdict not in VERDICTS:
        raise LexiconError(f"rule {rid}: verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
    flags = 0 if table.get("case") else re.I
    needs = tuple(table.get("needs", ()))
    for name in needs:
        if name not in contexts:
            raise LexiconError(f"rule {rid}: needs an unknown context {name!r}")
    for key, allowed in (("negation", ("veto", "before", "ignore")), ("hedge", ("veto", "before", "ignore")),
                         ("who", ("any", "other", "author")), ("structured", ("never", "always", "lead"))):
        if key in table and table[key] not in allowed:
            raise LexiconError(f"rule {rid}: {key} must be one of {', '.join(allowed)}")
    return ProseRule(
        id=rid, verdict=verdict, family=str(table.get("family", verdict)),
        patterns=_pattern_list(table.get("patterns", []), f"rule {rid}", flags),
        unless=_pattern_list(table.get("unless", []), f"rule {rid} unless", flags),
        needs=needs, negation=table.get("negation", "veto"), hedge=table.get("hedge", "veto"),
        who=table.get("who", "any"), question=bool(table.get("question", False)),
        structured=table.get("structured", "never"))


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` (a parsed user lexicon) merged over `base` (see the module docstring)."""
    out: dict[str, Any] = json.loads(json.dumps(base))
    for name in LIST_TABLES:
        table = override.get(name)
        if table is None:
            continue
        if not isinstance(table, dict):
            raise LexiconError(f"[{name}] must be a table")
        target = out.setdefault(name, {})
        replace = bool(table.get("replace"))
        for key, value in table.items():
            if key == "replace":
                continue
            if not isinstance(value, list):
                raise LexiconError(f"[{name}] {key} must be a list")
            target[key] = list(value) if replace or key not in target else target[key] + list(value)
    trailers = override.get("trailers")
    if trailers is not None:
        if not isinstance(trailers, dict):
            raise LexiconError("[trailers] must be a table")
        for key, value in trailers.items():
            out.setdefault("trailers", {})[key.lower()] = value
    rules = list(out.get("rule", []))
    disabled = override.get("disable", [])
    if not isinstance(disabled, list):
        raise LexiconError("disable must be a list of rule ids")
    rules = [r for r in rules if r.get("id") not in set(disabled)]
    for rule in override.get("rule", []):
        if not isinstance(rule, dict):
            raise LexiconError("each [[rule]] must be a table")
        ids = [r.get("id") for r in rules]
        if rule.get("id") in ids:
            rules[ids.index(rule.get("id"))] = rule
        else:
            rules.append(rule)
    out["rule"] = rules
    unknown = set(override) - set(LIST_TABLES) - {"trailers", "rule", "disable", "version"}
    if unknown:
        raise LexiconError(f"unknown lexicon tables: {sorted(unknown)}")
    return out


def compile_lexicon(raw: Mapping[str, Any]) -> Lexicon:
    """A Lexicon from merged tables."""
    tables = {name: raw.get(name, {}) for name in LIST_TABLES}
    compiled = {name: {k: _pattern_list(v, f"[{name}] {k}", re.I | re.M) for k, v in table.items() if k != "replace"}
                for name, table in tables.items()}
    trailers = {}
    for key, value in raw.get("trailers", {}).items():
        verdicts = tuple(value) if isinstance(value, list) else (value,)
        for v in verdicts:
            if v not in VERDICTS:
                raise LexiconError(f"[trailers] {key}: {v!r} is not a verdict")
        trailers[key.lower()] = verdicts
    rules = tuple(_rule(r, tables["contexts"]) for r in raw.get("rule", []))
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise LexiconError(f"rule ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
    return Lexicon(rules, compiled["words"], compiled["contexts"], compiled["messages"], compiled["proposals"],
                   compiled["bots"], trailers, raw)


@lru_cache(maxsize=1)
def _default_raw() -> str:
    return resources.files("threadminer.analysis").joinpath("outcome_lexicon.toml").read_text("utf-8")


def parse_lexicon(text: str, where: str = "lexicon") -> dict[str, Any]:
    """The tables of a lexicon file's text."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"{where}: not valid TOML ({exc})") from None


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The lexicon shipped with threadminer."""
    return compile_lexicon(parse_lexicon(_default_raw(), "outcome_lexicon.toml"))


def build_lexicon(*overrides: Mapping[str, Any]) -> Lexicon:
    """The shipped lexicon with each override (parsed TOML tables) merged over it, in order."""
    if not overrides:
        return default_lexicon()
    raw: Mapping[str, Any] = default_lexicon().raw
    for override in overrides:
        raw = merge(raw, override)
    return compile_lexicon(raw)
