"""Pull requests: the repository and branch a `git request-pull` message asks to pull.

Patchwork's `parse_pull_request` is the model: the URL on the line after "are available in
the git repository at:", with its branch or tag, also when a mailer wrapped the tag onto the
next line. The base commit ("The following changes since commit ...") and the tip ("for you
to fetch changes up to ...") are read too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..message import Message

VERSION = 1


@dataclass(frozen=True)
class PullRequest:
    """A `git request-pull` message: where to pull from."""

    message_id: str
    url: str
    ref: str | None
    base_commit: str | None
    tip_commit: str | None

    @property
    def pull_url(self) -> str:
        """URL and ref joined by one space, as Patchwork stores `pull_url`."""
        return f"{self.url} {self.ref}" if self.ref else self.url


RE_PULL_AT = re.compile(r"^\s*are available in the git repository at:?\s*$", re.I)
RE_PULL_URL = re.compile(r"^\s*((?:[a-z][\w+.-]*://|[\w.-]+@[\w.-]+:)\S+)(?:\s+(\S+))?\s*$", re.I)
RE_PULL_BASE = re.compile(r"^The following changes since commit ([0-9a-f]{7,40})", re.M | re.I)
RE_PULL_TIP = re.compile(r"^for you to fetch changes up to ([0-9a-f]{7,40})", re.M | re.I)
RE_REF_ONLY = re.compile(r"^\s*([\w][\w/.+-]*)\s*$")


def find_pull_request(msg: Message) -> PullRequest | None:
    """The pull request a `git request-pull` message makes: the repository URL after "are
    available in the git repository at:", with its branch or tag (also when a mailer
    wrapped it onto the next line); None if the message is not one."""
    lines = msg.body.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(">") or not RE_PULL_AT.match(line):
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j >= len(lines):
            return None
        m = RE_PULL_URL.match(lines[j])
        if not m:
            return None
        url, ref = m.group(1), m.group(2)
        if ref is None and j + 1 < len(lines):
            r = RE_REF_ONLY.match(lines[j + 1])
            if r and not lines[j + 1].lower().startswith("for "):
                ref = r.group(1)
        base = RE_PULL_BASE.search(msg.body)
        tip = RE_PULL_TIP.search(msg.body)
        return PullRequest(msg.message_id, url, ref, base.group(1) if base else None, tip.group(1) if tip else None)
    return None
