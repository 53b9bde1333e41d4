"""What one message says about a proposal, before it is tied to one: its claims.

`message_claims(mr, reading)` reads one message and returns its claims, each a verdict with
its verbatim evidence, the line it is on, the rule that recognised it and whether it is a
structured signal:

- structured signals: trailers given in a reply (`Reviewed-by`, `Acked-by`, `Tested-by`,
  `Nacked-by`; never quoted, never below the signature); kernel test robot build reports
  (and runtime reports) with the `patch link:` they name; syzbot's answers to `#syz test`;
  `#regzbot introduced:`; pr-tracker-bot's "has been merged"; b4's thank-you mail
  ("Applied to <tree>, thanks!" with `[n/N] title` and `commit:` lines);
- prose: each sentence the author writes (quoted text never counts), read by the lexicon's
  rules (`verdicts.py`); a maintainer's "Thanks, applied." is structured when it is the
  point of the message (among its first or last sentences), prose when said in passing.

Voices quoted from messages that are not in the archive are read for prose too (the quote
is all there is of them): their claims carry the quoted voice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexicon import Lexicon
from .reading import MessageReading
from .sentences import Sentence
from .trailers import link_msgid, parse_trailers
from .verdicts import message_contexts, sentence_verdicts

# "applied the first three patches", "patches 1-3", "1/5 and 2/5", "the first patch".
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
RE_FIRST_N = re.compile(r"\bfirst (one|two|three|four|five|six|seven|eight|nine|ten|\d+) (?:patches|commits)\b", re.I)
RE_NTH = re.compile(r"\b(first|second|third|fourth|fifth) (?:patch|commit)\b", re.I)
RE_RANGE = re.compile(r"\bpatch(?:es)?\s+#?(\d+)(?:/\d+)?\s*(?:-|to|\.\.)\s*#?(\d+)\b", re.I)
RE_COUNTERS = re.compile(r"\b(\d+)/\d+\b")
RE_GREETING = re.compile(r"^(?:hi|hello|hey|dear)\b.{0,40}[,!]?$", re.I)
RE_TRAILER_SENTENCE = re.compile(r"^[A-Z][\w-]*-by:\s", re.I)
# Agreement and praise that open an inline answer: not a request.
RE_ASSENT = re.compile(r"^\W*(?:sounds? (?:good|great|fine|reasonable)|(?:that |this |it )?(?:looks|seems) (?:good|fine|ok|"
                       r"okay|reasonable|great|right|correct)|agreed|right|yes|yeah|yep|ok(?:ay)?|sure|thanks?|thank you|"
                       r"good (?:point|catch)|nice|indeed|exactly|makes sense|fair enough|lgtm)\b", re.I)
RE_SIGNOFF = re.compile(r"^(?:thanks|thank you|thx|cheers|regards|best regards|best|br|ciao)[,!. ]*(?:\w+\.?)?$", re.I)


@dataclass
class Claim:
    """One verdict a message states, not yet tied to a proposal."""

    verdict: str
    evidence: str
    rule: str
    structured: bool
    line: int | None  # the body line the evidence starts on (None: the message as a whole)
    voice: int = 0
    depth: int = 0
    who: str = "any"  # "any", "other", "author": who may say it about a proposal
    target: str | None = None  # a Message-ID the signal itself names (patch link, commit)
    counters: tuple[int, ...] | None = None  # applied: only these patches of a series
    titles: tuple[str, ...] = ()  # applied (b4): the titles of the patches it lists
    traces: tuple[str, ...] = ()
    trailer_email: str | None = None  # a trailer: the address it names
    prose: bool = False  # read from a sentence (the patch author's own claims are dropped)
    contexts: frozenset[str] = frozenset()  # the lexicon's contexts around the sentence
    last_line: int | None = None
    extra: dict = field(default_factory=dict)


def _matches(patterns, text: str) -> re.Match | None:
    for rx in patterns:
        m = rx.search(text)
        if m:
            return m
    return None


def _sender_is(patterns, email: str | None) -> bool:
    return bool(email) and _matches(patterns, email.lower()) is not None


def _first_line_matching(mr: MessageReading, rx: re.Pattern) -> tuple[int, str] | None:
    for line in mr.lines:
        if line.markers == 0 and rx.search(line.content):
            return line.number, line.content.strip()
    return None


# --- bots ---------------------------------------------------------------------------------

RE_ROBOT_ERROR = re.compile(r"^\s*>>\s*(\S.*\b(?:error|warning|sparse|warn|undefined reference)\b.*)$", re.I)


def robot_claims(mr: MessageReading, lexicon: Lexicon) -> list[Claim] | None:
    """A kernel test robot report (or one relayed in its words): None if it is not one."""
    msg = mr.message
    body = msg.body
    by_robot = _sender_is(lexicon.bot("robot_sender"), msg.author.email)
    build = _matches(lexicon.bot("robot_build"), body)
    runtime = _matches(lexicon.bot("robot_regression"), body)
    if not (build or (by_robot and runtime)):
        return None
    target = None
    for rx in lexicon.bot("patch_link"):
        m = rx.search(body)
        if m:
            target = link_msgid(m.group(1))
            if target:
                break
    if build:
        line = _first_line_matching(mr, RE_ROBOT_ERROR)
        evidence = line[1].lstrip("> ").strip() if line else build.group(0)
        number = line[0] if line else None
        return [Claim("build-failure", evidence, "bot.kernel-test-robot-build", True, number, target=target,
                      extra={"target_exact": True})]
    if _matches(lexicon.bot("robot_improvement"), body):
        return []
    return [Claim("regresses", runtime.group(0), "bot.kernel-test-robot-runtime", True, None, target=target)]


def syzbot_claims(mr: MessageReading, lexicon: Lexicon) -> list[Claim] | None:
    msg = mr.message
    if not _sender_is(lexicon.bot("syzbot_sender"), msg.author.email):
        return None
    body = msg.body
    if _matches(lexicon.bot("syzbot_not_outcome"), body) and not _matches(lexicon.bot("syzbot_works"), body):
        return []
    for name, verdict in (("syzbot_works", "works"), ("syzbot_fails", "does-not-work"), ("syzbot_build", "build-failure")):
        m = _matches(lexicon.bot(name), body)
        if m:
            evidence = m.group(0)
            if verdict == "build-failure":
                err = _first_line_matching(mr, re.compile(r"\b(?:error|undefined reference)\b", re.I))
                if err:
                    evidence = err[1]
            return [Claim(verdict, evidence, f"bot.syzbot-{verdict}", True, None)]
    return []


def pr_tracker_claims(mr: MessageReading, lexicon: Lexicon) -> list[Claim] | None:
    msg = mr.message
    if not _sender_is(lexicon.bot("pr_tracker_sender"), msg.author.email):
        return None
    m = _matches(lexicon.bot("pr_tracker_merged"), msg.body)
    return [Claim("applied", m.group(0), "bot.pr-tracker-merged", True, None)] if m else []


def b4_claims(mr: MessageReading, lexicon: Lexicon) -> list[Claim] | None:
    """b4's thank-you mail: "Applied to <tree>, thanks!" then "[1/3] title" + "commit: <sha>"."""
    own = [line for line in mr.lines if line.markers == 0]
    head = next((line for line in own if _matches(lexicon.bot("b4_applied"), line.content)), None)
    if head is None:
        return None
    listed: list[tuple[int, int, str]] = []
    for i, line in enumerate(own):
        m = _matches(lexicon.bot("b4_patch_line"), line.content)
        if not m:
            continue
        nxt = own[i + 1].content if i + 1 < len(own) else ""
        if _matches(lexicon.bot("b4_commit_line"), nxt) or re.search(r"/c/[0-9a-f]{8,}|commit:", line.content + nxt):
            listed.append((int(m.group(1)), line.number, line.content.strip()))
    if not listed:
        return None
    counters = tuple(c for c, _, _ in listed)
    titles = tuple(re.sub(r"^\[\d+/\d+\]\s*", "", text).split(" https://")[0].strip() for _, _, text in listed)
    evidence = listed[0][2] if len(listed) == 1 else head.content.strip()
    return [Claim("applied", evidence, "applied.b4-thanks", True, head.number, counters=counters, titles=titles)]


