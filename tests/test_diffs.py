"""Diffs in mail: Patchwork's parser test mails (every expectation EXPECTED.md asserts about
diffs), b4's patch samples, the seed page and the seed thread, and real damaged or tricky
mail from linux-modules and the git list (fixtures/diffs, provenance in fixtures/README.md)."""

from __future__ import annotations

import re
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from unidiff import PatchSet

from threadminer.analysis.diff_repair import looks_like_prose
from threadminer.analysis.diffs import Diff, find_diffs, might_hold_diff
from threadminer.analysis.quotes import ThreadContext, parse
from threadminer.message import Message, parse_bytes
from threadminer.sources import read

from .conftest import FIXTURES, corpus_path, seed_page

NO_NEWLINE = "\\ No newline at end of file"


def messages(path) -> list[Message]:
    return [m for m in read(str(path)) if isinstance(m, Message)]


def only(path) -> Message:
    [msg] = messages(path)
    return msg


def patchwork_mail(name: str) -> Message:
    return only(corpus_path("patchwork", "mail", name))


def own(diffs: tuple[Diff, ...]) -> list[Diff]:
    """The author's own patch(es): unquoted, not an interdiff or range-diff."""
    return [d for d in diffs if d.depth == 0 and d.kind == "diff"]


def files(diff: Diff) -> list[tuple]:
    return [(f.path, f.status, f.added, f.removed) for f in diff.files]


# --- Patchwork: patchwork/tests/unit/test_parser.py on corpus/patchwork/mail ---------------------

@pytest.mark.parametrize("name", [
    "0001-git-pull-request.mbox", "0002-git-pull-request-wrapped.mbox", "0004-git-pull-request-git+ssh.mbox",
    "0005-git-pull-request-ssh.mbox", "0006-git-pull-request-http.mbox", "0017-git-pull-request-git-2-14-3.mbox",
    "0023-git-pull-request-newline-in-url.mbox", "0024-git-pull-request-trailing-space.mbox"])
def test_pull_requests_without_a_diff_have_none(name):
    """EXPECTED.md: test_git_pull_request & co assert `diff is None` (the shortlog and
    diffstat of a pull request are not a diff)."""
    assert find_diffs(patchwork_mail(name)) == ()


def test_pull_request_with_a_diff_has_it():
    """test_git_pull_with_diff: the diff starts with 'diff --git a/arch/x86/include/asm/smp.h'."""
    [diff] = find_diffs(patchwork_mail("0003-git-pull-request-with-diff.mbox"))
    assert diff.text.startswith("diff --git a/arch/x86/include/asm/smp.h")
    # Observed (EXPECTED.md): 3 files, 3 hunks, +11/-6.
    assert [f.path for f in diff.files] == ["arch/x86/include/asm/smp.h", "arch/x86/kernel/acpi/sleep.c",
                                            "arch/x86/kernel/cpu/mtrr/main.c"]
    assert (diff.hunks, diff.added, diff.removed, diff.truncated, diff.repaired) == (3, 11, 6, False, False)


def test_cvs_index_diff():
    """test_cvs_format: the diff starts with 'Index' (here in a text/plain attachment)."""
    [diff] = find_diffs(patchwork_mail("0007-cvs-format-diff.mbox"))
    assert diff.text.startswith("Index: bfd/elf-bfd.h\n====")
    assert diff.format == "index" and diff.attachment == "dd-2.patch"
    assert files(diff) == [("bfd/elf-bfd.h", "modified", 2, 0), ("bfd/elflink.c", "modified", 3, 0),
                           ("bfd/elfxx-mips.c", "modified", 1, 0)]
    assert "RCS file: /cvs/src/src/bfd/elflink.c,v" in diff.text


def test_pure_renames():
    """test_git_rename: two "rename from" and two "rename to" lines, no hunk."""
    [diff] = find_diffs(patchwork_mail("0008-git-rename.mbox"))
    assert diff.text.count("\nrename from ") == 2 and diff.text.count("\nrename to ") == 2
    assert diff.hunks == 0
    assert [(f.status, f.old_path.rsplit("/", 1)[1], f.path.rsplit("/", 1)[1]) for f in diff.files] == [
        ("renamed", "rpi-userland-add-pkgconfig-files.patch", "rpi-userland-000-add-pkgconfig-files.patch"),
        ("renamed", "rpi-userland-makefiles-0001-cmake-vmcs.cmake-allow-to-override-VMCS_IN.patch",
         "rpi-userland-001-makefiles-cmake-vmcs.cmake-allow-to-override-VMCS_IN.patch")]
    assert not diff.text.rstrip().endswith("1.8.1.2")  # the signature after the patch is not in it


