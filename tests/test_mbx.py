"""git-am-ready mailboxes (issue 9): byte for byte b4's expected output on its follow-up
samples (corpus/b4/*-ref-*.txt), `git am` of the written mailbox giving the commits b4's
shazam/trailers tests expect (*.verify), sanitised file names and the `patches --json` record."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from threadminer.message import Message
from threadminer.patches import export_thread
from threadminer.report.mbx import file_stem, fold_header, is_scissors, mailinfo, slug, write_exports
from threadminer.sources import read

from .conftest import FIXTURES, corpus_path, have

SOB = "Test Override <test-override@example.com>"


def b4_messages(name: str) -> list[Message]:
    return [m for m in read(str(corpus_path("b4", name))) if isinstance(m, Message)]


# (sample, reference variant, export options): b4's test_followup_trailers parameters that
# threadminer offers (addmysob = signoff, addlink = link, sloppytrailers = sloppy).
REFS = [
    ("single", "defaults", {}),
    ("single", "addmysob", {"signoff": SOB}),
    ("single", "addlink", {"signoff": SOB, "link": "https://patch.msgid.link/%s"}),
    ("single", "sloppy", {"signoff": SOB, "sloppy": True}),
    ("with-cover", "defaults", {"signoff": SOB}),
    ("with-cover", "addlink", {"signoff": SOB, "link": "https://patch.msgid.link/%s"}),
    ("partial-reroll", "defaults", {"signoff": SOB}),
    ("nore", "defaults", {}),
    ("non-git-patch", "defaults", {}),
    ("non-git-patch-with-comments", "defaults", {}),
    ("with-diffstat", "defaults", {}),
    ("name-parens", "defaults", {}),
    ("bare-address", "defaults", {}),
    ("stripped-lines", "defaults", {}),
    ("htmljunk", "defaults", {}),
]


@pytest.mark.parametrize("source,variant,options", REFS)
def test_mbx_is_b4s_reference_output(source, variant, options):
    exports = export_thread(b4_messages(f"trailers-followup-{source}.mbox"), **options)
    want = corpus_path("b4", f"trailers-followup-{source}-ref-{variant}.txt").read_bytes()
    assert b"".join(e.mbx for e in exports) == want


def test_custody_followup_trailers_follow_the_chain():
    # The custody reference also has --cc-trailers output (Cc: of every recipient), which
    # threadminer does not write; the collected review trailers are the same.
    (export,) = export_thread(b4_messages("trailers-followup-custody.mbox"), signoff=SOB)
    text = export.mbx.decode()
    ref = corpus_path("b4", "trailers-followup-custody-ref-unordered.txt").read_text()
    for line in ("Reviewed-by: Followup Reviewer1 <followup-reviewer1@example.com>",
                 "Tested-by: Followup Reviewer2 <followup-reviewer2@example.com>",
                 "Link: https://lore.kernel.org/other@msgid.here  # bug discussion"):
        assert line in text and line in ref


def git_am(tmp_path, mbx: bytes, bundle) -> str:
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", "--branch", "master", str(bundle), str(repo)], check=True)
    (tmp_path / "s.mbx").write_bytes(mbx)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null"}
    ident = ["-c", "user.name=Test Override", "-c", "user.email=test-override@example.com"]
    subprocess.run(["git", *ident, "am", "-q", str(tmp_path / "s.mbx")], cwd=repo, check=True, env=env)
    return repo


# (sample mbox, .verify file, git log format, export options)
VERIFY = [
    ("shazam-git1-just-series.mbox", "shazam-git1-just-series-defaults.verify", "%ae%n%ce%n%s%n%b---", {}),
    ("shazam-git1-with-link.mbox", "shazam-git1-just-series-addlink.verify", "%ae%n%ce%n%s%n%b---",
     {"link": "https://patch.msgid.link/%s"}),
    ("trailers-thread-with-followups.mbox", "trailers-thread-with-followups.verify", "%ae%n%s%n%b---",
     {"signoff": SOB}),
    ("trailers-thread-with-cover-followup.mbox", "trailers-thread-with-cover-followup.verify", "%ae%n%s%n%b---",
     {"signoff": SOB}),
]


@pytest.mark.parametrize("sample,verify,fmt,options", VERIFY)
def test_git_am_gives_b4s_commits(tmp_path, sample, verify, fmt, options):
    if not have("git"):
        pytest.skip("git is not installed")
    bundle = corpus_path("b4", "gitdir.bundle")
    (export,) = export_thread(b4_messages(sample), **options)
    repo = git_am(tmp_path, export.mbx, bundle)
    log = subprocess.run(["git", "log", f"--format={fmt}", "HEAD~4.."], cwd=repo, check=True,
                         capture_output=True, text=True).stdout
    assert log == corpus_path("b4", verify).read_text()


# --- mailinfo rules -------------------------------------------------------------------------

@pytest.mark.parametrize("line,cut", [
    ("-- >8 --", True), ("------------------------ >8 ------------------------", True),
    ("--8<-- cut here --8<--", True), ("8<", False), ("- >8", False), ("see >8 below, it is fine", False),
    ("---", False)])
def test_scissors_lines(line, cut):
    assert is_scissors(line) == cut


def test_in_body_headers_and_scissors():
    body = ("Some chatter before the patch.\n\n-- >8 --\nFrom: Real Author <real@example.com>\n"
            "Subject: [PATCH] the real subject\n\nCommit text.\n\nSigned-off-by: Real Author <real@example.com>\n"
            "---\ndiff --git a/f b/f\n")
    author, subject, date, rest = mailinfo(body, "Sender <s@example.com>", "Re: chatter", "Mon, 1 Jan 2024 00:00:00 +0000")
    assert (author, subject) == ("Real Author <real@example.com>", "[PATCH] the real subject")
    assert rest.startswith("Commit text.")


def test_author_address_keeps_the_senders_case():
    # Kuan-Ying Lee writes "Kuan-Ying.Lee@mediatek.com"; the commit git am makes from the
    # message itself (and from b4's mailbox) keeps that spelling, so the export must too.
    msgs = [m for m in read(str(FIXTURES / "series" / "linux-modules-address-case.eml")) if isinstance(m, Message)]
    mbx = export_thread(msgs)[0].mbx.decode()
    assert "\nFrom: Kuan-Ying Lee <Kuan-Ying.Lee@mediatek.com>\n" in mbx
    assert msgs[0].author.email == "kuan-ying.lee@mediatek.com"  # people are still compared lowercased


def test_long_subjects_fold():
    folded = fold_header("Subject", "[PATCH v3 2/7] " + "word " * 30)
    assert all(len(line) <= 75 for line in folded.split("\n")) and folded.count("\n") >= 2
    assert " ".join(part.strip() for part in folded.split("\n")) == "Subject: [PATCH v3 2/7] " + " ".join(["word"] * 30)


# --- files and the JSON record ---------------------------------------------------------------

@pytest.mark.parametrize("title", [
    "../../etc/passwd", ".hidden", "a/b\\c\0d\x1b[31m", "é" * 300, "", "...", "\u202e evil", "CON"])
def test_slugs_are_safe(title):
    s = slug(title)
    assert s == "" or (s[0] != "." and all(c.isalnum() or c == "_" for c in s) and s.isascii())


def test_file_stem_is_bounded_and_never_empty():
    (export,) = export_thread(b4_messages("trailers-followup-with-cover.mbox"))
    stem = export.name
    assert stem.startswith("v2_20220830_test_simple_cover") and len(stem) <= 100
    from dataclasses import replace

    hostile = replace(export.series, title="/" * 50 + "\0\n" + "x" * 500, author_email="../..@x")
    stem = file_stem(hostile)
    assert len(stem) <= 100 and "/" not in stem and not stem.startswith(".") and stem.isascii()


def test_write_exports_record_matches_the_contract(tmp_path):
    exports = export_thread(b4_messages("trailers-followup-partial-reroll.mbox"), signoff=SOB)
    (record,) = write_exports(exports, str(tmp_path / "out"))
    json.dumps(record)
    for key in ("root_message_id", "cover_message_id", "version", "expected", "missing", "file", "patches"):
        assert key in record
    assert (record["version"], record["expected"], record["missing"]) == (3, 2, [])
    assert os.path.basename(record["file"]).startswith("v3_") and record["file"].endswith(".mbx")
    assert open(record["file"], "rb").read() == exports[0].mbx
    assert record["cover_file"].endswith(".cover") and os.path.exists(record["cover_file"])
    first = record["patches"][0]
    assert set(first) >= {"message_id", "counter", "subject", "author", "files", "trailers_added"}
    # b4's sample hunks promise 1 line and hold 6 (made-up test data): counted by the header.
    assert [f["path"] for f in first["files"]] == ["b4/junk.py"]
    assert first["trailers_added"] == ["Reviewed-by: Coverletter Reviewer1 <followup-reviewer1@example.com>"]
    assert first["carried_from_version"] == 2


def test_record_files_and_counts(tmp_path):
    (record,) = write_exports(export_thread(b4_messages("shazam-git1-just-series.mbox")), str(tmp_path))
    assert [(p["counter"], [(f["path"], f["added"], f["removed"]) for f in p["files"]]) for p in record["patches"]] == [
        (1, [("file2.txt", 0, 1)]), (2, [("file1.txt", 12, 0)]), (3, [("lipsum.txt", 12, 2)]),
        (4, [("lipsum.txt", 2, 2)])]  # as each patch's diffstat says


def test_two_exports_with_one_name_get_two_files(tmp_path):
    exports = export_thread(b4_messages("trailers-followup-single.mbox"))
    records = write_exports(list(exports) * 2, str(tmp_path))
    assert len({r["file"] for r in records}) == 2


def test_missing_patches_are_reported(tmp_path):
    msgs = [m for m in b4_messages("trailers-followup-with-cover.mbox") if m.message_id != "patch-1-message@example.com"]
    (export,) = export_thread(msgs)
    (record,) = write_exports([export], str(tmp_path))
    assert record["missing"] == [1] and [p["counter"] for p in record["patches"]] == [2]
    assert export.mbx.count(b"From git@z") == 1


def test_all_versions_and_a_given_version():
    msgs = b4_messages("trailers-followup-partial-reroll.mbox")
    assert [e.series.version for e in export_thread(msgs, all_versions=True)] == [2, 3]
    (v2,) = export_thread(msgs, version=2)
    assert [p.message_id for p in v2.series.patches] == ["patch-1-message@example.com", "patch-2-message@example.com"]
    assert export_thread(msgs, version=7) == ()


def test_series_listing_of_a_thread_with_two_revisions(cli, tmp_path):
    # Through the store, as `threadminer series` lists it.
    mbox = tmp_path / "reroll.mbox"
    mbox.write_bytes(corpus_path("b4", "trailers-followup-partial-reroll.mbox").read_bytes())
    [thread] = cli.json("series", str(mbox), "--json")["threads"]
    listing = thread["series"]
    assert [(r["version"], r["default"], r["partial_reroll"], len(r["patches"])) for r in listing] == [
        (2, False, False, 2), (3, True, True, 2)]
    v2 = listing[0]
    assert v2["patches"][1]["trailers_added"] == [
        "Reviewed-by: Followup Reviewer1 <followup-reviewer1@example.com>",
        "Reviewed-by: Coverletter Reviewer1 <followup-reviewer1@example.com>"]
    assert v2["patches"][0]["trailers_own"][-1] == "Signed-off-by: Original Submitter <original-submitter@example.com>"
    json.dumps(listing)


def test_pull_request_records(cli):
    [thread] = cli.json("series", str(corpus_path("patchwork", "mail", "0024-git-pull-request-trailing-space.mbox")),
                        "--json")["threads"]
    (record,) = thread["pull_requests"]
    assert record["pull_url"] == (
        "git://git.kernel.org/pub/scm/linux/kernel/git/nsekhar/linux-davinci.git tags/davinci-for-v5.6/soc")
    assert record["tip_commit"] == "5e06d19694a463a012c2589e29078196eb209448"