def regzbot_claims(mr: MessageReading, lexicon: Lexicon) -> list[Claim]:
    out = []
    for line in mr.lines:
        if line.markers:
            continue
        m = _matches(lexicon.bot("regzbot_introduced"), line.content)
        if m:
            out.append(Claim("regresses", line.content.strip(), "bot.regzbot-introduced", True, line.number,
                             extra={"commit": m.group(1)}))
    return out


# --- trailers -------------------------------------------------------------------------------

def trailer_claims(mr: MessageReading, lexicon: Lexicon) -> list[Claim]:
    """Trailers the message's author gives (not quoted, not below the signature)."""
    out = []
    lines = mr.lines
    for t in parse_trailers(mr.message.body, followup=True):
        verdicts = lexicon.trailers.get(t.lname)
        if not verdicts:
            continue
        raw = lines[t.line - 1].content.strip() if 0 < t.line <= len(lines) else t.as_text()
        for verdict in verdicts:
            out.append(Claim(verdict, raw, f"trailer.{t.lname}", True, t.line, trailer_email=t.email or None))
    return out


# A reviewer's tag written loosely: after a few words on its line ("FWIW, Reviewed-by: ...",
# "For the series: Acked-by: ..."), spelled with a space ("Acked by:"), or naming its giver
# without an address, or with one an archive obfuscated ("jdoe at example.com",
# "<jdoe@...>", gmane's "<jdoe-Xy3d@public.gmane.org>" is a plain address).
RE_LOOSE_TRAILER = re.compile(
    r"^\s*(?:(?:fwiw|for (?:the|this|whole|entire|all)[^:]{0,30}|for patch(?:es)? [\d/,\- and]+|also|and|so|then|anyway)"
    r"[:,]?\s+)?((?:reviewed|acked|tested|nacked|nak)(?:[- ]and[- ](?:reviewed|acked|tested))?[- ]by)\s*:\s*(\S.*?)\s*$", re.I)
