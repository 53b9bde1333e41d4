"""Regexes and crash-report finding on hostile input: every shape finishes (issue 12).

Two kinds of test. Shapes of mail built to make `find_reports` backtrack or go quadratic
(the issue's 270-byte message, kilobyte-long lines, lines stuffed with header keywords, long
chains of reports, endless reports), each run under a generous wall-clock bound: a super-linear
path on these sizes would run for minutes or hours. And every regex of the trace, title,
attribution and quote modules against attack strings built from its own syntax tree
(`tests/redos.py`), each search under its own bound.

The bounds are alarms (SIGALRM), not speed assertions: they only catch a run that does not end.
"""

from __future__ import annotations

import dataclasses
import re
import signal
from contextlib import contextmanager

import pytest

from threadminer.analysis import attribution, lines, quotes, trace_patterns, trace_titles, traces
from threadminer.analysis.traces import find_reports

from .redos import attacks

# A linear run of any shape below takes well under a second or two on a slow machine.
SHAPE_BOUND_SECONDS = 60
PATTERN_BOUND_SECONDS = 3


class Unbounded(Exception):
    pass


@contextmanager
def bounded(seconds: float, what: str):
    def expire(signum, frame):
        raise Unbounded(f"{what} did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- Hostile shapes of mail -------------------------------------------------------------------

HEX_LETTERS = "deadbeefcafe0123456789abcdef"


def issue_case(width: int) -> str:
    """Issue 12's message: a NULL-pointer BUG line, then a line of `width` hex-ish letters
    ending in a quote (96 letters took 3 s, 112 took 62 s before the audit)."""
    letters = (HEX_LETTERS * (width // len(HEX_LETTERS) + 1))[:width]
    return ("Hi,\n\nBUG: kernel NULL pointer dereference, address: 0000000000000008\n"
            f"{letters}\"\n\nThanks\n")


def shape_long_line() -> str:
    # A whole log with its newlines lost: 2 MB on one line, a header at its end.
    return " " * 2_000_000 + "BUG: KASAN: slab-out-of-bounds in foo+0x1/0x2\nCall Trace:\n foo+0x1/0x2\n"


def shape_long_word_line() -> str:
    return "a" * 2_000_000 + '"\n' + "[    1.000000] " + "0" * 1_000_000 + "\n"


def shape_keyword_stuffed_lines() -> str:
    # Every title rule is tried at every keyword of the text.
    return ("WARNING: " * 400 + "\n") * 500


def shape_title_rule_with_three_wildcards() -> str:
    # "WARNING: .*mm/.*\.c.* k?.?malloc" was cubic in the line's length.
    return ("[    1.000000] WARNING: " + "mm/.c" * 800 + "\n") * 50


def shape_source_rule() -> str:
    # "(?:.*\n)+?.*?{{SRC}}" rescanned every run of path characters.
    return "WARNING: suspicious RCU usage\n" + ("/" * 4000 + "\n") * 300


def shape_task_chain() -> str:
    # One task's reports each cut short by the next: the title text follows the chain.
    return "".join(f"[{i:6d}.000000][ T1] BUG: KASAN: slab-out-of-bounds in f+0x1/0x2\n" for i in range(5_000))


def shape_endless_report() -> str:
    frames = "".join(f" func_{i}+0x1/0x2\n" for i in range(50_000))
    return "BUG: KASAN: use-after-free in foo+0x1/0x2\nRead of size 8\nCall Trace:\n" + frames


def shape_alternating_contexts() -> str:
    # The same header again and again from two tasks: each replaces the last (merges).
    return "".join(f"[    1.000000][ T{i % 2 + 1}] INFO: task hung\n" for i in range(50_000))


def shape_wrapped_tail_chain() -> str:
    # Deeply quoted short lines after a header, each a candidate for joining to the one above.
    prefix = "> " * 20
    return prefix + "WARNING: CPU: 0 PID: 1 at\n" + (prefix + "foo bar baz qux quux corge\n") * 50_000


def shape_line_loops_without_end() -> str:
    # "(?:.*\n)+?X(?:.*\n)+?Y" where X is everywhere and Y nowhere.
    return ("BUG: lock held when returning to user space!\n"
            + "leaving the kernel with locks still held!\n" * 50_000)


def shape_unaccepted_headers_in_one_report() -> str:
    # Header keywords behind junk (not headers), each a start for the report regexes.
    return ("BUG: KASAN: slab-out-of-bounds in foo+0x1/0x2\n"
            + "zz BUG: KASAN: a on address in f+ zz BUG: KASAN: b in g+\n" * 20_000)


def shape_register_rows() -> str:
    return "general protection fault: 0000 [#1]\n" + ("ffff88003e4b3d68 " * 8 + "ffff8800\"\n") * 20_000


def shape_nul_runs() -> str:
    return ("\0" * 100_000 + "[    1.000000] BUG: KASAN: slab-out-of-bounds in f+0x1/0x2\n") * 20


SHAPES = [shape_long_line, shape_long_word_line, shape_keyword_stuffed_lines, shape_title_rule_with_three_wildcards,
          shape_source_rule, shape_task_chain, shape_endless_report, shape_alternating_contexts,
          shape_wrapped_tail_chain, shape_line_loops_without_end, shape_unaccepted_headers_in_one_report,
          shape_register_rows, shape_nul_runs]


@pytest.mark.parametrize("width", [96, 112, 120, 128, 512, 4096, 65536])
@pytest.mark.parametrize("quote", ["", "> ", "> > > "])
def test_issue_case_finishes(width, quote):
    body = "".join(quote + line + "\n" for line in issue_case(width).split("\n"))
    with bounded(SHAPE_BOUND_SECONDS, f"the issue's message with {width} letters"):
        reports = find_reports(body)
    # No writing around it: read as a bare console log, where (as for syzkaller) the header
    # line is a report, with no frame to name it.
    assert [(r.title, r.corrupted) for r in reports] == [
        ("BUG: unable to handle kernel NULL pointer dereference in corrupted", True)]


@pytest.mark.parametrize("shape", SHAPES, ids=[s.__name__[6:] for s in SHAPES])
def test_hostile_shape_finishes(shape):
    body = shape()
    assert len(body) <= 5_000_000
    with bounded(SHAPE_BOUND_SECONDS, shape.__name__):
        reports = find_reports(body)
    assert isinstance(reports, list)


def test_long_line_keeps_its_header_whole():
    # A header past the line-length bound is kept with its text (no "INFO: t" titles).
    body = ("[  123.000000] " + " " * 6000 + "INFO: task syz-executor.0:1234 blocked for more than 143 seconds.\n"
            "[  123.000001] Call Trace:\n[  123.000002]  schedule+0x1/0x2\n[  123.000003]  foo_flush+0x1/0x2\n"
            "[  123.000004]  __x64_sys_ioctl+0x1/0x2\n")
    (report,) = find_reports(body)
    assert report.title == "INFO: task hung in foo_flush"


# --- Every pattern against its own attack strings -------------------------------------------

def _collect(obj, name: str, out: dict, seen: set) -> None:
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, trace_titles.LazyPattern):
        obj = re.compile(obj.pattern, obj.flags)  # the rule tables compile on first use
    if isinstance(obj, re.Pattern):
        out.setdefault(obj.pattern, (name, obj))
    elif isinstance(obj, (tuple, list)):
        for index, item in enumerate(obj):
            _collect(item, f"{name}[{index}]", out, seen)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            _collect(getattr(obj, f.name), f"{name}.{f.name}", out, seen)


def all_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Every compiled regex the modules hold (rule tables included) and the skip regexes
    the title rules build."""
    found: dict = {}
    for module in (trace_patterns, trace_titles, traces, attribution, quotes, lines):
        for key, value in vars(module).items():
            if not key.startswith("__"):
                _collect(value, f"{module.__name__.rsplit('.', 1)[-1]}.{key}", found, set())
    for header in trace_titles.HEADERS + (trace_titles.SPIN_HEADER,):
        for rule in header.rules:
            if rule.stack is not None:
                skip = trace_titles._skip_re(rule.stack)
                if skip is not None:
                    found.setdefault(skip.pattern, ("skip regex", skip))
    return sorted(found.values(), key=lambda item: item[0])


PATTERNS = all_patterns()


def test_the_audit_sees_every_module():
    names = {name.split(".")[0] for name, _ in PATTERNS}
    assert {"trace_patterns", "trace_titles", "attribution", "quotes"} <= names
    assert len(PATTERNS) > 300


@pytest.mark.parametrize("name, pattern", PATTERNS, ids=[name for name, _ in PATTERNS])
def test_pattern_on_its_own_attack_strings(name, pattern):
    # 16,384 characters: four times the longest line the trace code passes to a line regex
    # (attribution and quote lines are not bounded), long enough that a quadratic regex
    # overruns the bound while a linear one takes milliseconds.
    # The skip regexes only ever see a frame's name: 4,096 is their bound.
    size = 4096 if name.startswith("skip regex") else 16384
    for text in attacks(pattern, size):
        with bounded(PATTERN_BOUND_SECONDS, f"{name} on {text[:40]!r}...{text[-5:]!r} ({len(text)} chars)"):
            pattern.search(text)