def test_rename_with_a_diff():
    """test_git_rename_with_diff: 2 renames and one '\\n-a\\n+b'."""
    [diff] = find_diffs(patchwork_mail("0009-git-rename-with-diff.mbox"))
    assert diff.text.count("\nrename from ") == 2 and diff.text.count("\nrename to ") == 2
    assert diff.text.count("\n-a\n+b") == 1
    assert [f.status for f in diff.files] == ["renamed", "renamed"]
    assert (diff.files[0].added, diff.files[0].removed) == (1, 1)
    # The hand-made hunk promises 7 lines and holds 6: said, not hidden.
    assert diff.truncated and not diff.repaired


def test_invalid_charset_mail_has_its_diff():
    """test_invalid_charset: diff and message found."""
    [diff] = find_diffs(patchwork_mail("0010-invalid-charset.mbox"))
    assert files(diff) == [("sysdeps/x86_64/fpu/multiarch/e_pow.c", "modified", 1, 0)]


def test_no_newline_at_end_of_file():
    """test_no_newline: the diff starts with 'diff --git a/tools/testing/selftests/powerpc/Makefile',
    ends with the marker and holds it twice; the message text does not end with it."""
    msg = patchwork_mail("0011-no-newline-at-end-of-file.mbox")
    [diff] = find_diffs(msg)
    assert diff.text.startswith("diff --git a/tools/testing/selftests/powerpc/Makefile")
    assert diff.text.endswith(NO_NEWLINE + "\n")
    assert diff.text.count(NO_NEWLINE) == 2 and diff.no_newline == 2
    lines = msg.body.split("\n")
    outside = lines[:diff.first_line - 1] + lines[diff.last_line:]
    assert not "\n".join(outside).rstrip().endswith(NO_NEWLINE)
    assert [f.status for f in diff.files] == ["modified", "added", "added"]


@pytest.mark.parametrize("name", ["0012-invalid-header-char.mbox", "0013-with-utf8-body.mbox",
                                  "0014-with-unencoded-utf8-headers.mbox", "0015-with-invalid-utf8-headers.mbox",
                                  "0016-no-subject.mbox"])
def test_encoding_test_mails_carry_one_patch(name):
    """EncodingParseTest and test_no_subject: exactly one patch is stored from each."""
    assert len(own(find_diffs(patchwork_mail(name)))) == 1


def test_html_alternative_is_ignored():
    """test_html_multipart: the diff comes from the text/plain part, no '<div'."""
    [diff] = find_diffs(patchwork_mail("0019-multipart-patch.mbox"))
    assert "<div" not in diff.text and diff.text.startswith("diff --git a/patchwork/parser.py")
    # The part's last line, an empty context line, went with the MIME boundary: put back, and said.
    assert (diff.added, diff.removed, diff.truncated, diff.repaired) == (3, 1, False, True)
    assert any("lost at the end" in note for note in diff.notes)


def test_multipart_comment_has_no_diff():
    """CommentParseTest.test_html_multipart: a reply, a comment, no diff."""
    assert find_diffs(patchwork_mail("0020-multipart-comment.mbox")) == ()


def test_empty_new_file():
    """test_git_new_empty_file: a header-only diff ('new file mode' and index, no hunk)."""
    [diff] = find_diffs(patchwork_mail("0021-git-empty-new-file.mbox"))
    assert files(diff) == [("banana", "added", 0, 0)] and diff.hunks == 0


def test_mode_change():
    """test_git_mode_change: a header-only diff (old mode/new mode)."""
    [diff] = find_diffs(patchwork_mail("0022-git-mode-change.mbox"))
    assert files(diff) == [("scripts/kconfig/nconf-cfg.sh", "mode", 0, 0)]
    assert "old mode 100644\nnew mode 100755" in diff.text


