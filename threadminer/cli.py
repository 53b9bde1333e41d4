"""The `threadminer` command line: a thin layer over the library.

Each command parses its options, opens the store, calls one library function and prints.
Errors the library raises on purpose become one `Error: ...` line on stderr with exit code 2
(1 when what was asked for is absent); nothing prints a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

import click

from . import __version__
from .collect import LoadResult, load, looks_like_msgid
from .dates import iso
from .errors import ThreadminerError
from .store import Store, ThreadInfo


class CliError(click.ClickException):
    """A one-line error with the exit code the contract gives."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


@contextmanager
def errors_as_exit_codes() -> Iterator[None]:
    try:
        yield
    except ThreadminerError as exc:
        raise CliError(str(exc), exc.exit_code) from None


def open_store(ctx: click.Context) -> Store:
    with errors_as_exit_codes():
        store = Store(ctx.obj["db"])
    ctx.call_on_close(store.close)
    return store


def emit_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=1))


def json_records(records: Iterable[dict]) -> None:
    """A JSON array written record by record (nothing is held back for the whole list)."""
    first = True
    for record in records:
        click.echo(("[\n" if first else ",\n") + json.dumps(record, ensure_ascii=False), nl=False)
        first = False
    click.echo("[]" if first else "\n]")


@contextmanager
def progress_bar(ctx: click.Context, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress counter on stderr for long imports, only when stderr is a terminal."""
    if ctx.obj.get("quiet") or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed} messages"),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=None)
        yield lambda n: progress.advance(task, n)


def source_options(func):
    func = click.option("--offline", is_flag=True, help="Never touch the network; use only the store.")(func)
    func = click.option("--base", metavar="URL", envvar="THREADMINER_BASE",
                        help="Archive to fetch Message-IDs from (default https://lore.kernel.org/all/).")(func)
    return func


def load_sources(ctx: click.Context, store: Store, sources: tuple[str, ...], *, offline: bool,
                 base: str | None, resume: bool = False) -> LoadResult:
    with errors_as_exit_codes(), progress_bar(ctx, "reading") as progress:
        result = load(store, list(sources), offline=offline, base=base, resume=resume, progress=progress)
    for skipped in result.imported.skipped[:20]:
        click.echo(f"warning: {skipped.source}: {skipped.where}: skipped ({skipped.reason})", err=True)
    if len(result.imported.skipped) > 20:
        click.echo(f"warning: {len(result.imported.skipped) - 20} more items skipped", err=True)
    return result


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="threadminer")
@click.option("--db", metavar="PATH", envvar="THREADMINER_DB",
              help="The store (default $XDG_DATA_HOME/threadminer/threadminer.sqlite3).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def cli(ctx: click.Context, db: str | None, quiet: bool) -> None:
    """Mine patch-review mailing-list threads: read archives, rebuild threads, find who said
    what, the diffs, the crash reports, and what became of each proposed change.

    threadminer only reads and reports: it never applies, builds or runs anything it finds.
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db
    ctx.obj["quiet"] = quiet


@cli.command("import")
@click.argument("sources", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@source_options
@click.pass_context
def import_(ctx, sources, as_json, offline, base):
    """Read SOURCES and store their messages; importing again adds nothing new.

    A SOURCE is an mbox (.gz, .xz), maildir, .eml, public-inbox inbox or epoch, HTML archive
    page, pasted page text, plain text, "-" for stdin, a lore URL or a Message-ID.

    Example: threadminer import ~/mail/linux-modules/git/0.git
    """
    store = open_store(ctx)
    result = load_sources(ctx, store, sources, offline=offline, base=base, resume=True)
    counts = result.imported.as_json()
    if as_json:
        emit_json(counts)
    else:
        click.echo(f"{counts['messages_new']} new, {counts['messages_seen']} already stored, "
                   f"{counts['threads']} threads, {counts['skipped']} skipped")


@cli.command()
@click.argument("target", metavar="[MSGID-or-URL]", required=False)
@click.option("-o", "--output", metavar="FILE", type=click.Path(dir_okay=False),
              help="Also write the download as an mbox (gzip if FILE ends in .gz).")
@click.option("--base", metavar="URL", envvar="THREADMINER_BASE",
              help="Archive for Message-IDs and --query (default https://lore.kernel.org/all/; "
                   "also [fetch] base in config.toml).")
@click.option("--query", "-Q", metavar="Q", help="Search the archive (public-inbox query language, passed as is).")
@click.option("--threads", "whole_threads", is_flag=True, help="With --query: fetch the whole thread of each result.")
@click.option("--update", is_flag=True,
              help="Ask only for what is new in the thread MSGID-or-URL names, or in every fetched thread.")
@click.option("--json", "as_json", is_flag=True, help="Print what was fetched as JSON.")
@click.pass_context
def fetch(ctx, target, output, base, query, whole_threads, update, as_json):
    """Download a thread (or search results) from a lore-style archive and store it.

    MSGID-or-URL is a Message-ID (<id> or id) or a public-inbox URL: .../LIST/ID/ and its
    /T/, /t/, /raw and /t.mbox.gz forms, lore's /r/ID, or a search URL (?q=...).

    Example: threadminer fetch 20221019234256.GR2703033@dread.disaster.area -o thread.mbox
    """
    from .remote import lore

    if query is not None and (target or update):
        raise click.UsageError("--query takes no MSGID-or-URL and no --update")
    if update and output:
        raise click.UsageError("-o writes one download; use it without --update")
    if not (target or query is not None or update):
        raise click.UsageError("give a Message-ID, a URL, --query Q or --update")
    if whole_threads and query is None:
        raise click.UsageError("--threads goes with --query")
    store = open_store(ctx)
    with errors_as_exit_codes():
        if update:
            results = lore.update(store, target, base=base)
        else:
            results = [lore.fetch(store, target, query=query, threads=whole_threads, base=base, output=output)]
    if as_json:
        if update:
            json_records(r.as_json() for r in results)
        else:
            emit_json(results[0].as_json())
        return
    for result in results:
        counts = result.imported.as_json()
        if update:
            click.echo(f"{result.subject!r}: {counts['messages_new']} new, {counts['messages_seen']} already "
                       f"stored ({result.messages} read from {result.url})")
            continue
        click.echo(f"{result.messages} messages from {result.url}: {counts['messages_new']} new, "
                   f"{counts['messages_seen']} already stored, {counts['threads']} threads, "
                   f"{counts['skipped']} skipped")
        if result.output:
            click.echo(f"wrote {result.output}")


def thread_record(info: ThreadInfo, source: str | None) -> dict:
    return {"source": source, "thread_id": info.thread_id, "root_message_id": info.root_message_id,
            "subject": info.subject, "messages": info.messages, "message_ids": list(info.message_ids),
            "participants": list(info.participants), "first_date": iso(info.first_date),
            "last_date": iso(info.last_date)}


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="JSON records (see CONTRACT.md).")
@source_options
@click.pass_context
def threads(ctx, sources, as_json, offline, base):
    """List threads: those holding messages of SOURCES, or every stored thread.

    Example: threadminer threads corpus/seed-thread/thread.mbox --json
    """
    store = open_store(ctx)
    with errors_as_exit_codes():
        if sources:
            result = load_sources(ctx, store, sources, offline=offline, base=base)
            order: dict[int, str] = {}
            for loaded in result.loaded:
                thread_id = store.thread_id_of(loaded.key)
                if thread_id is not None:
                    order.setdefault(thread_id, loaded.source)
            pairs = sorted(order.items(), key=lambda kv: _first_date(store, kv[0]))
        else:
            pairs = [(tid, None) for tid in store.thread_ids()]
        infos = ((store.thread_info(tid), source) for tid, source in pairs)
        if as_json:
            json_records(thread_record(info, source) for info, source in infos)
        else:
            from .report.text import render_thread_list

            text = render_thread_list([info for info, _ in infos])
            if text:
                click.echo(text)


def _first_date(store: Store, thread_id: int) -> tuple[str, int]:
    info = store.thread_info(thread_id)
    return (iso(info.first_date) or "", thread_id)


def resolve_thread(ctx, store: Store, source: str, offline: bool, base: str | None) -> tuple[int, str]:
    """The thread a SOURCE-or-MSGID names: a stored Message-ID, else the source's first thread."""
    with errors_as_exit_codes():
        if looks_like_msgid(source):
            mid = source.strip("<>")
            thread_id = store.thread_id_of(mid)
            if thread_id is not None and store.has(mid):
                return thread_id, source
        result = load_sources(ctx, store, (source,), offline=offline, base=base)
        for loaded in result.loaded:
            thread_id = store.thread_id_of(loaded.key)
            if thread_id is not None:
                return thread_id, source
    raise CliError(f"not found: {source}", 1)


@cli.command()
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="The tree as JSON.")
@click.option("--rules", is_flag=True, help="Show the threading rule behind each link.")
@source_options
@click.pass_context
def show(ctx, source, as_json, rules, offline, base):
    """Show one thread as a tree: SOURCE is a file, URL or a stored Message-ID.

    Example: threadminer show 20221019234256.GR2703033@dread.disaster.area
    """
    store = open_store(ctx)
    thread_id, _ = resolve_thread(ctx, store, source, offline, base)
    with errors_as_exit_codes():
        from .ghosts import thread_ghosts

        thread = store.thread(thread_id)
        ghosts = thread_ghosts(store, thread_id, thread)  # missing messages, as quotes tell them
        if as_json:
            info = store.thread_info(thread_id)
            record = thread_record(info, source)
            record["tree"] = []
            for node, depth in thread.walk():
                ghost = ghosts.get(node.message_id) if node.ghost else None
                record["tree"].append(
                    {"message_id": node.message_id, "depth": depth, "ghost": node.ghost,
                     "parent": thread.nodes[node.parent].message_id if node.parent in thread.nodes else node.parent,
                     "rule": node.rule,
                     "author": node.summary.author if node.summary else ghost.author if ghost else None,
                     "subject": node.summary.subject if node.summary else None,
                     "date": iso(node.summary.date) if node.summary else iso(ghost.date) if ghost else None,
                     **({"quoted_in": ghost.quoted_in} if ghost else {})})
            emit_json(record)
        else:
            from .report.text import render_thread

            click.echo(render_thread(thread, rules=rules, ghosts=ghosts))


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="JSON records (see CONTRACT.md).")
@source_options
@click.pass_context
def quotes(ctx, sources, as_json, offline, base):
    """Who said what in each message of SOURCES: the voices by quote depth, each quoted
    voice resolved to the message it quotes (in its thread, or a ghost known from quotes).

    Without --json, each body is printed indented by voice under author and date headers.

    Example: threadminer quotes corpus/seed-thread/thread.mbox --json
    """
    from .ghosts import iter_quote_trees
    from .report.quotes import quote_record, render_quote_tree

    store = open_store(ctx)
    result = load_sources(ctx, store, sources, offline=offline, base=base)
    with errors_as_exit_codes():
        trees = iter_quote_trees(store, result)
        if as_json:
            json_records(quote_record(tree, source) for source, tree, _ in trees)
            return
        for n, (source, tree, context) in enumerate(trees):
            in_archive = set(context.messages) if context is not None else None
            click.echo(("\n" if n else "") + render_quote_tree(tree, in_archive))


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="JSON records (see CONTRACT.md).")
@source_options
@click.pass_context
def traces(ctx, sources, as_json, offline, base):
    """Crash reports and stack traces in the messages of SOURCES (at any quote depth), titled
    the way syzbot titles them; the same crash seen in several messages is one signature.

    Without --json, one row per signature: title, times seen, who, first message.

    Example: threadminer traces corpus/seed-thread/thread.mbox --json
    """
    from .collect import messages
    from .report.traces import render_signatures, trace_record
    from .analysis.traces import occurrences_in, signatures

    store = open_store(ctx)
    result = load_sources(ctx, store, sources, offline=offline, base=base)
    with errors_as_exit_codes():
        found = occurrences_in((loaded.source, msg) for loaded, msg in messages(store, result))
        groups = signatures(found)
        if as_json:
            key_of = {id(occ): sig.key for sig in groups for occ in sig.occurrences}
            json_records(trace_record(occ, key_of[id(occ)]) for occ in found)
        else:
            click.echo(render_signatures(groups))


