"""The docs show real output: every example in docs/ and the README is run and compared.

A ```console block holds commands (lines starting with "$ ") each followed by the output it
prints; a ```python block followed by an ```output block is a library example and what it
prints. Each page runs in a fresh store of its own ($THREADMINER_DB), from the repository's
root, offline. A line "..." in an expected output stands for any number of lines, and "{...}"
inside a line for any text (a time that differs each run); a command that fails shows its
exit code as a last line "[exit N]". Blocks fenced as ```sh are not run (they need the
network or the user's own files).

A page can ask for an archive server: `<!-- docs-test: server -->` starts Debian's
public-inbox-httpd with the seed thread minus its last message behind lore's redirects (as
tests/test_fetch.py does), its address written in the page as http://127.0.0.1:39639;
`<!-- docs-test: deliver -->` later delivers the last message to it.

To rewrite the outputs after a change: python -m tests.test_docs --update
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from threadminer.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RE_BLOCK = re.compile(r"```(console|python|output)\n(.*?)```", re.S)
SHARED = Path(os.environ.get("THREADMINER_SHARED", ROOT.parent / "shared"))


DOCS_ROOT_URL = "http://127.0.0.1:39639"
RE_DIRECTIVE = re.compile(r"<!-- docs-test: (server|deliver) -->")


def run_console(command: str, env: dict, cwd: Path) -> str:
    args = shlex.split(command)
    assert args[0] == "threadminer", command
    proc = subprocess.run([sys.executable, "-m", "threadminer", *args[1:]], cwd=cwd, env=env, capture_output=True,
                          timeout=600, text=True)
    return proc.stdout + proc.stderr + (f"[exit {proc.returncode}]\n" if proc.returncode else "")


def run_python(code: str, env: dict) -> str:
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, timeout=600,
                          text=True)
    return proc.stdout + proc.stderr


def matches(expected: str, actual: str) -> bool:
    """`actual` as `expected` shows it, a "..." line standing for any lines."""
    if not expected.strip():
        return not actual.strip()
    pattern = "".join(r"(?:.*\n)*?" if line == "..." else ".*".join(map(re.escape, line.split("{...}"))) + r"\n"
                      for line in expected.rstrip("\n").split("\n"))
    return re.fullmatch(pattern, actual.rstrip("\n") + "\n") is not None


def examples(text: str):
    """(kind, code, expected, span of the expected text) for each example and directive of a
    page, in page order."""
    items = sorted([*RE_BLOCK.finditer(text), *RE_DIRECTIVE.finditer(text)], key=lambda m: m.start())
    blocks = [m for m in items if m.re is RE_BLOCK]
    for item in items:
        if item.re is RE_DIRECTIVE:
            yield "directive", item.group(1), "", (item.start(), item.start())
            continue
        block = item
        n = blocks.index(block)
        kind, body = block.group(1), block.group(2)
        if kind == "console":
            # Each "$ " line and the lines up to the next one (or the block's end).
            pos = block.start(2)
            starts = []
            for line in body.splitlines(keepends=True):
                starts.append((pos, line))
                pos += len(line)
            commands = [n for n, (_, line) in enumerate(starts) if line.startswith("$ ")]
            for k, n in enumerate(commands):
                first = starts[n][0] + len(starts[n][1])
                last = starts[commands[k + 1]][0] if k + 1 < len(commands) else block.end(2)
                yield "console", starts[n][1][2:].rstrip("\n"), text[first:last].rstrip("\n"), \
                    (first, first + len(text[first:last].rstrip("\n")))
        elif kind == "python" and n + 1 < len(blocks) and blocks[n + 1].group(1) == "output" \
                and text[block.end():blocks[n + 1].start()].strip() == "":
            out = blocks[n + 1]
            yield "python", body, out.group(2).rstrip("\n"), (out.start(2), out.start(2) + len(out.group(2).rstrip("\n")))


def check_page(page: Path, update: bool = False) -> list[str]:
    from contextlib import ExitStack

    text = page.read_text()
    problems = []
    replacements = []
    with tempfile.TemporaryDirectory(prefix="tm-docs-") as tmp, ExitStack() as stack:
        env = {**os.environ, "THREADMINER_DB": os.path.join(tmp, "docs.sqlite3"), "COLUMNS": "100",
               "THREADMINER_CONFIG": os.path.join(tmp, "none.toml")}
        env.pop("THREADMINER_BASE", None)
        root_url = DOCS_ROOT_URL
        cwd = ROOT
        for kind, code, expected, span in examples(text):
            if kind == "directive":
                if code == "server":
                    root_url, deliver = stack.enter_context(archive_server(Path(tmp)))
                    cwd = Path(tmp)  # files the examples write (-o) land in the temporary folder
                else:
                    deliver()
                continue
            code_here = code.replace(DOCS_ROOT_URL, root_url)
            actual = run_console(code_here, env, cwd) if kind == "console" else run_python(code, env)
            actual = actual.replace(root_url, DOCS_ROOT_URL)
            if not matches(expected, actual):
                problems.append(f"{page.name}: `{code.splitlines()[0]}` printed:\n{actual}\nexpected:\n{expected}")
                replacements.append((span, actual.rstrip("\n")))
    if update and replacements:
        for (start, end), new in sorted(replacements, reverse=True):
            # An example shown with no output starts at the next line: the new text needs its own.
            text = text[:start] + new + ("\n" if start == end else "") + text[end:]
        page.write_text(text)
    return problems


def archive_server(tmp: Path):
    """A public-inbox-httpd serving the seed thread but its last message, behind lore's
    redirects: yields (root URL, a function that delivers the last message)."""
    from contextlib import contextmanager

    from tests.public_inbox_server import add_message, public_inbox_server
    from tests.test_fetch import LORE_PSGI, searchable

    @contextmanager
    def serve():
        mbox = SHARED / "corpus" / "seed-thread" / "thread.mbox"
        if not mbox.exists():
            mbox = ROOT / "fixtures" / "seed-thread" / "thread.mbox"
        data = mbox.read_bytes()
        cut = data.rindex(b"\nFrom ") + 1
        first = tmp / "first.mbox"
        first.write_bytes(data[:cut])
        last = data[cut:].split(b"\n", 1)[1]
        psgi = tmp / "lore.psgi"
        psgi.write_text(LORE_PSGI)
        last_id = re.search(rb"^Message-I[Dd]:\s*<([^>]+)>", last, re.M | re.I).group(1).decode()

        with public_inbox_server(first, tmp / "server", psgi) as (base, inbox):
            def deliver() -> None:
                add_message(inbox, last)
                searchable(base, inbox, last_id)  # the archive's search sees it
            yield base[: -len("test/")].rstrip("/"), deliver

    return serve()


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_examples_print_what_the_docs_show(page):
    text = page.read_text()
    if "../shared" in text and not SHARED.exists():
        pytest.skip(f"{page.name} shows examples on ../shared, which is absent")
    if "docs-test: server" in text:
        from tests.public_inbox_server import missing_programs

        if missing_programs():
            pytest.skip(f"{page.name} needs Debian's public-inbox: {', '.join(missing_programs())} absent")
    problems = check_page(page)
    assert problems == [], "\n\n".join(problems)


def test_every_command_is_documented():
    readme = (ROOT / "README.md").read_text()
    for name, command in cli.commands.items():
        assert command.help and command.help.strip(), f"{name} has no help text"
        page = ROOT / "docs" / f"{name}.md"
        assert page.exists(), f"docs/{name}.md is missing"
        assert f"threadminer {name}" in page.read_text()
        assert f"docs/{name}.md" in readme, f"README does not link docs/{name}.md"


def test_help_examples_name_paths_that_exist():
    for name, command in cli.commands.items():
        for example in re.findall(r"Example: (threadminer .*)", command.help or ""):
            for arg in shlex.split(example)[2:]:
                if "/" in arg and not arg.startswith(("http", "-", "/tmp/")):
                    assert (ROOT / arg).exists(), f"`threadminer {name} --help` names {arg}, which does not exist"


def test_user_guide_exists_and_is_linked():
    assert (ROOT / "docs" / "guide.md").exists()
    assert "docs/guide.md" in (ROOT / "README.md").read_text()


if __name__ == "__main__":
    update = "--update" in sys.argv
    for page in PAGES:
        for problem in check_page(page, update=update):
            print(problem.split("\n")[0])
