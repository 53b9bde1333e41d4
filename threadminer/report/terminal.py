"""Text from mail made safe for a terminal.

Mail is untrusted: a subject or body may carry escape sequences (OSC 52 writes the
clipboard, OSC 8 makes links, CSI moves the cursor), bidi overrides that reorder what is
shown, or a newline in a file name that forges a line. Text output shows every such
character as a visible escape instead of sending it to the terminal.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and the bidi embedding, override and
# isolate characters (U+202A..U+202E, U+2066..U+2069), line/paragraph separators.
RE_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control character (but tab and newline) shown as an escape."""
    return RE_UNSAFE.sub(_visible, text)


def one_line(text: str) -> str:
    """`text` for a single line of output: newlines are shown as escapes too."""
    return printable(text).replace("\n", "\\n")