def test_add_binary_file():
    """test_git_add_binary_file: starts with 'diff --git pixel.bmp pixel.bmp', holds the
    binary patch with both literal blocks."""
    [diff] = find_diffs(patchwork_mail("0025-git-add-binary-file.mbox"))
    assert diff.text.startswith("diff --git pixel.bmp pixel.bmp")
    for part in ("GIT binary patch\n", "literal 142\n", "literal 0\n"):
        assert part in diff.text
    [f] = diff.files
    assert (f.path, f.status, f.binary) == ("pixel.bmp", "added", True)
    assert "2.35.3" not in diff.text


def test_add_mixed_binary_and_text_files():
    """test_git_add_mixed_binary_text_files."""
    [diff] = find_diffs(patchwork_mail("0026-git-add-mixed-binary-text-files.mbox"))
    assert diff.text.startswith("diff --git pixel.bmp pixel.bmp")
    assert "GIT binary patch\n" in diff.text and "diff --git quit.sh quit.sh\n" in diff.text
    assert [(f.path, f.binary, f.added) for f in diff.files] == [("pixel.bmp", True, 0), ("quit.sh", False, 3)]


def test_modify_binary_file():
    """test_git_modify_binary_file."""
    [diff] = find_diffs(patchwork_mail("0027-git-modify-binary-file.mbox"))
    assert diff.text.startswith("diff --git pixel.bmp pixel.bmp")
    for part in ("GIT binary patch\n", "literal 0\n", "literal 142\n"):
        assert part in diff.text
    assert [(f.status, f.binary) for f in diff.files] == [("modified", True)]


def test_fuzzed_mail_gives_no_traceback():
    """WeirdMailTest: broken mail must not break the parser."""
    folder = corpus_path("patchwork", "fuzz")
    for path in sorted(folder.iterdir()):
        for msg in messages(path):
            find_diffs(msg)


# Patchwork's InlinePatchTest family builds mails from patches/0001-add-line.patch: a comment,
# then the diff inline or attached; find_patch_content must return the diff exactly.

def built(content: str, attach: str | None = None, subtype: str = "x-patch", charset: str = "us-ascii") -> Message:
    if attach is None:
        mail = MIMEText(content, _charset=charset)
    else:
        mail = MIMEMultipart()
        mail.attach(MIMEText(content, _subtype="plain"))
        mail.attach(MIMEText(attach, _subtype=subtype))
    mail["Message-Id"] = "<built@example.com>"
    mail["From"] = "Test Author <test-author@example.com>"
    mail["Subject"] = "Test subject"
    return parse_bytes(mail.as_bytes())


@pytest.mark.parametrize("comment", [
    "Test for attached patch",  # InlinePatchTest
    "Test comment\nmore comment\n-- \nsig",  # SignatureCommentTest: the diff after a signature
    "Test comment\nmore comment\n_______________________________________________\nLinuxppc-dev mailing list",  # ListFooterTest
    'Lines can start with words beginning in "diff"\ndifficult\nDifferent',  # DiffWordInCommentTest
    "Test comment\nmore comment\n---\nUpdate: test update",  # UpdateCommentTest
])
def test_inline_patch_is_found_exactly(comment):
    patch = corpus_path("patchwork", "patches", "0001-add-line.patch").read_text()
    [diff] = find_diffs(built(comment + "\n" + patch))
    assert diff.text == patch
    assert (diff.files[0].path, diff.added, diff.removed) == ("meep.text", 1, 0)


@pytest.mark.parametrize("subtype", ["x-patch", "x-diff"])
def test_attached_patch_is_found_exactly(subtype):
    """AttachmentPatchTest / AttachmentXDiffPatchTest."""
    patch = corpus_path("patchwork", "patches", "0001-add-line.patch").read_text()
    [diff] = find_diffs(built("Test for attached patch", patch, subtype))
    assert diff.text == patch and diff.attachment == f"text/{subtype}"
    assert (diff.voice, diff.depth, diff.author) == (0, 0, "Test Author")


def test_utf8_inline_patch():
    """UTF8InlinePatchTest."""
    patch = corpus_path("patchwork", "patches", "0002-utf-8.patch").read_text(encoding="utf-8")
    [diff] = find_diffs(built("Test for attached patch\n" + patch, charset="utf-8"))
    assert diff.text == patch and "meëp" in diff.text


# --- Patchwork series: which messages carry a patch ------------------------------------------------