RE_LOOSE_GIVER = re.compile(r"^[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3}(?:\s*[<(].*[>)])?(?:\s*#.*)?$|"
                            r"^\S.{0,60}(?:@|\bat\b|\(at\)|\[at\]).{0,60}$")


def loose_trailer_claims(mr: MessageReading, lexicon: Lexicon, taken: set[int]) -> list[Claim]:
    """Reviewer tags `parse_trailers` does not read (see RE_LOOSE_TRAILER), on the
    author's own lines above the signature, except lines already read (`taken`)."""
    out = []
    for line in mr.lines:
        if line.markers or line.number in taken:
            continue
        if line.content.rstrip() == "--":
            break
        m = RE_LOOSE_TRAILER.match(line.content)
        if not m or not RE_LOOSE_GIVER.match(m.group(2)):
            continue
        name = re.sub(r"[\s_]+", "-", m.group(1).lower())
        for verdict in lexicon.trailers.get(name, ()):
            out.append(Claim(verdict, line.content.strip(), f"trailer.{name}", True, line.number))
    return out


# A compiler's or linker's error line (gcc, clang, ld, modpost), as a person pastes it.
RE_COMPILER_ERROR = re.compile(r"^\s*(?:\S+\.(?:c|h|S|s|rs|cc|cpp|lds|o):\d+(?::\d+)?:\s*(?:fatal )?error:|"
                               r"\S*(?:ld|ld\.lld|ld\.bfd)(?:\.\w+)?: .*\b(?:undefined reference|error)\b|"
                               r"ERROR: modpost: |make(?:\[\d+\])?: \*\*\* .*Error \d+)")


