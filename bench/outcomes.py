"""The outcomes analysis against the labelled sets: per-verdict precision and recall.

    python bench/outcomes.py [--set linux-modules|heldout|both] [--db-dir DIR [--fresh]]
                             [--threads N] [--errors] [--epoch PATH] [--labels DIR]

Two labelled sets (tests/data/outcomes/, README.md and HELDOUT.md there):

- `linux-modules`: the set the rules were developed against (`linux-modules.jsonl`,
  `threads.txt`), from the linux-modules public-inbox epoch;
- `heldout`: labelled by another person from other corpora (`heldout.jsonl`,
  `heldout-threads.txt`: ksummit, notmuch-lkml, the seed thread, wayland, fedora-devel), for
  MEASURING how the rules generalise. Its errors are never listed (`--errors` lists the
  linux-modules ones only): rules are not to be written for its cases.

Each corpus is imported into its own store (temporary, or kept in `--db-dir` and reused),
`ThreadAnalysis.outcomes()` runs on every labelled thread, and the predicted outcomes are
matched to the labels:

- a prediction matches a label when it names the same message and the same verdict; each
  label and each prediction is used once (the same proposal is preferred), so a message
  that applies three patches needs three predictions;
- link accuracy: of the matched pairs, how many name the label's proposal;
- a prediction is counted when its message or its proposal lies in a labelled thread of the
  same corpus (the sets' rule for outcomes that cross threads); outcomes read from quotes of
  messages that are not in the archive are outside the sets' scope (they label messages
  present) and are counted apart;
- structured and prose are scored apart: a label's signal, a prediction's `structured`.

Printed for linux-modules, held-out and both together: per verdict and signal, labels,
predictions, matches, precision, recall, F1; the structured totals against the targets
(precision >= 0.97, recall >= 0.95) and the prose verdicts' macro-F1 (target >= 0.80); and
the seconds the analysis took per corpus (cold: the outcomes cache of a reused store is
cleared with `--fresh`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
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


CORPUS_ROOT = os.path.join(SHARED, "corpus")
# The held-out corpora, as HELDOUT.md and tests/data/outcomes/tools/epoch.py name them.
HELDOUT_CORPORA = {
    "ksummit": ("public-inbox", "ksummit", "0.git"),
    "notmuch-lkml": ("notmuch-lkml",),
    "seed-thread": ("seed-thread", "thread.mbox"),
    "wayland": ("emailthreads-wayland",),
    "fedora": ("fedora-devel-2010-01", "2010-January.txt.gz"),
}
SETS = ("linux-modules", "heldout")


@dataclass(frozen=True)
class Part:
    """One corpus of a labelled set: where it is, its labelled threads and its labels."""

    set: str
    corpus: str
    path: str
    roots: tuple[str, ...]
    labels: tuple[dict, ...]


def _jsonl(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _rows(path: str) -> list[list[str]]:
    with open(path, encoding="utf-8") as fh:
        return [line.rstrip("\n").split("\t") for line in fh if line.strip() and not line.startswith("#")]


def load_labels(folder: str) -> tuple[list[dict], list[str]]:
    """The linux-modules labels and the roots of its labelled threads."""
    return _jsonl(os.path.join(folder, "linux-modules.jsonl")), [row[0] for row in _rows(os.path.join(folder, "threads.txt"))]


def load_heldout(folder: str) -> dict[str, tuple[list[dict], list[str]]]:
    """The held-out labels and labelled roots, by corpus."""
    labels = _jsonl(os.path.join(folder, "heldout.jsonl"))
    out: dict[str, tuple[list[dict], list[str]]] = {name: ([], []) for name in HELDOUT_CORPORA}
    for row in _rows(os.path.join(folder, "heldout-threads.txt")):
        out.setdefault(row[0], ([], []))[1].append(row[1])
    for label in labels:
        out.setdefault(label["corpus"], ([], []))[0].append(label)
    return out


def parts(which: str, folder: str, epoch: str, threads: int | None = None) -> list[Part]:
    """The corpora to score for `--set` (`threads`: only the first N labelled threads of each)."""
    out = []
    if which in ("linux-modules", "both"):
        labels, roots = load_labels(folder)
        out.append(Part("linux-modules", "linux-modules", epoch, tuple(roots), tuple(labels)))
    if which in ("heldout", "both"):
        for name, (labels, roots) in load_heldout(folder).items():
            out.append(Part("heldout", name, os.path.join(CORPUS_ROOT, *HELDOUT_CORPORA[name]), tuple(roots),
                            tuple(labels)))
    if threads:
        out = [Part(p.set, p.corpus, p.path, p.roots[:threads],
                    tuple(r for r in p.labels if r["thread"] in set(p.roots[:threads]))) for p in out]
    return out


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


def report(pairs, show_errors: bool, title: str = "") -> dict[str, float | None]:
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
    if title:
        print(f"\n=== {title}")
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



def score(part: Part, db_dir: str, fresh: bool) -> tuple[list, dict]:
    """Import the part's corpus (unless its store exists), run the analysis on its threads,
    match: (pairs, figures)."""
    import sqlite3

    db = os.path.join(db_dir, f"{part.corpus}.sqlite3")
    t0 = time.perf_counter()
    if not os.path.exists(db):
        import_epoch(db, part.path)
    elif fresh:
        with sqlite3.connect(db) as conn:
            conn.execute("DELETE FROM analyses WHERE analyser = 'outcomes'")
    t1 = time.perf_counter()
    preds, _, from_quotes = predict(db, list(part.roots))
    t2 = time.perf_counter()
    pairs = match(list(part.labels), preds)
    figures = {"threads": len(part.roots), "labels": len(part.labels), "predictions": len(preds),
               "from quotes": from_quotes, "import s": t1 - t0, "analysis s": t2 - t1}
    return pairs, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=("linux-modules", "heldout", "both"), default="both", dest="which")
    parser.add_argument("--epoch", default=DEFAULT_EPOCH, help="the linux-modules epoch")
    parser.add_argument("--labels", default=DEFAULT_LABELS)
    parser.add_argument("--db-dir", help="keep one store per corpus here and reuse it (imported when absent)")
    parser.add_argument("--threads", type=int, help="only the first N labelled threads of each corpus")
    parser.add_argument("--errors", action="store_true",
                        help="list misses and false alarms (linux-modules only: the held-out set measures)")
    parser.add_argument("--fresh", action="store_true", help="with --db-dir: forget cached outcomes first")
    args = parser.parse_args()
    chosen = parts(args.which, args.labels, args.epoch, args.threads)
    by_set: dict[str, list] = {name: [] for name in SETS}
    with tempfile.TemporaryDirectory(prefix="tm-outcomes-") as tmp:
        db_dir = args.db_dir or tmp
        os.makedirs(db_dir, exist_ok=True)
        print(f"{'set':<14} {'corpus':<14} {'threads':>7} {'labels':>6} {'pred':>5} {'quoted':>6} {'import s':>8} "
              f"{'analysis s':>10}")
        for part in chosen:
            if not os.path.exists(part.path):
                print(f"{part.set:<14} {part.corpus:<14} skipped: {part.path} is absent")
                continue
            pairs, f = score(part, db_dir, args.fresh)
            by_set[part.set] += pairs
            print(f"{part.set:<14} {part.corpus:<14} {f['threads']:>7} {f['labels']:>6} {f['predictions']:>5} "
                  f"{f['from quotes']:>6} {f['import s']:>8.1f} {f['analysis s']:>10.1f}")
    for name in SETS:
        if by_set[name]:
            report(by_set[name], args.errors and name == "linux-modules", name)
    if all(by_set[name] for name in SETS):
        report(by_set["linux-modules"] + by_set["heldout"], False, "both sets together")


if __name__ == "__main__":
    main()