SERIES = ["base-cover-letter", "base-deep-threaded", "base-different-versions", "base-extra-patches",
          "base-incomplete", "base-no-cover-letter", "base-no-references-no-cover", "base-no-references",
          "base-out-of-order", "base-single-patch", "bugs-mixed-versions", "bugs-multiple-content-types",
          "bugs-multiple-references", "bugs-nocover-noversion", "bugs-nocover", "bugs-spamming",
          "bugs-unnumbered", "dependency-base-patch", "mercurial-cover-letter", "mercurial-no-cover-letter",
          "revision-basic", "revision-no-cover-letter", "revision-out-of-order", "revision-threaded-to-cover",
          "revision-threaded-to-patch", "revision-threaded-to-single-patch", "revision-unlabeled-noreferences",
          "revision-unlabeled"]


def expected_section(name: str) -> str:
    text = corpus_path("patchwork", "EXPECTED.md").read_text()
    return text.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0]


@pytest.mark.parametrize("name", SERIES)
def test_series_messages_with_and_without_a_patch(name):
    """Asserted: the [covers, patches, comments] counts (a patch is a mail carrying a diff);
    Observed (Patchwork's own functions): files and hunks of each mail's diff."""
    section = expected_section(f"{name}.mbox")
    msgs = messages(corpus_path("patchwork", "series", f"{name}.mbox"))
    found = [own(find_diffs(m)) for m in msgs]
    counts = re.search(r"counts \[(\d+)[^,\]]*,\s*(\d+)", section)
    if counts:
        assert sum(1 for f in found if f) == int(counts.group(2))
    observed = re.findall(r"^\s+\d+\. .* -> .*?(no diff|diff \d+ lines/(\d+) files/(\d+) hunks)", section, re.M)
    assert len(observed) == len(msgs)
    for msg, diffs, (what, nfiles, nhunks) in zip(msgs, found, observed):
        if what == "no diff":
            assert diffs == [], msg.subject
        else:
            [diff] = diffs
            assert (len(diff.files), diff.hunks) == (int(nfiles), int(nhunks)), msg.subject


# --- b4's samples that carry a patch ----------------------------------------------------------------

@pytest.mark.parametrize("name,fmt,start", [
    ("trailers-followup-non-git-patch.mbox", "unified", "--- a/b4/junk.py"),
    ("trailers-followup-non-git-patch-with-comments.mbox", "unified", "--- a/b4/junk.py"),
    ("trailers-followup-stripped-lines.mbox", "unified", "--- a/b4/junk.py"),
    ("trailers-followup-with-diffstat.mbox", "git", "diff --git a/b4/junk.py"),
    ("trailers-followup-single.mbox", "git", "diff --git a/b4/junk.py"),
])
def test_b4_patch_samples(name, fmt, start):
    """NOTES.md: plain `--- a/ +++ b/` patches, blank context lines without their space, a
    diffstat before the diff. The hunk header these samples carry ("@@@ -1,1 +1,1 @@") was
    edited by hand and counts fewer lines than follow: recounted, and said."""
    msgs = messages(corpus_path("b4", name))
    [diff] = own(find_diffs(msgs[0]))
    assert diff.format == fmt and diff.text.startswith(start)
    assert files(diff) == [("b4/junk.py", "modified", 1, 1)] and diff.hunks == 1
    assert "2.wong.fu" not in diff.text and "insertion" not in diff.text  # no signature, no diffstat
    assert diff.repaired and any("recounted" in note for note in diff.notes)
    assert all(find_diffs(reply) == () for reply in msgs[1:])


# --- the seed page and the seed thread --------------------------------------------------------------

