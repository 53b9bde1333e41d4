"""The outcomes analysis against the labelled set: per-verdict precision and recall.

    python bench/outcomes.py [--epoch PATH] [--labels DIR] [--db STORE [--fresh]] [--threads N] [--errors]

Imports the epoch the labels come from (default: the linux-modules public-inbox epoch in
../shared/corpus, or $THREADMINER_SHARED/corpus) into a temporary store (or reuses `--db`), runs `ThreadAnalysis.outcomes()`
on every labelled thread (`threads.txt`), and matches the predicted outcomes to the labels
(`linux-modules.jsonl`, see tests/data/outcomes/README.md):

- a prediction matches a label when it names the same message and the same verdict; each
  label and each prediction is used once (the same proposal is preferred), so a message
  that applies three patches needs three predictions;
- link accuracy: of the matched pairs, how many name the label's proposal;
- a prediction is counted when its message or its proposal lies in a labelled thread (the
  set's rule for outcomes that cross threads); outcomes read from quotes of messages that
  are not in the archive are outside the set's scope (it labels messages present) and are
  counted apart;
- structured and prose are scored apart: a label's signal, a prediction's `structured`.

Printed: per verdict and signal, labels, predictions, matches, precision, recall, F1; the
structured totals against the targets (precision >= 0.97, recall >= 0.95) and the prose
verdicts' macro-F1 (target >= 0.80). `--errors` lists the misses and false alarms.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
SHARED = os.environ.get("THREADMINER_SHARED", os.path.join(ROOT, "..", "shared"))
DEFAULT_EPOCH = os.path.join(SHARED, "corpus", "public-inbox", "linux-modules", "0.git")
DEFAULT_LABELS = os.path.join(ROOT, "tests", "data", "outcomes")
VERDICTS = ("works", "does-not-work", "regresses", "reviewed", "acked", "nacked", "changes-requested",
            "applied", "superseded", "build-failure")
TARGETS = {"structured precision": 0.97, "structured recall": 0.95, "prose macro-F1": 0.80}


@dataclass(frozen=True)
class Prediction:
    message_id: str
    verdict: str
    proposal: str
    structured: bool
    evidence: str
    rule: str
    link: str
    thread: str


def load_labels(folder: str) -> tuple[list[dict], list[str]]:
    with open(os.path.join(folder, "linux-modules.jsonl"), encoding="utf-8") as fh:
        labels = [json.loads(line) for line in fh if line.strip()]
    with open(os.path.join(folder, "threads.txt"), encoding="utf-8") as fh:
        roots = [line.split("\t")[0] for line in fh if line.strip() and not line.startswith("#")]
    return labels, roots


def import_epoch(db: str, epoch: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "threadminer", "--db", db, "-q", "import", epoch], cwd=ROOT,
                          capture_output=True)
    if proc.returncode != 0:
        raise SystemExit(f"import failed: {proc.stderr.decode()[:300]}")


def predict(db: str, roots: list[str]) -> tuple[list[Prediction], set[str], int]:
    """Predictions for the labelled threads (deduplicated), the labelled threads' message ids,
    and how many outcomes came from quotes of missing messages."""
    from threadminer.composer import ThreadAnalysis
    from threadminer.store import Store

    store = Store(db, create=False)
    in_scope: set[str] = set()
    found: dict[tuple[str, str, str], Prediction] = {}
    from_quotes = 0
    for root in roots:
        hit = store.lookup(root)
        if hit is None:
            print(f"warning: labelled thread {root} is not in the store", file=sys.stderr)
            continue
        ta = ThreadAnalysis(store, hit.thread_id)
        in_scope.update(ta.info.message_ids)
        for proposal in ta.outcomes():
            for o in proposal.outcomes:
                if o.quoted_in is not None:
                    from_quotes += 1
                    continue
                key = (o.message_id, proposal.message_id, o.verdict)
                found.setdefault(key, Prediction(o.message_id, o.verdict, proposal.message_id, o.structured,
                                                 o.evidence, o.rule, o.link, root))
        ta.writes.flush()
    preds = [p for p in found.values() if p.message_id in in_scope or p.proposal in in_scope]
    return preds, in_scope, from_quotes


def match(labels: list[dict], preds: list[Prediction]) -> list[tuple[dict | None, Prediction | None]]:
    """Pairs (label, prediction); a side is None when unmatched. Same message and verdict;
    the same proposal is paired first."""
    pairs: list[tuple[dict | None, Prediction | None]] = []
    free_preds = list(preds)
    free_labels = list(labels)
    for same_proposal in (True, False):
        rest = []
        for label in free_labels:
            for i, p in enumerate(free_preds):
                if p.message_id == label["message_id"] and p.verdict == label["verdict"] and (
                        not same_proposal or p.proposal == label["proposal"]["message_id"]):
                    pairs.append((label, p))
                    free_preds.pop(i)
                    break
            else:
                rest.append(label)
        free_labels = rest
    pairs += [(label, None) for label in free_labels] + [(None, p) for p in free_preds]
    return pairs


def ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def report(pairs, show_errors: bool) -> dict[str, float | None]:
    by = defaultdict(Counter)  # (verdict, signal) -> counts
    for label, pred in pairs:
        if label is not None:
            signal = label["signal"]
            by[(label["verdict"], signal)]["labels"] += 1
            if pred is not None:
                by[(label["verdict"], signal)]["recalled"] += 1
        if pred is not None:
            signal = "structured" if pred.structured else "prose"
            by[(pred.verdict, signal)]["predicted"] += 1
            if label is not None:
                by[(pred.verdict, signal)]["correct"] += 1
    print(f"{'verdict':<18} {'signal':<10} {'labels':>6} {'pred':>5} {'P':>6} {'R':>6} {'F1':>6}")
    totals = {s: Counter() for s in ("structured", "prose")}
    prose_f1 = []
    for signal in ("structured", "prose"):
        for verdict in VERDICTS:
            c = by.get((verdict, signal))
            if not c:
                continue
            p, r = ratio(c["correct"], c["predicted"]), ratio(c["recalled"], c["labels"])
            print(f"{verdict:<18} {signal:<10} {c['labels']:>6} {c['predicted']:>5} {fmt(p):>6} {fmt(r):>6} {fmt(f1(p, r)):>6}")
            totals[signal].update(c)
            if signal == "prose" and c["labels"]:
                prose_f1.append(f1(p, r) or 0.0)
    out: dict[str, float | None] = {}
    for signal, c in totals.items():
        p, r = ratio(c["correct"], c["predicted"]), ratio(c["recalled"], c["labels"])
        out[f"{signal} precision"], out[f"{signal} recall"] = p, r
        print(f"{'ALL':<18} {signal:<10} {c['labels']:>6} {c['predicted']:>5} {fmt(p):>6} {fmt(r):>6} {fmt(f1(p, r)):>6}")
    out["prose macro-F1"] = sum(prose_f1) / len(prose_f1) if prose_f1 else None
    matched = [(label, pred) for label, pred in pairs if label is not None and pred is not None]
    linked = sum(1 for label, pred in matched if pred.proposal == label["proposal"]["message_id"])
    out["link accuracy"] = ratio(linked, len(matched))
    print(f"prose macro-F1 (over verdicts with prose labels): {fmt(out['prose macro-F1'])}")
    print(f"link accuracy (matched outcomes naming the labelled proposal): {linked}/{len(matched)} = "
          f"{fmt(out['link accuracy'])}")
    for name, target in TARGETS.items():
        value = out.get(name)
        ok = value is not None and value >= target
        print(f"target {name} >= {target}: {fmt(value)} {'ok' if ok else 'MISSED'}")
    if show_errors:
        print("\n--- misses (labels without a prediction)")
        for label, pred in pairs:
            if pred is None:
                print(f"  {label['verdict']:<17} {label['signal'][:6]} {label['message_id'][:45]:<45} "
                      f"{label['evidence'][:110]!r}")
        print("\n--- false alarms (predictions without a label)")
        for label, pred in pairs:
            if label is None:
                print(f"  {pred.verdict:<17} {'struct' if pred.structured else 'prose '} {pred.message_id[:45]:<45} "
                      f"[{pred.rule}] {pred.evidence[:100]!r} (on {pred.proposal[:40]}, {pred.link})")
        print("\n--- wrong proposal")
        for label, pred in matched:
            if pred.proposal != label["proposal"]["message_id"]:
                print(f"  {label['verdict']:<17} {label['message_id'][:40]:<40} label {label['proposal']['message_id'][:40]}"
                      f" got {pred.proposal[:40]} ({pred.link})")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epoch", default=DEFAULT_EPOCH)
    parser.add_argument("--labels", default=DEFAULT_LABELS)
    parser.add_argument("--db", help="reuse this store (the epoch is imported when it lacks it)")
    parser.add_argument("--threads", type=int, help="only the first N labelled threads")
    parser.add_argument("--errors", action="store_true", help="list misses and false alarms")
    parser.add_argument("--fresh", action="store_true", help="with --db: forget cached outcomes first")
    args = parser.parse_args()
    labels, roots = load_labels(args.labels)
    if args.threads:
        roots = roots[: args.threads]
        labels = [r for r in labels if r["thread"] in set(roots)]
    with tempfile.TemporaryDirectory(prefix="tm-outcomes-") as tmp:
        db = args.db or os.path.join(tmp, "store.sqlite3")
        if not args.db or not os.path.exists(db):
            import_epoch(db, args.epoch)
        elif args.fresh:
            import sqlite3

            with sqlite3.connect(db) as conn:
                conn.execute("DELETE FROM analyses WHERE analyser = 'outcomes'")
        preds, _, from_quotes = predict(db, roots)
    print(f"{len(roots)} threads, {len(labels)} labels, {len(preds)} predictions "
          f"({from_quotes} more read from quotes of messages not in the archive, not scored)")
    report(match(labels, preds), args.errors)


if __name__ == "__main__":
    main()
