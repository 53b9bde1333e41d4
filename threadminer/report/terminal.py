"""Text from mail and from paths, made safe to print on a terminal.

Mail is written by strangers. A terminal obeys what it is sent: ESC starts sequences that
set the window title (OSC 0), write the clipboard (OSC 52), plant links (OSC 8), move the
cursor and repaint lines (CSI), or talk to the terminal itself (DCS); C1 controls (U+0080 to
U+009F) are the same sequences in one character on terminals that honour them; CR and
backspace overwrite what was printed; and the Unicode bidi overrides and isolates reorder
what follows ("Trojan Source", CVE-2021-42574). RFC 2047 encoded words are decoded before
output, so whatever they hid arrives here decoded.

Every such character is shown as a Python-style escape (`\\x1b`, `\\x9b`, `\\u202e`): the
terminal then receives plain printable text, and the reader sees that something was there.
`printable` keeps newlines and tabs (bodies, multi-line reports); `one_line` shows newlines
as `\\n` too, for values printed on one line (a file name holding a newline must not forge a
second warning line). JSON output needs none of this: its encoder escapes control
characters already.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, the bidi embeddings/overrides
# (U+202A-U+202E) and isolates (U+2066-U+2069), the line and paragraph separators (some
# renderers break lines there), and lone surrogates (undecodable bytes kept by
# surrogateescape: printing one raises UnicodeEncodeError).
RE_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every character a terminal would act on shown as an escape; newlines and
    tabs are kept."""
    return RE_UNSAFE.sub(_visible, text)


def one_line(text: str) -> str:
    """`text` for a single line of output: newlines are shown as escapes too."""
    return printable(text).replace("\n", "\\n")


def is_safe(text: str) -> bool:
    """True when `printable` would leave `text` as it is."""
    return RE_UNSAFE.search(text) is None