SEED_THREAD_DIFFS = {
    # Message-ID: [(depth, author, files, hunks, truncated, message-ID of the diff's voice)]
    "1665725448-31439-1-git-send-email-zhaoyang.huang@unisoc.com": [
        (0, "zhaoyang.huang", [("mm/filemap.c", "modified", 3, 1)], 1, False, None)],
    "Y1AWXiJdyjdLmO1E@casper.infradead.org": [
        (0, "Matthew Wilcox", [("mm/filemap.c", "modified", 24, 4)], 4, False, None)],
    "20221019220424.GO2703033@dread.disaster.area": [
        (1, "Matthew Wilcox", [("mm/filemap.c", "modified", 6, 1)], 1, True, "Y1AWXiJdyjdLmO1E@casper.infradead.org")],
    "20221019224616.GP2703033@dread.disaster.area": [
        (2, "Matthew Wilcox", [("mm/filemap.c", "modified", 6, 1)], 1, True, "Y1AWXiJdyjdLmO1E@casper.infradead.org")],
    "20221019234256.GR2703033@dread.disaster.area": [
        (3, "Matthew Wilcox", [("mm/filemap.c", "modified", 6, 1)], 1, True, "Y1AWXiJdyjdLmO1E@casper.infradead.org")],
    "Y1lZ9Rm87GpFRM/Q@casper.infradead.org": [
        (0, "Matthew Wilcox", [("include/linux/xarray.h", "modified", 7, 2), ("mm/filemap.c", "modified", 3, 1)], 3,
         False, None)],
    "20221028040554.GU2703033@dread.disaster.area": [
        (1, "Matthew Wilcox", [("include/linux/xarray.h", "modified", 7, 2), ("mm/filemap.c", "modified", 3, 1)], 3,
         False, "Y1lZ9Rm87GpFRM/Q@casper.infradead.org")],
}


def seed_thread() -> tuple[list[Message], ThreadContext]:
    msgs = messages(corpus_path("seed-thread", "thread.mbox"))
    return msgs, ThreadContext(msgs)


def test_seed_page_has_exactly_one_diff_by_matthew_wilcox():
    """Issue 9: mm/filemap.c, +6/-1, depth 3, by Matthew Wilcox, truncated and repaired (the
    page lost the leading space of its context lines; the excerpt stops before the hunk's end)."""
    msg = only(seed_page())
    msgs, context = seed_thread()
    for tree in (parse(msg, context), parse(msg), None):
        [diff] = find_diffs(msg, tree)
        assert files(diff) == [("mm/filemap.c", "modified", 6, 1)]
        assert (diff.depth, diff.voice, diff.author, diff.truncated, diff.repaired) == (
            3, 3, "Matthew Wilcox", True, True)
    tree = parse(msg, context)
    [diff] = find_diffs(msg, tree)
    assert tree.voices[diff.voice].source_message_id == "Y1AWXiJdyjdLmO1E@casper.infradead.org"
    assert tree.voice_at(diff.first_line).index == diff.voice
    # The repaired text: the three context lines got their space back, the header is kept.
    lines = diff.text.split("\n")
    assert lines[4] == "@@ -1860,8 +1860,13 @@ static void *mapping_get_entry(struct address_space *mapping, pgoff_t index)"
    assert lines[5:8] == [" if (!folio || xa_is_value(folio))", " goto out;", ""]
    assert " goto repeat;" in lines
    assert diff.notes == ("mm/filemap.c hunk 1: 3 context lines had lost their leading space",
                          "mm/filemap.c hunk 1: 5 of 8 old and 10 of 13 new lines present")


def test_seed_thread_diffs_and_their_authors():
    """zhaoyang.huang's RFC patch carries its diff; Matthew Wilcox's two patches posted as
    replies are found, and so are the quotes of them, each with its author and source."""
    msgs, context = seed_thread()
    assert len(msgs) == 27
    seen = {}
    for msg in msgs:
        tree = parse(msg, context)
        diffs = find_diffs(msg, tree)
        if diffs:
            seen[msg.message_id] = [(d.depth, d.author, files(d), d.hunks, d.truncated,
                                     tree.voices[d.voice].source_message_id if d.depth else None) for d in diffs]
    assert seen == SEED_THREAD_DIFFS


def test_seed_thread_diff_text_is_the_patch():
    """The quoted copy (Dave Chinner quoting all of Matthew's patch) reads as the patch itself."""
    msgs, context = seed_thread()
    by_id = {m.message_id: m for m in msgs}
    [posted] = find_diffs(by_id["Y1lZ9Rm87GpFRM/Q@casper.infradead.org"])
    [quoted] = find_diffs(by_id["20221028040554.GU2703033@dread.disaster.area"])
    assert quoted.text == posted.text
    assert PatchSet(posted.text).added == 10


# --- real mail: fixtures/diffs ----------------------------------------------------------------------

def fixture(name: str) -> Message:
    return only(FIXTURES / "diffs" / name)


