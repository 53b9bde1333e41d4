"""Shared test fixtures: the real corpora beside the checkout, a fresh store, the CLI."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = Path(os.environ.get("THREADMINER_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
SEED_PAGE = SHARED / "seed" / "000_5e5b23e449ced77a.txt"


# Corpus files also bundled in fixtures/ (byte for byte): tests of them run without ../shared.
BUNDLED = {("seed-thread", "thread.mbox"): FIXTURES / "seed-thread" / "thread.mbox"}


def corpus_path(*parts: str) -> Path:
    """A path inside ../shared/corpus, or skip the test with the reason shown."""
    path = CORPUS.joinpath(*parts)
    if not path.exists() and tuple(parts) in BUNDLED:
        return BUNDLED[tuple(parts)]
    if not path.exists():
        pytest.skip(f"corpus not available: {path} is absent (tests read ../shared/corpus beside the checkout)")
    return path


def seed_page() -> Path:
    """The seed page: ../shared/seed, or its byte-for-byte copy in fixtures/."""
    if SEED_PAGE.exists():
        return SEED_PAGE
    return FIXTURES / "seed-page.txt"


@pytest.fixture
def db(tmp_path) -> str:
    """Path of a fresh store for one test."""
    return str(tmp_path / "store.sqlite3")


class Cli:
    """Runs `threadminer` in-process, like a user would, with its own store."""

    def __init__(self, db: str):
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, input: bytes | str | None = None):
        from threadminer.cli import cli

        return self.runner.invoke(cli, ["--db", self.db, "-q", *map(str, args)], input=input,
                                  catch_exceptions=False)

    def json(self, *args: str):
        result = self(*args)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture
def cli(db) -> Cli:
    return Cli(db)


def have(program: str) -> bool:
    return shutil.which(program) is not None


@pytest.fixture(scope="session")
def modules_db(tmp_path_factory) -> str:
    """A store holding the whole linux-modules epoch (imported once per test session)."""
    import subprocess
    import sys

    epoch = corpus_path("public-inbox", "linux-modules", "0.git")
    db = str(tmp_path_factory.mktemp("linux-modules") / "store.sqlite3")
    subprocess.run([sys.executable, "-m", "threadminer", "--db", db, "-q", "import", str(epoch)], cwd=ROOT,
                   check=True, capture_output=True, timeout=600)
    return db
