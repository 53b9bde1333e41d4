"""The only links reports make: a message's page on the archive, built from its Message-ID."""

from __future__ import annotations

from urllib.parse import quote

LORE = "https://lore.kernel.org/r/"
# Characters left as they are in the path; everything else is percent-encoded, so a link
# can never end early in Markdown ("(", ")") or HTML ("<", '"', "'"), or carry a scheme.
SAFE = "@!$&*+,;=:"


def lore_url(message_id: str, base: str = LORE) -> str:
    """https://lore.kernel.org/r/<id>, lore's redirect to the message in whichever list."""
    return base + quote(message_id, safe=SAFE)