def test_range_diff_after_the_commentary_is_labelled_not_the_patch():
    """git 2.24 writes "Range-diff against v1:" after a single patch's "---"; the patch follows
    its diffstat."""
    range_diff, patch = find_diffs(fixture("range-diff-in-patch.eml"))
    assert (range_diff.kind, range_diff.format) == ("range-diff", "range-diff")
    assert range_diff.text.startswith('1:  48205889b4 ! 1:  9246beacf2 sequencer: handle rebase-merge for "onto"')
    assert (range_diff.added, range_diff.removed) == (4, 4)
    assert patch.kind == "diff" and patch.text.startswith("diff --git a/sequencer.c")
    assert files(patch) == [("sequencer.c", "modified", 5, 0), ("t/t3430-rebase-merges.sh", "modified", 21, 0)]


def test_bare_range_diff_label():
    """"Range-diff:" (git's label when the previous version is not numbered), written as the
    same fixture with the label changed."""
    msg = fixture("range-diff-in-patch.eml")
    body = msg.body.replace("Range-diff against v1:", "Range-diff:")
    kinds = [d.kind for d in find_diffs(Message(**{**msg.__dict__, "body": body}))]
    assert kinds == ["range-diff", "diff"]


def test_interdiff_in_a_cover_letter():
    """linux-modules, [PATCH v2 0/4]: "Interdiff against v1:" then a git diff, then the signature."""
    [diff] = find_diffs(fixture("interdiff-in-patch.eml"))
    assert diff.kind == "interdiff" and diff.text.startswith("diff --git a/scripts/mod/modpost.c")
    assert files(diff) == [("scripts/mod/modpost.c", "modified", 15, 12)]
    assert "2.23.0" not in diff.text


def test_indented_interdiff_then_the_patch():
    """git indents a single patch's interdiff by two spaces; its empty context lines lost
    even that (trailing whitespace stripped). The patch follows, after the diffstat, and ends
    at a "--" signature whose space was stripped too."""
    interdiff, patch = find_diffs(fixture("indented-interdiff-in-patch.eml"))
    assert interdiff.kind == "interdiff" and interdiff.text.startswith("diff --git a/Documentation/git-gui.txt")
    assert (interdiff.added, interdiff.removed, interdiff.truncated) == (2, 4, False)
    assert patch.kind == "diff" and files(patch) == [("Documentation/git-gui.txt", "modified", 2, 8)]
    assert not patch.truncated and "2.21.0" not in patch.text and patch.text.endswith(" ---\n")


def test_outlook_rewrapped_quoted_patch_is_repaired():
    """Outlook re-wrapped a quoted patch at 76 columns: the hunk header's tail and a code
    line's tail start lines of their own. The counts say both are tails: the hunk is whole."""
    [diff] = find_diffs(fixture("outlook-rewrapped-quoted-patch.eml"))
    assert files(diff) == [("drivers/vfio/vfio_main.c", "modified", 1, 1)]
    assert (diff.depth, diff.truncated, diff.repaired) == (1, False, True)
    assert "@@ -923,7 +923,7 @@ vfio_ioctl_device_feature_mig_device_state(struct vfio_device *device," in diff.text
    assert " \tfilp = device->mig_ops->migration_set_state(device, mig.device_state);" in diff.text
    assert PatchSet(diff.text).added == 1


def test_no_break_spaces_for_context_spaces():
    """An HTML mailer turned the context lines' leading space into U+00A0 in two quoted diffs.
    In the first, the empty context line after "break;" was also joined to the next line
    (its only character, a space, read as a soft line break): one line short, truncated; the
    "> " under the quote is the replier's, not the missing line."""
    first, second = find_diffs(fixture("nbsp-quoted-diffs.eml"))
    assert files(first) == [("kernel/module/main.c", "modified", 7, 0)]
    assert files(second) == [("llvm/lib/ObjCopy/ELF/ELFObject.cpp", "modified", 5, 1)]
    assert (first.truncated, second.truncated) == (True, False)
    assert "kernel/module/main.c hunk 1: 5 of 6 old and 12 of 13 new lines present" in first.notes
    assert first.last_line == 220
    for diff in (first, second):
        assert diff.repaired
        assert any("no-break space" in note for note in diff.notes)
        assert "\n\u00a0" not in diff.text


