"""The command line on the seed: import, threads, show, summarize, as CONTRACT.md says."""

from __future__ import annotations

from datetime import datetime, timezone

from .conftest import corpus_path, seed_page

ROOT_ID = "1665725448-31439-1-git-send-email-zhaoyang.huang@unisoc.com"
MISSING = "20221018223042.GJ2703033@dread.disaster.area"
SEED_ID = "20221019234256.GR2703033@dread.disaster.area"


def test_seed_page_imports_with_author_subject_and_date(cli):
    counts = cli.json("import", "--json", seed_page())
    assert counts == {"messages_new": 1, "messages_seen": 0, "threads": 1, "skipped": 0}
    [thread] = cli.json("threads", "--json")
    assert thread["subject"] == "Re: [RFC PATCH] mm: move xa forward when run across zombie page"
    assert thread["participants"] == ["Dave Chinner"]
    date = datetime.strptime(thread["first_date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    expected = datetime(2022, 10, 19, 23, 43, 9, tzinfo=timezone.utc)
    assert abs((date - expected).total_seconds()) <= 60


def test_seed_thread_imports_as_one_thread_with_a_ghost(cli):
    mbox = corpus_path("seed-thread", "thread.mbox")
    counts = cli.json("import", "--json", mbox)
    assert counts["messages_new"] == 27 and counts["threads"] == 1
    # Importing again adds nothing.
    assert cli.json("import", "--json", mbox)["messages_new"] == 0
    [thread] = cli.json("threads", "--json")
    assert thread["root_message_id"] == ROOT_ID
    assert thread["messages"] == 27 and len(thread["message_ids"]) == 27
    assert MISSING not in thread["message_ids"]  # ghosts are excluded
    assert thread["first_date"] == "2022-10-14T05:30:48Z"
    assert thread["last_date"] == "2024-04-11T07:04:32Z"
    assert {"Matthew Wilcox", "Dave Chinner", "Brian Foster"} <= set(thread["participants"])
    # Every raw message of the corpus is in it.
    raw_ids = set()
    for item in cli.json("threads", "--json", corpus_path("seed-thread", "raw")):
        raw_ids.update(item["message_ids"])
    assert raw_ids == set(thread["message_ids"])

    tree = cli.json("show", "--json", SEED_ID)["tree"]
    by_id = {node["message_id"]: node for node in tree}
    ghost = by_id[MISSING]
    assert ghost["ghost"] is True
    children = {n["message_id"] for n in tree if n["parent"] == MISSING}
    assert children == {"20221019011636.GM2703033@dread.disaster.area", "Y0/kZbIvMgkNhWpM@bfoster",
                        "Y1AWXiJdyjdLmO1E@casper.infradead.org"}
    assert by_id[SEED_ID]["parent"] == "20221019224616.GP2703033@dread.disaster.area"
    assert by_id[SEED_ID]["rule"] == "in-reply-to"
    assert tree[0]["message_id"] == ROOT_ID and tree[0]["depth"] == 0


def test_seed_page_joins_its_thread_as_the_same_message(cli):
    cli.json("import", "--json", corpus_path("seed-thread", "thread.mbox"))
    counts = cli.json("import", "--json", seed_page())
    # The page is a rendering of a stored message: recognised, not added.
    assert counts["messages_new"] == 0 and counts["messages_seen"] == 1
    [thread] = cli.json("threads", "--json", seed_page())
    assert thread["root_message_id"] == ROOT_ID and thread["messages"] == 27


def test_show_text_and_summarize(cli):
    mbox = corpus_path("seed-thread", "thread.mbox")
    result = cli("summarize", mbox)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("# \\[RFC PATCH\\] mm: move xa forward when run across zombie page\n")
    assert f"- **Messages:** 27 (and 1 referenced but missing from the archive: `{MISSING}`)" in out
    assert "## Crash reports" in out and out.count("\n- **INFO: ") == 3
    assert "- **WARNING in iomap_page_release** (WARNING): reported by Dave Chinner" in out
    assert f": <https://lore.kernel.org/r/{SEED_ID}>\n" in out  # its archive link
    shown = cli("show", SEED_ID, "--rules")
    assert shown.exit_code == 0
    assert "[in-reply-to]" in shown.stdout and "[ghost]" in shown.stdout


def test_threads_reads_stdin(cli):
    data = corpus_path("seed-thread", "thread.mbox").read_bytes()
    result = cli("threads", "--json", "-", input=data)
    assert result.exit_code == 0, result.stderr
    import json

    [thread] = json.loads(result.stdout)
    assert thread["source"] == "-" and thread["messages"] == 27


def test_json_mode_writes_only_json_to_stdout(cli, tmp_path):
    # Warnings (a skipped entry) go to stderr; stdout stays parseable.
    mbox = tmp_path / "mixed.mbox"
    mbox.write_bytes(corpus_path("seed-thread", "thread.mbox").read_bytes()
                     + b"\nFrom x Thu Jan  1 00:00:00 1970\nnot a header line\n\n")
    result = cli("threads", "--json", mbox)
    assert result.exit_code == 0
    import json

    assert len(json.loads(result.stdout)) == 1
    assert "skipped" in result.stderr
