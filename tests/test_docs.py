"""Every command has help text and a page in docs/, and the README links to it."""

from __future__ import annotations

from threadminer.cli import cli

from .conftest import ROOT


def test_every_command_is_documented():
    readme = (ROOT / "README.md").read_text()
    for name, command in cli.commands.items():
        assert command.help and command.help.strip(), f"{name} has no help text"
        page = ROOT / "docs" / f"{name}.md"
        assert page.exists(), f"docs/{name}.md is missing"
        assert f"threadminer {name}" in page.read_text() or f"`{name}`" in page.read_text()
        assert f"docs/{name}.md" in readme, f"README does not link docs/{name}.md"


def test_user_guide_exists_and_is_linked():
    assert (ROOT / "docs" / "guide.md").exists()
    assert "docs/guide.md" in (ROOT / "README.md").read_text()