def test_hard_wrapped_own_patch():
    """A patch sent through a wrapping mailer: two long lines broke; joined back, the hunk is
    exactly as long as its header says."""
    [diff] = find_diffs(fixture("hard-wrapped-own-patch.eml"))
    assert files(diff) == [("kernel/module.c", "modified", 27, 1)]
    assert (diff.truncated, diff.repaired) == (False, True)
    assert '+               pr_info("Cannot display module list because it is locked\\n");' in diff.text
    assert " const struct exception_table_entry *search_module_extables(unsigned long addr)" in diff.text


def test_review_interleaved_with_comments_is_one_quoted_patch():
    """A review quotes the patch in pieces between comments (and unquoted blank lines, which
    the quote tree joins to the quote): one diff, the patch author's, truncated where cut."""
    [diff] = find_diffs(fixture("review-interleaved-with-comments.eml"))
    assert (diff.depth, diff.author) == (1, "Christoph Hellwig")
    assert files(diff) == [("kernel/module/internal.h", "modified", 1, 0), ("kernel/module/main.c", "modified", 8, 3)]
    assert diff.truncated and diff.hunks == 4
    assert "interrupted by other text 2 times" in diff.notes
    assert "We'd want to add here" not in diff.text


def test_combined_diffs_in_a_pull_request():
    """A pull request shows merge-conflict resolutions as combined diffs (`diff --cc`, and one
    without its header), then an ordinary git diff."""
    diffs = find_diffs(fixture("pull-request-combined-diffs.eml"))
    assert [(d.format, [f.path for f in d.files]) for d in diffs] == [
        ("combined", ["rust/macros/module.rs"]), ("combined", ["rust/kernel/str.rs"]),
        ("git", ["rust/kernel/module_param.rs", "rust/macros/module.rs"])]
    assert (diffs[1].added, diffs[1].removed, diffs[1].truncated) == (5, 1, False)


def test_tight_quoted_patch():
    """K-9 Mail quotes with ">" and no space ("> \tfoo" is a context line, ">+foo" an added
    one): the whole quoted patch, with the counts its diffstat gives."""
    [diff] = find_diffs(fixture("tight-quoted-patch.eml"))
    assert (diff.depth, diff.author, diff.truncated, diff.repaired) == (1, "Peter Zijlstra", False, False)
    assert [f.path for f in diff.files] == ["arch/x86/kernel/fpu/core.c", "kernel/module/main.c",
                                            "scripts/mod/modpost.c"]
    assert (diff.added, diff.removed) == (47, 12)  # "3 files changed, 47 insertions(+), 12 deletions(-)"
    assert "\n-EXPORT_SYMBOL_GPL(fpu_swap_kvm_fpstate);\n" in diff.text


def test_flowed_join_of_an_empty_context_line():
    """Thunderbird sent the empty context line " " space-stuffed ("  ") in a format=flowed
    body; read as RFC 3676 says, it is a soft break that joins it to the added line after it
    (" +\tif (..."). Decoding keeps a line of spaces a hard break, so the diff is whole."""
    [diff] = find_diffs(fixture("flowed-joined-empty-context.eml"))
    assert files(diff) == [("kernel/module/main.c", "modified", 6, 0)]
    assert (diff.truncated, diff.repaired) == (False, False)
    assert "\t}\n \n+\tif (!(shdr->sh_flags & SHF_WRITE)) {\n" in diff.text
    assert not [n for n in diff.notes if "diffstat" in n]


def test_joined_empty_context_line_is_repaired():
    """The same patch as a literal RFC 3676 decoder gives it (an archive page of that
    message shows the join): one added line short of the header. The hunk runs to the
    signature, so it is no excerpt; split again, the counts and the diffstat agree."""
    body = fixture("flowed-joined-empty-context.eml").body.replace("\t}\n \n+\tif (!(shdr", "\t}\n +\tif (!(shdr")
    assert " +\tif (!(shdr" in body
    [diff] = find_diffs(built(body))
    assert files(diff) == [("kernel/module/main.c", "modified", 6, 0)]
    assert (diff.truncated, diff.repaired) == (False, True)
    assert "\t}\n\n+\tif (!(shdr->sh_flags & SHF_WRITE)) {\n" in diff.text
    assert not [n for n in diff.notes if "diffstat" in n]


