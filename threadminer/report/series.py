"""Series listings as records: revisions with the state of each patch, pull requests,
revisions of one series across threads (the `series` command's JSON and text)."""

from __future__ import annotations

from typing import Iterable

from ..analysis.pulls import PullRequest
from ..analysis.series import Series
from ..analysis.series_trailers import SeriesTrailers
from ..analysis.versions import VersionChain
from ..dates import iso
from ..message import Message


def series_records(found: Iterable[tuple[Series, SeriesTrailers]], default: Series | None) -> list[dict]:
    """Every revision of a thread with its patches (own trailers, those replies gave, those
    flagged) and which revision `patches` exports by default."""
    out = []
    for s, trailers in found:
        patches = []
        for p in s.patches:
            pt = trailers.for_patch(p.message_id)
            patches.append({
                "counter": p.counter, "message_id": p.message_id, "subject": p.subject, "author": p.author,
                "date": iso(p.date), "carried_from_version": p.carried_from,
                "files": [{"path": f.path, "added": f.added, "removed": f.removed} for f in p.files],
                "trailers_own": [t.as_text() for t in pt.own] if pt else [],
                "trailers_added": [c.trailer.as_text() for c in pt.added] if pt else [],
            })
        out.append({
            "root_message_id": s.root_message_id, "version": s.version, "version_label": s.version_label,
            "round": s.round, "title": s.title, "author": s.author, "date": iso(s.date),
            "cover_message_id": s.cover_message_id, "expected": s.expected, "missing": list(s.missing),
            "complete": s.complete, "partial_reroll": s.partial_reroll, "rfc": s.rfc, "resend": s.resend,
            "tags": list(s.tags), "change_id": s.change_id, "base_commit": s.base_commit,
            "default": default is not None and s.key == default.key,
            "patches": patches,
            "duplicates": [p.message_id for p in s.extra],
            "trailers_flagged": [{"trailer": c.trailer.as_text(), "from": c.sender, "message_id": c.message_id}
                                 for c in trailers.flagged],
        })
    return out


def pull_request_records(pulls: Iterable[tuple[PullRequest, Message]]) -> list[dict]:
    """The `git request-pull` messages: where to pull from."""
    return [{"message_id": p.message_id, "subject": msg.subject, "author": msg.author.display, "date": iso(msg.date),
             "url": p.url, "ref": p.ref, "pull_url": p.pull_url, "base_commit": p.base_commit,
             "tip_commit": p.tip_commit} for p, msg in pulls]


def lineage_records(chains: Iterable[VersionChain]) -> list[dict]:
    """Revisions of the same series across threads, oldest first."""
    return [{"evidence": list(chain.evidence),
             "revisions": [{"version": s.version_label, "round": s.round, "root_message_id": s.root_message_id,
                            "cover_message_id": s.cover_message_id, "title": s.title, "date": iso(s.date),
                            "patches": len(s.patches)} for s in chain.series]}
            for chain in chains]


def render_series_text(records: list[dict]) -> str:
    """One block per revision: title, version, author, then a line per patch with its state."""
    lines = []
    for r in records:
        mark = " (default)" if r["default"] else ""
        missing = f", missing {', '.join(map(str, r['missing']))}" if r["missing"] else ""
        revision = f"v{r['version_label']}" + (f" round {r['round'] + 1}" if r["round"] else "")
        lines.append(f"{revision}  {r['title']}  ({r['author']}, {(r['date'] or '')[:10]}; "
                     f"{len(r['patches'])}/{r['expected']} patches{missing}){mark}")
        for p in r["patches"]:
            given = [t.split(":")[0] for t in p["trailers_added"]]
            state = ", ".join(f"{n} {t}" for t, n in _counts(given)) or "no trailers from replies"
            lines.append(f"  {p['counter']:>2}. {p['subject']}  <{p['message_id']}>  [{state}]")
    return "\n".join(lines)


def _counts(names: list[str]) -> list[tuple[str, int]]:
    out: dict[str, int] = {}
    for name in names:
        out[name] = out.get(name, 0) + 1
    return list(out.items())