@cli.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE.")
@source_options
@click.pass_context
def summarize(ctx, sources, fmt, output, offline, base):
    """Summarise the threads of SOURCES: subject, dates, participants, crash reports, tree.

    Example: threadminer summarize corpus/seed-thread/thread.mbox
    """
    store = open_store(ctx)
    result = load_sources(ctx, store, sources, offline=offline, base=base)
    order: dict[int, None] = {}
    for loaded in result.loaded:
        thread_id = store.thread_id_of(loaded.key)
        if thread_id is not None:
            order.setdefault(thread_id, None)
    with errors_as_exit_codes():
        if fmt == "json":
            text = json.dumps([thread_record(store.thread_info(t), None) for t in order],
                              ensure_ascii=False, indent=1)
        else:
            from .ghosts import thread_ghosts
            from .report.text import render_overview

            from .analysis.traces import occurrences_in, signatures

            parts = []
            for thread_id in order:
                thread = store.thread(thread_id)
                crashes = signatures(occurrences_in((None, m) for m in store.thread_messages(thread_id)))
                parts.append(render_overview(store.thread_info(thread_id), thread,
                                             thread_ghosts(store, thread_id, thread), crashes))
            text = "\n\n".join(parts)
    if output:
        from .report.files import write_text_atomic

        with errors_as_exit_codes():
            write_text_atomic(output, text + "\n")
    else:
        click.echo(text)


def main() -> None:
    """Entry point: run the CLI, turning any escaped exception into one line and exit 2."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        # The reader of stdout went away (| head): not an error worth a message.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except MemoryError:
        click.echo("Error: out of memory", err=True)
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - the contract: one line, never a traceback
        if os.environ.get("THREADMINER_DEBUG"):
            raise
        message = str(exc).splitlines()[0] if str(exc) else ""
        click.echo(f"Error: internal error ({type(exc).__name__}: {message}); "
                   "set THREADMINER_DEBUG=1 for details", err=True)
        sys.exit(2)
    sys.exit(0)
