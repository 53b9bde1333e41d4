"""The thread around a message: what every analysis of one thread reads, built once.

A `ThreadContext` holds the thread's messages decoded once, its tree (as the store keeps it)
and indexes that keep quote resolution near-linear in the thread's size: senders by address
and by folded name, each sender's messages by date (an attribution's date narrows them to a
window first), and, built only when a quote must be looked for everywhere, an index of the
messages' own text by short substrings.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections import Counter
from datetime import datetime, timedelta
from typing import Iterable

from ..message import Message
from ..people import Person, name_key
from ..threads import Thread
from .lines import split_body

# The text index: substrings of K characters taken every STEP characters of each message's
# own text; any quoted piece of at least K + STEP - 1 characters (19: quotes.MIN_MATCH_CHARS
# is 20) meets one of them.
TEXT_K, TEXT_STEP = 12, 8
# An attribution date is never further than this from the message it names (see
# `attribution.AttributionDate.matches`: 38 hours for a date without a time).
DATE_WINDOW = timedelta(hours=40)


def normalise(text: str) -> str:
    """Text with all whitespace removed, for matching quotes against their source: blind to
    re-wrapping, trailing spaces, tabs turned into spaces and lost indentation."""
    # (ASCII is its own NFC; str.split splits at exactly the characters \s matches.)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return "".join(text.split())


def own_text(body: str) -> str:
    """The unquoted lines of a body (what its author wrote, attribution lines included)."""
    # (A line is quoted when it starts with ">": RE_MARKERS matches exactly those.)
    return "\n".join(raw for raw in split_body(body) if not raw.startswith(">"))


def fold(text: str) -> str:
    """Accents removed ("Jürgen" and "Jurgen" meet)."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def name_words(name: str) -> list[str]:
    """A name as folded, lower-case words ("Wilcox, Matthew" is not reordered)."""
    return fold(name_key(name)).replace(".", " ").split() if name else []


def person_matches(name: str, email: str, person: Person) -> bool:
    """Could the attribution's name/address be `person`? Address equality, the same name
    (case and accents folded), the first name with the last name or its initials ("Greg KH"
    for Greg Kroah-Hartman), a first name alone, or a word that is the address's local part
    ("Willy" for willy@infradead.org)."""
    if email and person.email and email.lower() == person.email.lower():
        return True
    if not name:
        return False
    a = name_words(name)
    b = fold(name_key(person.name)).split() if person.name else []
    local = person.email.split("@")[0].lower() if person.email else ""
    if a and b and a == b:
        return True
    if len(a) == 1:
        word = a[0]
        if local and (word == local or word == local.split(".")[0] and len(word) > 2):
            return True
        return bool(b) and word == b[0] and len(word) > 2  # "Dave wrote:"
    if len(a) >= 2 and b and len(b) >= 2 and a[0] == b[0]:
        last_a, last_b = a[-1], b[-1]
        if last_a == last_b or last_a.replace("-", "") == "".join(p[0] for p in last_b.split("-")):
            return True
    if local and "".join(a) == local.replace(".", "").replace("_", ""):
        return True  # "zhaoyang.huang" written as a name
    return False


