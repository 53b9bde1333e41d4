"""The HTML report in a real browser: Debian's chromium driven by Playwright for Python.

The seed thread's report renders offline with no console error, its quote depths fold and
unfold, its crash reports are folded, its diff lines are coloured; a screenshot of it is kept
in tests/artifacts/. Hostile mail (markup, event handlers and javascript: links in a subject,
a sender's name, a Message-ID and bodies) stays inert text: no dialog, no script or image
from mail, no javascript: link, no event handler attribute.

Skipped, with the reason, when chromium (`apt-get install chromium`) or Playwright (the
`test` extra) is absent. Playwright's own browser download is never used.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from pathlib import Path

import pytest

from threadminer.report.html import CSP, CSS, SCRIPT

from .conftest import ROOT, corpus_path
from .thread_helpers import hostile_thread

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"chromium is not installed ({CHROMIUM}; Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                                      args=ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page with its console errors, uncaught errors, dialogs and requests recorded."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1200, "height": 1600})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def report(cli, source, out: Path) -> Path:
    result = cli("summarize", source, "--format", "html", "-o", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def seed_report(tmp_path_factory):
    from .conftest import Cli

    folder = tmp_path_factory.mktemp("html")
    return report(Cli(str(folder / "store.sqlite3")), corpus_path("seed-thread", "thread.mbox"), folder / "seed.html")


def test_page_pins_its_only_script_and_style_by_hash(seed_report):
    html = seed_report.read_text()
    digest = lambda s: base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()  # noqa: E731
    assert f'content="{CSP}"' in html and "default-src 'none'" in CSP
    assert f"'sha256-{digest(SCRIPT)}'" in CSP and f"'sha256-{digest(CSS)}'" in CSP
    assert html.count("<script>") == 1 and html.count("<style>") == 1
    assert not re.search(r"<[^>]+\son\w+\s*=", html)          # no inline event handler
    assert not re.search(r"<[^>]+\sstyle\s*=", html)          # no style attribute (CSP forbids them)


def test_seed_report_in_the_browser(browser, seed_report):
    w = Watched(browser, seed_report)
    page = w.page
    assert page.title().startswith("[RFC PATCH] mm: move xa forward when run across zombie page")
    headings = page.locator("h2").all_inner_texts()
    for name in ("What happened", "Timeline", "Participants", "Proposals and outcomes", "Crash reports",
                 "Open questions", "The thread"):
        assert name in headings
    assert page.locator("svg.timeline circle").count() >= 27
    assert page.locator("article.msg").count() == 27

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "seed-report.png"
    page.screenshot(path=str(shot))
    print(f"screenshot of the seed thread's report: {shot}")

    # Quotes: a depth-2 quote and the depth-1 quote around it, in Dave Chinner's message of
    # 20 Oct 2022 (the seed message).
    seed_msg = page.locator("article.msg", has_text="20221019234256.GR2703033@dread.disaster.area").first
    depth1 = seed_msg.locator('details.q[data-depth="1"] > pre').first
    depth2 = seed_msg.locator('details.q[data-depth="2"] > pre').first
    assert depth1.is_visible() and depth2.is_visible()
    page.click('button[data-quote-depth="2"]')
    assert depth1.is_visible() and not depth2.is_visible()
    page.click('button[data-quote-depth="1"]')
    assert not depth1.is_visible()
    page.click('button[data-quote-depth="99"]')
    assert depth1.is_visible() and depth2.is_visible()
    # One quote folds by its own summary.
    seed_msg.locator('details.q[data-depth="2"] > summary').first.click()
    assert not depth2.is_visible() and depth1.is_visible()

    # Crash reports are folded until opened.
    crash = seed_msg.locator("details.crash", has_text="WARNING in iomap_page_release")
    assert crash.count() == 1 and not crash.locator("pre").is_visible()
    crash.locator("summary").click()
    assert crash.locator("pre").is_visible()
    assert "iomap_page_release" in crash.locator("pre").inner_text()

    # Matthew Wilcox's diff, quoted in the seed message: added and removed lines coloured.
    added = seed_msg.locator("span.add", has_text="xas_lock_irqsave")
    assert added.count() >= 1
    colour = added.first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(218, 251, 225)"
    assert seed_msg.locator("span.del", has_text="folio_try_get_rcu").count() >= 1
    # Only the lines of diffs the diffs analysis found: Dave's "-Dave." sign-off is no removal.
    assert seed_msg.locator("span.del", has_text="-Dave.").count() == 0
    assert "-Dave." in seed_msg.inner_text()

    assert w.errors == [] and w.dialogs == []
    assert all(url.startswith("file://") for url in w.requests), w.requests  # offline: nothing fetched


def test_hostile_mail_stays_inert(browser, cli, tmp_path):
    path = report(cli, hostile_thread(tmp_path), tmp_path / "hostile.html")
    w = Watched(browser, path)
    page = w.page
    page.wait_for_timeout(300)
    assert w.dialogs == []
    assert page.locator("script").count() == 1            # the page's own, nothing from mail
    for tag in ("img", "iframe", "meta[http-equiv=refresh]", "svg[onload]"):
        assert page.locator(tag).count() == 0, tag
    handlers = page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(
        e => [...e.attributes].filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name))""")
    assert handlers == []
    hrefs = page.evaluate("() => [...document.querySelectorAll('[href]')].map(e => e.getAttribute('href'))")
    assert hrefs and all(h.startswith("#") or h.startswith("https://lore.kernel.org/r/") for h in hrefs), hrefs
    assert not any("javascript:" in h.split("/r/", 1)[0] for h in hrefs)
    # The mail is shown as text.
    assert "<script>alert(1)</script>" in page.locator("h1").first.inner_text()
    body = page.locator("article.msg").nth(1).inner_text()
    assert "<script>alert(10)</script><svg onload=alert(11)>" in body
    assert w.errors == []
    assert all(url.startswith("file://") for url in w.requests), w.requests