def compiler_error_claims(mr: MessageReading) -> list[Claim]:
    """A build report: compiler or linker errors the message's author pastes (not quoted),
    when his words state no test result the output would be the evidence of ("it works:
    without it I got ...", "I still get the following error:"). Someone other than the
    proposal's author built it and it failed."""
    for line in mr.lines:
        if line.markers == 0 and RE_COMPILER_ERROR.match(line.content):
            return [Claim("build-failure", line.content.strip(), "build-failure.compiler-output", False, line.number,
                          who="other", prose=True)]
    return []


# --- prose ----------------------------------------------------------------------------------

def scope_of(text: str) -> tuple[int, ...] | None:
    """The patches of a series a sentence limits itself to ("the first three patches")."""
    m = RE_FIRST_N.search(text)
    if m:
        word = m.group(1).lower()
        n = NUMBERS.get(word) or (int(word) if word.isdigit() else 0)
        return tuple(range(1, n + 1)) if n else None
    m = RE_RANGE.search(text)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        return tuple(range(lo, hi + 1)) if 0 < lo <= hi < 500 else None
    m = RE_NTH.search(text)
    if m:
        return (NUMBERS[m.group(1).lower()],)
    found = tuple(int(x) for x in RE_COUNTERS.findall(text))
    return found or None


RE_OPENING = re.compile(r"^(?:\W*(?:ok(?:ay)?|thanks?|thank you|thx|great|nice|cool|good|yes|so|and|also|now)\b[\s,.!]*)*", re.I)


def _opens(text: str, start: int) -> bool:
    """Does the match open the sentence (after "Thanks!", "OK,", ...; within three words)?
    "Thanks! Queued onto modules-next." is the point of its message; "..., as I already
    merged this" is said in passing."""
    opening = RE_OPENING.match(text)
    end = opening.end() if opening else 0
    if start <= end:
        return True  # the match takes in the opening words itself ("Thanks, queued onto ...")
    return len(text[end:start].split()) <= 3


def _content(sentences: list[Sentence]) -> list[Sentence]:
    """Sentences that say something: greetings and sign-offs left out."""
    return [s for s in sentences if not RE_GREETING.match(s.text) and not RE_SIGNOFF.match(s.text)]


def prose_claims(mr: MessageReading, lexicon: Lexicon, voice: int = 0) -> list[Claim]:
    """The claims of a voice's sentences. A rule's `needs` are looked for in the sentence
    and its neighbours in the paragraph (a test report says what was run next to what it
    found); a crash report the voice writes after the sentence is a test."""
    sentences = mr.sentences(voice)
    if not sentences:
        return []
    content = _content(sentences)
    lead = {s.index for s in content[:3]} | {s.index for s in content[-2:]}
    voice_text = "\n".join(s.text for s in sentences)
    self_fix = any(rx.search(voice_text) for rx in lexicon.messages.get("self_fix", ()))
    trace_lines = [occ.report.first_line for occ in mr.traces if occ.voice == voice]
    out: list[Claim] = []
    for i, s in enumerate(sentences):
        window = [t.text for t in sentences[max(0, i - 1): i + 2] if t.paragraph == s.paragraph]
        # A crash report the voice writes after the sentence: it ran the change itself.
        extra = ["testing", "own_test"] if any(line > s.last_line for line in trace_lines) else []
        contexts = message_contexts(window, lexicon, extra)
        for fired in sentence_verdicts(s.text, lexicon, contexts):
            rule = fired.rule
            if rule.verdict == "changes-requested" and self_fix:
                continue
            structured = rule.structured == "always" or (
                rule.structured == "lead" and s.index in lead and _opens(s.text, fired.start))
            out.append(Claim(rule.verdict, s.text, rule.id, structured, s.first_line, voice, s.depth, rule.who,
                             counters=scope_of(s.text) if rule.verdict == "applied" else None, prose=True,
                             last_line=s.last_line, contexts=contexts))
    if not self_fix and not any(c.verdict == "changes-requested" for c in out):
        request = conditional_request(mr, lexicon, content)
        if request is not None:
            out.append(request)
    _attach_traces(mr, out, voice)
    return out


