"""The analysis spine: SOURCEs resolve once, analyses are computed once and read back, reads
never write unless they have something new to keep, and the package's layers hold.

Counts are taken inside the real commands (CliRunner, in-process): how many messages a
command parses from a file, how many it decodes from the store, how many write
transactions it opens.
"""

from __future__ import annotations

import ast
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT, corpus_path, seed_page

PACKAGE = ROOT / "threadminer"
SEED_ID = "20221019234256.GR2703033@dread.disaster.area"


def _is_root() -> bool:
    import os

    return os.geteuid() == 0


class Counts:
    def __init__(self):
        self.parsed = 0      # messages parsed from a SOURCE file
        self.decoded = 0     # messages decoded from the store
        self.writes = 0      # write transactions begun


@pytest.fixture
def counted(monkeypatch) -> Counts:
    import threadminer.sources as sources
    import threadminer.store.reader as reader
    import threadminer.store.schema as schema

    counts = Counts()
    parse, decode, connect = sources.parse_bytes, reader.parse_bytes, schema.sqlite3.connect

    def parse_counted(*args, **kwargs):
        counts.parsed += 1
        return parse(*args, **kwargs)

    def decode_counted(*args, **kwargs):
        counts.decoded += 1
        return decode(*args, **kwargs)

    def connect_counted(*args, **kwargs):
        conn = connect(*args, **kwargs)
        conn.set_trace_callback(lambda sql: setattr(counts, "writes", counts.writes + sql.startswith("BEGIN IMMEDIATE")))
        return conn

    monkeypatch.setattr(sources, "parse_bytes", parse_counted)
    monkeypatch.setattr(reader, "parse_bytes", decode_counted)
    monkeypatch.setattr(schema.sqlite3, "connect", connect_counted)
    return counts


def reset(counts: Counts) -> None:
    counts.parsed = counts.decoded = counts.writes = 0


COMMANDS = [("quotes", "--json"), ("traces", "--json"), ("show", "--json"), ("threads", "--json"),
            ("summarize", "--format", "json")]


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_stored_file_is_not_parsed_again_and_a_second_run_writes_nothing(cli, counted, command):
    mbox = str(corpus_path("seed-thread", "thread.mbox"))
    assert cli("import", mbox).exit_code == 0
    reset(counted)
    first = cli(command[0], mbox, *command[1:])
    assert first.exit_code == 0, first.output
    assert counted.parsed == 0  # the file was recognised: nothing read from it again
    reset(counted)
    second = cli(command[0], mbox, *command[1:])
    assert second.output == first.output
    assert (counted.parsed, counted.writes) == (0, 0)
    if command[0] in ("quotes", "traces", "summarize"):
        assert counted.decoded == 0  # answered from the analysis cache


def test_first_quotes_decodes_each_message_once_and_writes_once(cli, counted):
    mbox = str(corpus_path("seed-thread", "thread.mbox"))
    cli("import", mbox)
    reset(counted)
    assert cli("quotes", mbox, "--json").exit_code == 0
    assert counted.decoded == 27 and counted.writes == 1


def test_a_new_analyser_version_recomputes(cli, counted, monkeypatch):
    import threadminer.composer as composer

    mbox = str(corpus_path("seed-thread", "thread.mbox"))
    cli("import", mbox)
    cli("quotes", mbox, "--json")
    reset(counted)
    monkeypatch.setattr(composer, "QUOTES", ("quotes", "test-new-version"))
    assert cli("quotes", mbox, "--json").exit_code == 0
    assert counted.decoded == 27


def test_a_thread_that_gained_a_message_is_recomputed(cli, counted, tmp_path):
    raw = corpus_path("seed-thread", "raw")
    files = sorted(raw.glob("*.eml"))
    folder = tmp_path / "part"
    folder.mkdir()
    for f in files[:-1]:
        (folder / f.name).write_bytes(f.read_bytes())
    cli("import", str(folder))
    cli("quotes", SEED_ID, "--thread", "--json")
    reset(counted)
    cli("import", str(files[-1]))
    reset(counted)
    result = cli("quotes", SEED_ID, "--thread", "--json")
    assert result.exit_code == 0 and counted.decoded == 27


def test_a_message_id_names_a_message_and_thread_widens(cli):
    cli("import", str(corpus_path("seed-thread", "thread.mbox")))
    assert len(cli.json("quotes", SEED_ID, "--json")) == 1
    assert len(cli.json("quotes", SEED_ID, "--thread", "--json")) == 27


def test_reads_answer_while_an_import_holds_the_write_lock(cli, db):
    cli("import", str(corpus_path("seed-thread", "thread.mbox")))
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time\n"
        f"c = sqlite3.connect({db!r}, isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(30)\n")], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"locked"
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "threadminer", "--db", db, "-q", "quotes", SEED_ID, "--thread",
                               "--json"], cwd=ROOT, capture_output=True, timeout=60)
        elapsed = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert proc.returncode == 0, proc.stderr
    assert elapsed < 2.0, elapsed
    assert proc.stdout.count(b'"message_id"') == 27


def test_read_commands_never_create_a_store(tmp_path):
    missing = tmp_path / "nowhere" / "x.sqlite3"
    for args in (["threads"], ["show", SEED_ID, "--offline"], ["traces"]):
        proc = subprocess.run([sys.executable, "-m", "threadminer", "--db", str(missing), *args], cwd=ROOT,
                              capture_output=True, timeout=60)
        assert proc.returncode == 2, (args, proc.stderr)
        assert b"no store" in proc.stderr and proc.stderr.count(b"\n") == 1
    assert not missing.parent.exists()