def test_quoted_file_header_without_hunks_is_truncated():
    """A reply quoting a file's header lines and cutting all its hunks ("[ ... ]"), as in
    linux-modules <b6c00e7ecc633ab02ee8689f5647ce9090cf72d75f5bf9f2cc2c09983d963b58@mail.kernel.org>:
    git never writes "---"/"+++" without a hunk, so the diff is an excerpt."""
    path = "tools/include/uapi/linux/module_signature.h"
    [diff] = find_diffs(built(f"> diff --git a/{path} b/{path}\n> --- /dev/null\n> +++ b/{path}\n\n[ ... ]\n\nWhy?"))
    assert files(diff) == [(path, "added", 0, 0)] and diff.truncated


def test_dash_signoff_is_not_a_removed_line():
    """"-Saravana" under a pasted diff is a sign-off, not the hunk's next line."""
    [diff] = find_diffs(fixture("dash-signoff-after-diff.eml"))
    assert files(diff) == [("kernel/module/signing.c", "modified", 5, 0)]
    assert "Saravana" not in diff.text and not diff.repaired


def test_pasted_git_diff_output_with_wrapped_lines():
    """`$ git diff` output pasted into Gmail: long lines wrapped, "- Sedat -" below."""
    first, second = find_diffs(fixture("pasted-git-diff-wrapped.eml"))
    assert files(first) == [("scripts/module.lds.S", "modified", 0, 2)]
    assert files(second) == [("scripts/kallsyms.c", "modified", 0, 1)]
    assert all(d.repaired and not d.truncated for d in (first, second))
    assert "Sedat" not in second.text


def test_hunk_header_without_numbers():
    """"@@ -XXX,10 +XXX,13 @@": the counts come from the lines, and the note says so."""
    [diff] = find_diffs(fixture("hunk-header-without-numbers.eml"))
    assert files(diff) == [("kernel/module/decompress.c", "modified", 5, 1)]
    assert "@@ -XXX,10 +XXX,13 @@" in diff.text
    assert any("no line numbers" in note for note in diff.notes)
    # Its diffstat (made up with the rest) disagrees with the lines: said in a note.
    assert "the diffstat above it says +4/-1" in diff.notes


def test_quoted_git_header_then_hunk():
    """A reply kept "diff --git" and cut index/---/+++: the file is still named."""
    [diff] = find_diffs(fixture("quoted-git-header-then-hunk.eml"))
    assert [f.path for f in diff.files] == ["kernel/kallsyms_selftest.c"] and diff.depth == 1


def test_cover_letter_inline_patch_and_series_diffstat():
    """A cover letter carries a patch inline, then the series' shortlog and diffstat: the
    diffstat after the patch is not part of it."""
    [diff] = find_diffs(fixture("cover-letter-with-inline-patch.eml"))
    assert [f.path for f in diff.files] == ["kernel/module/main.c", "scripts/Makefile.modpost",
                                            "scripts/mod/modpost.c", "scripts/mod/modpost.c"]
    assert (diff.added, diff.removed) == (107, 9) and "files changed" not in diff.text


# --- small rules --------------------------------------------------------------------------------------

def test_prose_starting_with_diff_is_no_diff():
    """DiffWordInCommentTest's words, and a sentence about `diff -u` (no header after it)."""
    msg = built("The diff is below, but\ndiff -u old new shows it better\ndifficult\nDifferent\n--- end ---")
    assert find_diffs(msg) == ()


def test_prefilter():
    assert not might_hold_diff("Reviewed-by: A <a@b>\n\nLooks good, but the diff is big.")
    assert might_hold_diff("> @@ -1,2 +1,3 @@")


def test_prose_test():
    assert looks_like_prose("Does this work for you?")
    assert not looks_like_prose("goto repeat;") and not looks_like_prose("if (!folio || xa_is_value(folio))")


def test_unidiff_reads_every_diff_it_is_given():
    """Every diff of the seed thread and the fixtures parses with unidiff as found (complete
    hunks) or with its header counts set to the lines present (excerpts), with the same counts."""
    msgs, _ = seed_thread()
    for path in sorted((FIXTURES / "diffs").iterdir()):
        msgs += messages(path)
    for msg in msgs:
        for diff in find_diffs(msg):
            assert not [n for n in diff.notes if n.startswith("unidiff")], (msg.message_id, diff.notes)
            if diff.kind != "range-diff" and diff.format != "combined" and not diff.truncated and diff.hunks \
                    and "XXX" not in diff.text:
                patch = PatchSet(diff.text)
                assert (patch.added, patch.removed) == (diff.added, diff.removed), msg.message_id
