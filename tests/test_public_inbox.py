"""Real public-inbox epochs: read completely from git, threaded as public-inbox threads them."""

from __future__ import annotations

import importlib.util
import shutil

import pytest

from threadminer.store import Store
from threadminer.sources import Checkpoint, read

from .conftest import ROOT, corpus_path


def load_bench():
    spec = importlib.util.spec_from_file_location("threads_vs_public_inbox", ROOT / "bench" / "threads_vs_public_inbox.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name, commits, exact_duplicates", [("ksummit", 3115, 3), ("linux-modules", 10570, 3)])
def test_epoch_imports_completely(tmp_path, name, commits, exact_duplicates):
    epoch = corpus_path("public-inbox", name, "0.git")
    with Store(str(tmp_path / "s.sqlite3")) as store:
        items = list(read(str(epoch)))
        checkpoints = [i for i in items if isinstance(i, Checkpoint)]
        assert len(checkpoints) == commits  # one message per commit, none lost
        result = store.add(items)
        assert result.skipped == []
        assert result.messages_new + result.messages_seen == commits
        assert result.messages_seen == exact_duplicates
        assert store.counts()["messages"] == commits - exact_duplicates


@pytest.mark.skipif(not shutil.which("public-inbox-index"), reason="Debian's public-inbox is not installed")
def test_ksummit_threads_agree_with_public_inbox(tmp_path):
    epoch = corpus_path("public-inbox", "ksummit", "0.git")
    bench = load_bench()
    truth, _ = bench.public_inbox_threads(str(epoch), str(tmp_path))
    with Store(str(tmp_path / "tm.sqlite3")) as store:
        store.add(read(str(epoch)))
        ours = {mid: tid for mid, tid in store.db.execute("SELECT message_id, thread_id FROM messages")}
    same, total = bench.agreement(truth, ours)
    print(f"ksummit: {same}/{total} messages in the same thread as public-inbox ({same / total:.2%})")
    assert total == 3112
    assert same / total >= 0.995