class ThreadContext:
    """The messages of one thread that quotes may come from, with indexes over them.

    Build it once per thread and pass it to every analysis of the thread's messages; the
    normalised own text of each message is computed on first use.
    """

    def __init__(self, messages: Iterable[Message], tree: Thread | None = None, ghost_ids: Iterable[str] = ()):
        self.messages: dict[str, Message] = {}
        for msg in messages:
            self.messages.setdefault(msg.message_id, msg)
        self.tree = tree
        if tree is not None and not ghost_ids:
            ghost_ids = [node.message_id for node in tree.ghosts]
        self.ghost_ids = frozenset(ghost_ids) - set(self.messages)
        self._own: dict[str, str] = {}
        self._text_index: dict[str, set[str]] | None = None
        # Attributions name the same few people again and again: each name/address is
        # matched against the senders once.
        self._matching: dict[tuple[str, str], list[str]] = {}
        # Senders: one Person per address (or per name when there is none), and their messages.
        self._people: dict[str, Person] = {}
        self._sent: dict[str, list[tuple[datetime, str]]] = {}
        self._undated: dict[str, list[str]] = {}
        for mid, msg in self.messages.items():
            who = self._person_key(msg.author)
            if not who:
                continue
            self._people.setdefault(who, msg.author)
            if msg.date is not None:
                self._sent.setdefault(who, []).append((msg.date, mid))
            else:
                self._undated.setdefault(who, []).append(mid)
        for sent in self._sent.values():
            sent.sort()
        # A stable order for ties (dates, then ids): results never depend on set or hash order.
        self._order = {mid: n for n, mid in enumerate(sorted(
            self.messages, key=lambda m: (self.messages[m].date is None, self.messages[m].date or 0, m)))}
        # Names folded once: every lookup word of every sender.
        self._by_word: dict[str, set[str]] = {}
        for who, person in self._people.items():
            for word in self._lookup_words(person):
                self._by_word.setdefault(word, set()).add(who)

    @property
    def senders(self) -> tuple[Person, ...]:
        return tuple(self._people.values())

    @staticmethod
    def _person_key(person: Person) -> str:
        return (person.email or "").lower() or name_key(person.name)

    @staticmethod
    def _lookup_words(person: Person) -> set[str]:
        words = set(fold(name_key(person.name)).split()) if person.name else set()
        if person.email:
            local = person.email.split("@")[0].lower()
            words.update({local, local.split(".")[0], local.replace(".", "").replace("_", "")})
            words.add(person.email.lower())
        return words

    def message(self, message_id: str | None) -> Message | None:
        return self.messages.get(message_id) if message_id else None

    def own(self, message_id: str) -> str:
        """The normalised own text of a message of the thread."""
        text = self._own.get(message_id)
        if text is None:
            msg = self.messages[message_id]
            parts = [own_text(msg.body)] + [a.text for a in msg.attachments]
            text = normalise("\n".join(parts))
            self._own[message_id] = text
        return text

    # --- who ------------------------------------------------------------------------------

    def _matching_people(self, name: str, email: str) -> list[str]:
        """Senders (keys) an attribution's name/address could be, checked by
        `person_matches` only among those sharing a word with it."""
        found = self._matching.get((name, email))
        if found is None:
            found = self._matching[(name, email)] = self._match_people(name, email)
        return found

    def _match_people(self, name: str, email: str) -> list[str]:
        candidates: set[str] = set()
        if email:
            candidates |= self._by_word.get(email.lower(), set())
        words = name_words(name)
        for word in words + ["".join(words)]:
            candidates |= self._by_word.get(word, set())
        return sorted(who for who in candidates if person_matches(name, email, self._people[who]))

    def sent_by(self, name: str, email: str, near: Iterable[datetime] = ()) -> list[str]:
        """Messages whose author the name/address could be; with `near`, only those dated
        within the attribution date window of one of those instants."""
        out: list[str] = []
        near = list(near)
        for who in self._matching_people(name, email):
            sent = self._sent.get(who, [])
            if not near:
                out.extend(mid for _, mid in sent)
                out.extend(self._undated.get(who, []))
                continue
            for when in near:
                lo = bisect.bisect_left(sent, (when - DATE_WINDOW, ""))
                hi = bisect.bisect_right(sent, (when + DATE_WINDOW, "\uffff"))
                out.extend(mid for _, mid in sent[lo:hi])
        return list(dict.fromkeys(out))

    def is_by(self, message_id: str, name: str, email: str) -> bool:
        msg = self.messages[message_id]
        return person_matches(name, email, msg.author)

    def sender(self, name: str, email: str) -> Person | None:
        """The thread's sender an attribution names, when exactly one fits."""
        if email:
            who = self._by_word.get(email.lower())
            for key in who or ():
                person = self._people[key]
                if person.email and person.email.lower() == email.lower():
                    return person
        if not name:
            return None
        matching = [self._people[w] for w in self._matching_people(name, "")]
        exact = [p for p in matching if p.name and fold(name_key(p.name)) == fold(name_key(name))]
        if len(exact) == 1:
            return exact[0]
        return matching[0] if len(matching) == 1 else None

    # --- where a quoted text comes from ----------------------------------------------------

    def text_candidates(self, pieces: Iterable[str], exclude: str | None = None) -> list[str]:
        """Messages whose own text may hold one of the (normalised) pieces, most likely first;
        found through the substring index, never by reading every message."""
        index = self._index()
        hits: Counter[str] = Counter()
        for piece in pieces:
            seen: set[str] = set()
            for i in range(0, len(piece) - TEXT_K + 1):
                for mid in index.get(piece[i:i + TEXT_K], ()):
                    if mid not in seen:
                        seen.add(mid)
                        hits[mid] += 1
        hits.pop(exclude, None)
        return sorted(hits, key=lambda mid: (-hits[mid], self._order[mid]))

    def _index(self) -> dict[str, set[str]]:
        if self._text_index is None:
            index: dict[str, set[str]] = {}
            for mid in self.messages:
                own = self.own(mid)
                for j in range(0, len(own) - TEXT_K + 1, TEXT_STEP):
                    index.setdefault(own[j:j + TEXT_K], set()).add(mid)
            self._text_index = index
        return self._text_index
