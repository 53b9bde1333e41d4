"""The outcomes analysis against the labelled linux-modules set (tests/data/outcomes/), a
quick run of bench/outcomes.py: every other labelled thread, the structured signals held to
issue 10's targets (precision >= 0.97, recall >= 0.95).

The full figures, prose included, come from `python bench/outcomes.py`.
"""

from __future__ import annotations

import importlib.util
import sys
import pytest

from .conftest import ROOT, corpus_path

pytestmark = pytest.mark.corpus


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_outcomes", ROOT / "bench" / "outcomes.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    epoch = corpus_path("public-inbox", "linux-modules", "0.git")
    bench = load_bench()
    labels, roots = bench.load_labels(str(ROOT / "tests" / "data" / "outcomes"))
    roots = roots[::2]
    labels = [r for r in labels if r["thread"] in set(roots)]
    db = str(tmp_path_factory.mktemp("bench") / "store.sqlite3")
    bench.import_epoch(db, str(epoch))
    preds, _, _ = bench.predict(db, roots)
    return bench.report(bench.match(labels, preds), show_errors=False)


def test_structured_signals_meet_the_targets(figures):
    assert figures["structured precision"] >= 0.97, figures
    assert figures["structured recall"] >= 0.95, figures


def test_outcomes_name_the_labelled_proposal(figures):
    assert figures["link accuracy"] >= 0.9, figures