def conditional_request(mr: MessageReading, lexicon: Lexicon, content: list[Sentence]) -> Claim | None:
    """A review that approves on a condition ("Otherwise looks good", "With that fixed:")
    asked for a change: its first comment written after a quote (an inline comment) before
    the condition, else the condition itself, is the request (`content`: one voice's
    sentences without greetings and sign-offs). Not when the sentence before the condition
    gives up the point under discussion ("Fair enough.": [messages] conceded)."""
    markers = lexicon.messages.get("conditional_approval", ())
    marker = next((s for s in content if any(rx.search(s.text) for rx in markers)), None)
    if marker is None:
        return None
    before = [s for s in content if s.index < marker.index]
    conceded = lexicon.messages.get("conceded", ())
    if before and any(rx.search(before[-1].text) for rx in conceded):
        return None  # "Fair enough. [...] Otherwise looks good": the point was given up
    segments = mr.tree.segments
    quoted_lines = [seg.last_line for seg in segments if seg.depth > marker.depth]
    chosen = marker
    for s in content:
        if s.index >= marker.index:
            break
        if RE_TRAILER_SENTENCE.match(s.text) or RE_ASSENT.match(s.text) or len(s.text.split()) < 4:
            continue  # "Sounds great.", "Agreed.": not the request
        if any(last < s.first_line for last in quoted_lines):
            chosen = s
            break
    return Claim("changes-requested", chosen.text, "changes-requested.conditional-approval", False,
                 chosen.first_line, chosen.voice, chosen.depth, "other", prose=True, last_line=chosen.last_line)


def _attach_traces(mr: MessageReading, claims: list[Claim], voice: int) -> None:
    """The crash reports a voice writes after a claim (and before its next claim) belong to
    it: "This causes a different problem to occur. First, a task hangs ...: <trace>"."""
    ordered = sorted((c for c in claims if c.line is not None), key=lambda c: c.line)
    for i, claim in enumerate(ordered):
        if claim.verdict not in ("does-not-work", "regresses", "works", "build-failure"):
            continue
        end = next((c.line for c in ordered[i + 1:] if c.line > claim.line and c.verdict != claim.verdict), None)
        titles = [occ.report.title for occ in mr.traces if occ.voice == voice
                  and occ.report.first_line > claim.line and (end is None or occ.report.first_line < end)]
        claim.traces = tuple(dict.fromkeys(titles))


def message_claims(mr: MessageReading, lexicon: Lexicon, posting: bool) -> list[Claim]:
    """Every claim the message's author makes (see the module docstring). `posting`: the
    message posts a patch or cover letter (its own words are the proposal, not outcomes)."""
    for reader in (syzbot_claims, pr_tracker_claims, robot_claims):
        found = reader(mr, lexicon)
        if found is not None:
            return found
    if posting:
        return []
    out: list[Claim] = []
    b4 = b4_claims(mr, lexicon)
    if b4:
        out.extend(b4)
    trailers = trailer_claims(mr, lexicon)
    out.extend(trailers)
    out.extend(loose_trailer_claims(mr, lexicon, {c.line for c in trailers if c.line is not None}))
    out.extend(regzbot_claims(mr, lexicon))
    if not b4:
        out.extend(prose_claims(mr, lexicon, 0))  # a b4 thank-you's prose is boilerplate
        if not any(c.verdict in ("works", "does-not-work", "regresses", "build-failure") for c in out):
            out.extend(compiler_error_claims(mr))  # (else the output is the evidence of that test)
    if any(c.verdict == "build-failure" for c in out):
        # A breakage the message shows to be a build failure is one, not a regression, even
        # when found after the merge ("This breaks direct compilation ... I've bisected it to:").
        out = [c for c in out if not (c.verdict == "regresses" and c.prose)]
    return out


def ghost_voice_claims(mr: MessageReading, lexicon: Lexicon, known: set[str]) -> list[Claim]:
    """Prose claims of voices quoted from messages the archive does not hold (`known`: the
    Message-IDs it holds)."""
    out: list[Claim] = []
    for v in mr.tree.voices[1:]:
        if v.author is None or (v.source_message_id and v.source_message_id in known):
            continue
        out.extend(prose_claims(mr, lexicon, v.index))
    return out