def test_a_read_only_store_is_read(cli, db, monkeypatch):
    """A store that cannot be written (SQLite refuses the first write) is read read-only."""
    import threadminer.store.schema as schema

    cli("import", str(seed_page()))
    set_up = schema._set_up

    def refuse_writes(conn, path, writable, create):
        if writable:
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return set_up(conn, path, writable, create)

    monkeypatch.setattr(schema, "_set_up", refuse_writes)
    record = cli.json("threads", "--json")
    assert record[0]["participants"] == ["Dave Chinner"]
    assert cli.json("quotes", "--all", "--json")[0]["author"] == "Dave Chinner"  # nothing cached, still answers
    result = cli("import", str(corpus_path("seed-thread", "thread.mbox")))
    assert result.exit_code == 2 and "cannot" in result.output


@pytest.mark.skipif(_is_root(), reason="file permissions do not bind root; the simulated case above runs instead")
def test_a_store_in_a_folder_one_cannot_write_is_read(cli, db):
    cli("import", str(seed_page()))
    folder = Path(db).parent
    for path in folder.iterdir():
        path.chmod(0o444)
    folder.chmod(0o555)
    try:
        proc = subprocess.run([sys.executable, "-m", "threadminer", "--db", db, "-q", "threads", "--json"], cwd=ROOT,
                              capture_output=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert b"Dave Chinner" in proc.stdout
    finally:
        folder.chmod(0o755)


# --- layers ---------------------------------------------------------------------------------

def imports_of(path: Path, with_types: bool = False) -> set[str]:
    """The threadminer modules a file imports (at any level of the file; with `with_types`,
    also those only a type checker reads)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name == "__init__.py":
        package = package.rsplit(".", 1)[0] + "." + "__init__"
    found = set()
    tree = ast.parse(path.read_text())
    # Imports only a type checker reads (`if TYPE_CHECKING:`) are no edges at run time.
    for block in [] if with_types else [n for n in ast.walk(tree) if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING"]:
        block.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:-node.level]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.startswith("threadminer"):
                found.add(name)
                for alias in node.names:
                    found.add(f"{name}.{alias.name}")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("threadminer"))
    return found


def module_graph(with_types: bool = False) -> dict[str, set[str]]:
    modules = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
               for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        graph[name] = {m for m in (imp if imp in modules else imp.rsplit(".", 1)[0] for imp in imports_of(path, with_types))
                       if m in modules and m != name}
    return graph


# (importer prefix, forbidden prefixes): each layer may use those below it only.
FORBIDDEN = [
    ("threadminer.analysis", ("threadminer.store", "threadminer.cli", "threadminer.remote", "threadminer.report",
                              "threadminer.select", "threadminer.composer", "threadminer.sync")),
    ("threadminer.remote", ("threadminer.store", "threadminer.sync", "threadminer.select", "threadminer.composer",
                            "threadminer.report", "threadminer.cli", "threadminer.analysis")),
    ("threadminer.report", ("threadminer.store", "threadminer.remote", "threadminer.sync", "threadminer.select",
                            "threadminer.composer", "threadminer.cli")),
    ("threadminer.store", ("threadminer.analysis", "threadminer.remote", "threadminer.report", "threadminer.sync",
                           "threadminer.select", "threadminer.composer", "threadminer.cli")),
    ("threadminer.sources", ("threadminer.store", "threadminer.analysis", "threadminer.remote", "threadminer.report",
                             "threadminer.sync", "threadminer.select", "threadminer.composer", "threadminer.cli")),
]


def test_layers_import_only_downwards():
    bad = []
    for module, imported in module_graph().items():
        for prefix, forbidden in FORBIDDEN:
            if module == prefix or module.startswith(prefix + "."):
                bad.extend((module, m) for m in imported if m.startswith(forbidden))
    assert bad == []


def test_no_import_cycles():
    # Type-only imports count here: two modules that need each other's types are read
    # together, whatever the interpreter does.
    graph = module_graph(with_types=True)
    # Package __init__ files re-export their modules; an edge into a package is an edge to
    # what it re-exports, so cycles are looked for between modules that are not packages.
    packages = {name for name in graph if (PACKAGE.parent / name.replace(".", "/") / "__init__.py").exists()}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node] - packages):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(set(graph) - packages):
        if node not in state:
            visit(node)
    assert cycles == []


def test_each_command_is_a_few_lines():
    tree = ast.parse((PACKAGE / "cli.py").read_text())
    long = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "command" for d in node.decorator_list):
            body = node.body[1:] if isinstance(node.body[0], ast.Expr) else node.body  # the docstring
            lines = body[-1].end_lineno - body[0].lineno + 1
            if lines > 16:
                long.append((node.name, lines))
    assert long == []


def test_store_tables_are_used():
    """No table the code never reads (the old `analyses` placeholder was one)."""
    from threadminer.store import Store

    code = "\n".join(p.read_text() for p in PACKAGE.rglob("*.py") if p.parent.name != "store" or p.name != "schema.py")
    with Store(":memory:") as store:
        tables = [r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    unused = [t for t in tables if f"FROM {t}" not in code and f"JOIN {t}" not in code]
    assert unused == []


def test_sqlite_stays_behind_the_store():
    users = [p.relative_to(ROOT) for p in PACKAGE.rglob("*.py")
             if "import sqlite3" in p.read_text() and "store" not in p.parts and p.name != "cli.py"]
    assert users == []
