"""The people of a thread: one participant per address, named as they most often sign, with
the roles the thread shows them in.

Identity is the address: "Zhen Lei" and "Leizhen (ThunderTown)" writing from
thunder.leizhen@huawei.com are one participant. Two addresses are never merged on a shared
name alone (a name proves nothing: people share names, and mailers invent names from
addresses); participants writing under the same name from different addresses are kept apart
and point at each other in `same_name_as`, so a reader can decide.

The name shown is the one used most for the address, counting the From headers and git's
in-body "From:" line of patches sent from that address. A name that is only the address's
local part ("zhaoyang.huang" for zhaoyang.huang@unisoc.com: what a mailer writes when no
name is configured) is shown only when no other name is known.

Roles come from what the thread shows a participant doing:
- `author`: wrote a proposal (a patch, series, diff or code suggestion);
- `reviewer`: gave a review verdict (Reviewed-by, Acked-by, a NAK, a change request);
- `tester`: reported whether a proposal works (Tested-by, "this fixes it", a crash after it,
  a build failure);
- `maintainer`: reported a proposal applied;
- `reporter`: posted a crash report in their own words;
- `bot`: an automated sender (kernel test robot, syzbot, pr-tracker-bot, patchwork-bot, ...),
  which gets no other role: what it reports (a build failure, "applied by X") is its job;
- `commenter`: none of these.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Iterable

from ..message import Message
from ..people import Person, name_key, parse_person
from .outcomes import Outcome, Proposal

# Bump when participants, their names or roles change.
VERSION = 1

ROLES = ("author", "reviewer", "tester", "maintainer", "reporter", "bot", "commenter")
REVIEW_VERDICTS = frozenset({"reviewed", "acked", "nacked", "changes-requested"})
TEST_VERDICTS = frozenset({"works", "does-not-work", "regresses", "build-failure"})

# git format-patch's in-body header: the body of a patch mail sent for someone (or by a
# mailer that rewrites From) opens with the author's "From: Name <addr>" line.
RE_IN_BODY_FROM = re.compile(r"\A(?:[ \t]*\n)*From:[ \t]*(\S[^\n]*)\n")
# Words that mark an automated sender, in its name or in its address's local part split at
# . + _ - ("pr-tracker-bot", "patchwork-bot+netdevbpf", "bot+bpf-ci", "kernel test robot").
BOT_WORDS = frozenset({"bot", "robot", "noreply", "daemon", "mailer-daemon"})
# Automated senders whose names do not say so: syzbot writes from syzbot+HASH@ this domain.
BOT_DOMAINS = frozenset({"syzkaller.appspotmail.com"})
BOT_LOCAL_PARTS = frozenset({"syzbot", "no-reply", "mailer-daemon"})


@dataclass(frozen=True)
class Participant:
    """One person (or bot) of the thread."""

    name: str                      # the most used name (see the module's rules)
    email: str | None
    names: tuple[str, ...]         # every name seen for the address, most used first
    messages: int                  # messages sent in the thread
    first_message_id: str | None   # their first message (None: named only as a proposal's author)
    first_date: datetime | None
    last_date: datetime | None
    roles: tuple[str, ...]         # in the order of ROLES
    proposals: tuple[str, ...] = ()      # ids of the proposals they authored
    same_name_as: tuple[str, ...] = ()   # other participants' addresses with the same name (not merged)

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>" if self.email and self.name else self.name or self.email or ""


def is_bot(person: Person) -> bool:
    """An automated sender, by its name or address (never by a name merely containing "bot":
    James Bottomley is a person)."""
    email = (person.email or "").lower()
    local, _, domain = email.partition("@")
    if domain in BOT_DOMAINS or local in BOT_LOCAL_PARTS:
        return True
    words = set(re.split(r"[.+_\-\s]+", local)) | set(name_key(person.name).split())
    return bool(words & BOT_WORDS)


def person_key(email: str | None, name: str | None) -> str:
    """Who a sender is: the address, or the folded name when there is no address."""
    return (email or "").strip().lower() or ("name:" + name_key(name or ""))


def _weak(name: str, email: str | None) -> bool:
    """A name that is only the address's local part (or nothing): a mailer's fallback."""
    if not name.strip():
        return True
    local = (email or "").split("@")[0].lower()
    written = name.strip().strip("'\"").lower()
    # "zhaoyang.huang", "zhaoyang_huang": one word that is the local part; "Zhaoyang Huang"
    # (words a person typed) is a name even when it spells the same letters.
    return bool(local) and not re.search(r"\s", written) and \
        re.sub(r"[._+-]", "", written) == re.sub(r"[._+-]", "", local)


def in_body_author(body: str) -> Person | None:
    """The author a patch mail names in its in-body "From:" line, if it has one."""
    m = RE_IN_BODY_FROM.match(body[:2000])
    if not m:
        return None
    person = parse_person(m.group(1))
    return person if person.email or person.name else None


class _Draft:
    def __init__(self, email: str | None):
        self.email = email
        self.names: Counter[str] = Counter()
        self.order: dict[str, int] = {}
        self.message_ids: list[str] = []
        self.dates: list[datetime] = []
        self.roles: set[str] = set()
        self.proposals: list[str] = []
        self.bot = False

    def saw_name(self, name: str) -> None:
        if name:
            self.names[name] += 1
            self.order.setdefault(name, len(self.order))

    def best_names(self) -> list[str]:
        return sorted(self.names, key=lambda n: (_weak(n, self.email), -self.names[n], self.order[n]))


def participants(messages: Iterable[Message], proposals: Iterable[Proposal] = (),
                 crash_reporters: Iterable[str] = ()) -> tuple[Participant, ...]:
    """The participants of a thread, in order of their first message. `messages`: the
    thread's messages (any order); `proposals`: its proposals with their outcomes;
    `crash_reporters`: Message-IDs of messages holding a crash report in their own voice."""
    drafts: dict[str, _Draft] = {}
    by_name: dict[str, str] = {}  # folded name -> key, to tie outcome authors given only by name

    def draft_for(email: str | None, name: str | None) -> _Draft:
        key = person_key(email, name)
        if key not in drafts:
            drafts[key] = _Draft(email.strip().lower() if email else None)
        return drafts[key]

    ordered = sorted(messages, key=_date_order)
    sender_of: dict[str, _Draft] = {}
    for msg in ordered:
        draft = draft_for(msg.author.email, msg.author.name)
        draft.saw_name(msg.author.name)
        inner = in_body_author(msg.body)
        if inner is not None and inner.email and msg.author.email \
                and inner.email.lower() == msg.author.email.lower():
            draft.saw_name(inner.name)
        draft.message_ids.append(msg.message_id)
        if msg.date is not None:
            draft.dates.append(msg.date)
        draft.bot = draft.bot or is_bot(msg.author)
        sender_of[msg.message_id] = draft
    for key, draft in drafts.items():
        for name in draft.names:
            by_name.setdefault(name_key(name), key)

    def find(email: str | None, name: str | None) -> _Draft | None:
        if email and person_key(email, None) in drafts:
            return drafts[person_key(email, None)]
        key = by_name.get(name_key(name or "")) if name else None
        return drafts.get(key) if key else None

    for proposal in proposals:
        draft = find(proposal.author_email, proposal.author)
        if draft is None and proposal.in_thread and (proposal.author_email or proposal.author):
            # Named as the author (an in-body From, a patch sent on their behalf) without
            # writing in the thread: still a participant of the story. (The author of a
            # proposal of another thread that this one discusses is not.)
            draft = draft_for(proposal.author_email, proposal.author)
            draft.saw_name(proposal.author or "")
            by_name.setdefault(name_key(proposal.author or ""), person_key(proposal.author_email, proposal.author))
        if draft is not None:
            draft.roles.add("author")
            draft.proposals.append(proposal.id)
        for outcome in proposal.outcomes:
            who = find(outcome.by_email, outcome.by) or sender_of.get(outcome.message_id)
            # A bot's report (a build failure, "applied by X") gives the bot no human role.
            if who is not None and not who.bot:
                _give_role(who, outcome)
    for mid in crash_reporters:
        if mid in sender_of:
            sender_of[mid].roles.add("reporter")

    out: list[Participant] = []
    for draft in drafts.values():
        roles = set(draft.roles)
        if draft.bot:
            roles.add("bot")
        if not roles:
            roles.add("commenter")
        names = draft.best_names()
        out.append(Participant(
            name=names[0] if names else (draft.email or ""), email=draft.email, names=tuple(names),
            messages=len(draft.message_ids), first_message_id=draft.message_ids[0] if draft.message_ids else None,
            first_date=min(draft.dates) if draft.dates else None, last_date=max(draft.dates) if draft.dates else None,
            roles=tuple(r for r in ROLES if r in roles), proposals=tuple(draft.proposals)))
    return _with_namesakes(out)


def _date_order(msg: Message) -> tuple:
    return (msg.date is None, msg.date.timestamp() if msg.date else 0.0, msg.message_id)


def _give_role(draft: _Draft | None, outcome: Outcome) -> None:
    if draft is None:
        return
    if outcome.verdict in REVIEW_VERDICTS:
        draft.roles.add("reviewer")
    elif outcome.verdict in TEST_VERDICTS:
        draft.roles.add("tester")
    elif outcome.verdict == "applied":
        draft.roles.add("maintainer")
    elif outcome.verdict == "superseded":
        draft.roles.add("author")


def _with_namesakes(people: list[Participant]) -> tuple[Participant, ...]:
    """Each participant pointing at the others that share its shown name from another
    address (the order is kept: by first message, proposal-only authors last)."""
    by_name: dict[str, list[Participant]] = {}
    for person in people:
        if person.email and not _weak(person.name, person.email):
            by_name.setdefault(name_key(person.name), []).append(person)
    out = []
    for person in people:
        same = [p.email for p in by_name.get(name_key(person.name), ()) if p.email and p.email != person.email]
        out.append(replace(person, same_name_as=tuple(sorted(same))) if same and person.email else person)
    return tuple(out)


class Names:
    """Participants' shown names: a sentence names a person as the participant list does
    ("Zhaoyang Huang", not the "zhaoyang.huang" a mailer wrote), found by address, else by
    a name the participant used (when only one participant used it)."""

    def __init__(self, participants: tuple[Participant, ...]):
        self.by_email = {p.email: p.name for p in participants if p.email}
        by_name: dict[str, set[str]] = {}
        for p in participants:
            for name in p.names:
                by_name.setdefault(name_key(name), set()).add(p.name)
        self.by_name = {k: next(iter(v)) for k, v in by_name.items() if len(v) == 1}

    def __call__(self, name: str | None, email: str | None = None, default: str | None = "someone") -> str | None:
        if email and email.lower() in self.by_email:
            return self.by_email[email.lower()]
        if name:
            return self.by_name.get(name_key(name), name)
        return default
