"""The `threadminer` command line: a thin layer over the library.

Every command is the same three steps: options -> select (`select.py`: SOURCE arguments to
stored threads and messages, importing what is new) -> analyse (`analyse.py`: each thread's
analyses, from the store's cache or computed once) -> render (`report/`). Errors the library
raises on purpose become one `Error: ...` line on stderr with exit code 2 (1 when what was
asked for is absent); a SOURCE that cannot be read is reported and the others go on.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from contextlib import contextmanager
from dataclasses import replace
from typing import Callable, Iterable, Iterator

import click

from .version import __version__
from .composer import CacheWrites, ThreadAnalysis, analyse, precompute
from .errors import ThreadminerError
from .report.terminal import one_line, printable
from .select import Selection, everything, needs_store_of_its_own, select
from .store import Store


class CliError(click.ClickException):
    """A one-line error with the exit code the contract gives."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(one_line(message))
        self.exit_code = exit_code


@contextmanager
def errors_as_exit_codes() -> Iterator[None]:
    try:
        yield
    except ThreadminerError as exc:
        raise CliError(str(exc), exc.exit_code) from None


# --- options shared by commands ----------------------------------------------------------

def _remember(name: str):
    def callback(ctx: click.Context, _param, value):
        if value not in (None, False):
            ctx.find_root().ensure_object(dict)[name] = value
        return value
    return callback


def common_options(func):
    """--db and -q, accepted after the command name as well as before it."""
    func = click.option("--db", metavar="PATH", expose_value=False, callback=_remember("db"),
                        help="The store (default $THREADMINER_DB, or $XDG_DATA_HOME/threadminer/threadminer.sqlite3).")(func)
    func = click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_remember("quiet"),
                        help="No progress display.")(func)
    return func


def source_options(func):
    func = click.option("--offline", is_flag=True, help="Never touch the network; use only the store and local files.")(func)
    func = click.option("--base", metavar="URL", envvar="THREADMINER_BASE",
                        help="Archive to fetch Message-IDs from (default https://lore.kernel.org/all/).")(func)
    return func


def scope_options(func):
    func = click.option("--thread", "whole_threads", is_flag=True,
                        help="Widen each Message-ID to its whole thread.")(func)
    func = click.option("--all", "all_threads", is_flag=True, help="Every thread in the store.")(func)
    return func


def json_option(func):
    return click.option("--json", "as_json", is_flag=True, help="JSON records (see CONTRACT.md).")(func)


# Fewer threads than this are analysed without a progress bar (it would only flicker).
PROGRESS_MIN_THREADS = 20

SOURCES = click.argument("sources", nargs=-1, metavar="[SOURCE]...")


# --- one command's run -----------------------------------------------------------------------

class Run:
    """What a command holds while it runs: the store (opened when first needed), progress on
    stderr, warnings, and the exit code of SOURCEs that could not be read."""

    def __init__(self, ctx: click.Context):
        self.ctx = ctx
        self.options = ctx.find_root().obj or {}
        self.exit_code = 0
        self._store: Store | None = None

    def store(self, create: bool = False) -> Store:
        if self._store is None:
            db = self.options.get("db") or os.environ.get("THREADMINER_DB") or None
            with errors_as_exit_codes():
                self._store = Store(db, create=create)
            self.ctx.call_on_close(self._store.close)
        return self._store

    @property
    def quiet(self) -> bool:
        return bool(self.options.get("quiet")) or not sys.stderr.isatty()

    def warn(self, text: str) -> None:
        # One line, always: a newline in a file name must not forge another warning.
        click.echo(one_line(f"warning: {text}"), err=True)

    def select(self, sources: tuple[str, ...], *, offline: bool = False, base: str | None = None,
               whole_threads: bool = False, all_threads: bool = False, default_all: bool = False) -> Selection:
        """SOURCEs -> selection; no SOURCE means every thread when `default_all` (or --all)."""
        if not sources and not (all_threads or default_all):
            raise click.UsageError("give a SOURCE (a file, URL or Message-ID), or --all for the whole store")
        if not sources:
            with errors_as_exit_codes():
                return everything(self.store())
        store = self.store(create=needs_store_of_its_own(sources, offline))
        with errors_as_exit_codes(), progress_display(self.quiet) as progress:
            selection = select(store, sources, offline=offline, base=base, whole_threads=whole_threads,
                               progress=progress)
        self.report(selection)
        if all_threads:
            selection.items.extend(everything(store).items)
        return selection

    def report(self, selection: Selection) -> None:
        imported = selection.imported
        for skipped in imported.skipped[:20]:
            self.warn(f"{skipped.source}: {skipped.where}: skipped ({skipped.reason})")
        if imported.skipped_count > 20:
            self.warn(f"{imported.skipped_count - 20} more items skipped")
        for note in imported.notes:
            click.echo(one_line(f"note: {note}"), err=True)
        self.exit_code = max(self.exit_code, selection.exit_code)
        if selection.problems and not selection.items and not imported.keys:
            # Nothing could be read: the last problem is the command's error (nothing on stdout).
            for problem in selection.problems[:-1]:
                click.echo(one_line(f"Error: {problem}"), err=True)
            raise CliError(str(selection.problems[-1]), selection.exit_code)
        for problem in selection.problems:
            click.echo(one_line(f"Error: {problem}"), err=True)

    def threads(self, selection: Selection, *analyses: str) -> Iterator[tuple[ThreadAnalysis, list]]:
        """The selected threads' analyses; `analyses` names those to compute on every core
        first when many threads lack them."""
        threads = len(selection.by_thread())
        with errors_as_exit_codes(), progress_display(self.quiet or threads < PROGRESS_MIN_THREADS) as progress:
            if analyses:
                precompute(self.store(), selection, analyses)
            tick = progress("analysing threads", threads) if progress else None
            writes = CacheWrites(self.store())
            # Reports rendered after the walk still ask analyses: their results are kept too.
            self.ctx.call_on_close(writes.flush)
            for pair in analyse(self.store(), selection, writes):
                yield pair
                if tick:
                    tick(1)

    def finish(self) -> None:
        if self.exit_code:
            self.ctx.exit(self.exit_code)


@contextmanager
def progress_display(quiet: bool) -> Iterator[Callable | None]:
    """A progress bar on stderr (with a total and time left when the size is known), only on
    a terminal and without -q."""
    if quiet:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
        TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        def start(label: str, total: int | None) -> Callable[[int], None]:
            task = bar.add_task(printable(label)[-40:], total=total)
            return lambda n: bar.advance(task, n)
        yield start


def emit(text: str) -> None:
    """Text output: every control character from mail made visible, never sent to the terminal."""
    if text:
        click.echo(printable(text))


def emit_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=1))


# JSON output is held back until this much is ready: most answers are complete before their
# first byte is written, so a failure (a damaged store) leaves no half array on stdout; a
# whole archive's answer then streams, record by record.
JSON_HOLD_BYTES = 8 << 20


def json_records(records: Iterable[dict]) -> None:
    """A JSON array written record by record."""
    held: list[str] = []
    size = 0
    streaming = False
    for record in records:
        text = json.dumps(record, ensure_ascii=False)
        if streaming:
            click.echo(",\n" + text, nl=False)
            continue
        held.append(text)
        size += len(text)
        if size > JSON_HOLD_BYTES:
            click.echo("[\n" + ",\n".join(held), nl=False)
            held, streaming = [], True
    if streaming:
        click.echo("\n]")
    else:
        click.echo("[\n" + ",\n".join(held) + "\n]" if held else "[]")


def write_output(output: str | None, text: str, store: Store | None = None) -> None:
    """`-o FILE` (atomically; never the store itself; `-` is stdout) or stdout."""
    if output in (None, "-"):
        emit(text)
        return
    from .report.files import write_text_atomic

    with errors_as_exit_codes():
        write_text_atomic(output, text + "\n", protect=(store.path,) if store is not None else ())


# --- commands --------------------------------------------------------------------------------

class Commands(click.Group):
    """The command group; an argument that is a Message-ID beginning with "-" (git-send-email
    writes such ids: "-v2-0-a3542e15111c@kernel.org") is taken as a Message-ID, not an option."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, [f"<{a}>" if looks_like_dash_id(a) else a for a in args])


def looks_like_dash_id(arg: str) -> bool:
    from .mid import message_id_argument

    return arg.startswith("-") and "=" not in arg and message_id_argument(arg) is not None


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="threadminer")
@common_options
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Mine patch-review mailing-list threads: read archives, rebuild threads, find who said
    what, the diffs, the crash reports, and what became of each proposed change.

    threadminer only reads and reports: it never applies, builds or runs anything it finds.
    """
    ctx.ensure_object(dict)


@cli.command("import")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@json_option
@source_options
@common_options
@click.pass_context
def import_(ctx, sources, as_json, offline, base):
    """Read SOURCEs and store their messages; importing again adds nothing new.

    A SOURCE is an mbox (.gz, .xz), maildir, .eml, public-inbox inbox or epoch, HTML archive
    page, pasted page text, plain text, "-" for stdin, a lore URL or a Message-ID.

    Example: threadminer import fixtures/seed-thread/thread.mbox
    """
    run = Run(ctx)
    run.store(create=True)
    counts = run.select(sources, offline=offline, base=base).imported.as_json()
    emit_json(counts) if as_json else emit(
        f"{counts['messages_new']} new, {counts['messages_seen']} already stored, "
        f"{counts['threads']} threads, {counts['skipped']} skipped")
    run.finish()


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
@json_option
@common_options
@click.pass_context
def fetch(ctx, target, output, base, query, whole_threads, update, as_json):
    """Download a thread (or search results) from a lore-style archive and store it.

    MSGID-or-URL is a Message-ID (<id> or id) or a public-inbox URL: .../LIST/ID/ and its
    /T/, /t/, /raw and /t.mbox.gz forms, lore's /r/ID, or a search URL (?q=...).

    Example: threadminer fetch 20221019234256.GR2703033@dread.disaster.area -o thread.mbox
    """
    from . import sync
    from .report.text import render_fetch_results

    check_fetch_options(target, output, query, whole_threads, update)
    store = Run(ctx).store(create=True)
    with errors_as_exit_codes():
        results = sync.update(store, target, base=base) if update else \
            [sync.fetch(store, target, query=query, threads=whole_threads, base=base, output=output)]
    if as_json:
        json_records(r.as_json() for r in results) if update else emit_json(results[0].as_json())
    else:
        emit(render_fetch_results(results, update))


def check_fetch_options(target, output, query, whole_threads, update) -> None:
    if query is not None and (target or update):
        raise click.UsageError("--query takes no MSGID-or-URL and no --update")
    if update and output:
        raise click.UsageError("-o writes one download; use it without --update")
    if not (target or query is not None or update):
        raise click.UsageError("give a Message-ID, a URL, --query Q or --update")
    if whole_threads and query is None:
        raise click.UsageError("--threads goes with --query")


@cli.command()
@SOURCES
@json_option
@source_options
@common_options
@click.pass_context
def threads(ctx, sources, as_json, offline, base):
    """List threads: those holding messages of SOURCEs, or every stored thread.

    Example: threadminer threads fixtures/seed-thread/thread.mbox --json
    """
    from .report.text import render_thread_list, thread_record

    run = Run(ctx)
    selection = run.select(sources, offline=offline, base=base, default_all=True)
    infos = [(ta.info, items[0].source or None) for ta, items in run.threads(selection)]
    if not sources:
        infos.sort(key=lambda pair: (pair[0].first_date is None, pair[0].first_date, pair[0].thread_id))
    json_records(thread_record(i, s) for i, s in infos) if as_json else emit(render_thread_list(i for i, _ in infos))
    run.finish()


@cli.command()
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE-or-MSGID...")
@json_option
@click.option("--rules", is_flag=True, help="Show the threading rule behind each link.")
@source_options
@common_options
@click.pass_context
def show(ctx, sources, as_json, rules, offline, base):
    """Show threads as trees: SOURCE is a file, URL or Message-ID (any id threadminer
    prints, ghosts and duplicates included); the message asked for is marked with "*".

    Example: threadminer show 20221019234256.GR2703033@dread.disaster.area
    """
    from .report.text import render_thread, thread_tree_record

    run = Run(ctx)
    selection = run.select(sources, offline=offline, base=base)
    for n, (ta, items) in enumerate(run.threads(selection)):
        marked = {item.asked for item in items if item.asked}
        if as_json:
            emit_json(thread_tree_record(ta.info, ta.tree, ta.ghosts(), items[0].source, marked))
        else:
            emit(("\n" if n else "") + render_thread(ta.tree, rules=rules, ghosts=ta.ghosts(), marked=marked))
    run.finish()


@cli.command()
@SOURCES
@json_option
@scope_options
@source_options
@common_options
@click.pass_context
def quotes(ctx, sources, as_json, whole_threads, all_threads, offline, base):
    """Who said what in each message of SOURCEs: the voices by quote depth, each quoted
    voice resolved to the message it quotes (in its thread, or a ghost known from quotes).

    Without --json, each body is printed indented by voice under author and date headers.

    Example: threadminer quotes fixtures/seed-page.txt
    """
    from .report.quotes import quote_record, render_quote_tree

    run = Run(ctx)
    selection = run.select(sources, offline=offline, base=base, whole_threads=whole_threads, all_threads=all_threads)
    found = ((items[0].source, tree, set(ta.info.message_ids)) for ta, items in run.threads(selection, "quotes")
             for tree in ta.quote_trees(ta.selected_keys(items)).values())
    if as_json:
        json_records(quote_record(tree, source or None) for source, tree, _ in found)
    else:
        emit("\n\n".join(render_quote_tree(tree, known) for _, tree, known in found))
    run.finish()


@cli.command()
@SOURCES
@json_option
@scope_options
@source_options
@common_options
@click.pass_context
def traces(ctx, sources, as_json, whole_threads, all_threads, offline, base):
    """Crash reports and stack traces in the messages of SOURCEs (every stored message when
    none is given), at any quote depth, titled the way syzbot titles them; the same crash seen
    in several messages is one signature.

    Without --json, one row per signature: title, times seen, who, first message.

    Example: threadminer traces fixtures/seed-page.txt --json
    """
    from .analysis.traces import signatures
    from .report.traces import render_signatures, trace_records

    run = Run(ctx)
    selection = run.select(sources, offline=offline, base=base, whole_threads=whole_threads,
                           all_threads=all_threads, default_all=True)
    found = [replace(occ, source=items[0].source or None) for ta, items in run.threads(selection, "traces")
             for occs in ta.traces(ta.selected_keys(items)).values() for occ in occs]
    groups = signatures(found)
    json_records(trace_records(groups)) if as_json else emit(render_signatures(groups))
    run.finish()


@cli.command()
@SOURCES
@json_option
@scope_options
@source_options
@common_options
@click.pass_context
def diffs(ctx, sources, as_json, whole_threads, all_threads, offline, base):
    """Every diff in the messages of SOURCEs (every stored message when none is given):
    posted, quoted at any depth or attached, with its files, +/- counts, hunks and the voice
    that wrote it; damaged diffs (archive pages, wrapped lines) repaired and marked.

    Example: threadminer diffs fixtures/seed-page.txt --json
    """
    from .report.diffs import diff_records, render_diffs

    run = Run(ctx)
    selection = run.select(sources, offline=offline, base=base, whole_threads=whole_threads,
                           all_threads=all_threads, default_all=True)
    records = diff_records((items[0].source, diff) for ta, items in run.threads(selection, "diffs")
                           for found in ta.diffs(ta.selected_keys(items)).values() for diff in found)
    json_records(records) if as_json else emit(render_diffs(records))
    run.finish()


@cli.command()
@SOURCES
@json_option
@click.option("--all", "all_threads", is_flag=True, help="Every thread in the store.")
@source_options
@common_options
@click.pass_context
def series(ctx, sources, as_json, all_threads, offline, base):
    """Patch series in the threads of SOURCEs (every stored thread when none is given): each
    revision with its patches, the trailers replies gave each patch, missing patches, the
    revision `patches` exports by default, pull requests, and revisions linked across threads.

    Example: threadminer series fixtures/seed-thread/thread.mbox
    """
    from .patches import lineage, thread_listing
    from .report.series import render_series_text

    run = Run(ctx)
    selection = run.select(sources, offline=offline, base=base, whole_threads=True, all_threads=all_threads,
                           default_all=True)
    threads = [(ta, items[0].source) for ta, items in run.threads(selection, "series")]
    listings = [x for x in (thread_listing(ta, source) for ta, source in threads) if x["series"] or x["pull_requests"]]
    if as_json:
        emit_json({"threads": listings, "lineage": lineage(ta for ta, _ in threads)})
    else:
        emit("\n\n".join(render_series_text(listing["series"]) for listing in listings) or "no patch series found")
    run.finish()


@cli.command()
@SOURCES
@click.option("-o", "--output", "outdir", metavar="DIR", required=True, type=click.Path(file_okay=False),
              help="Folder to write the .mbx and .cover files into (made if absent).")
@click.option("--version", "-v", "version", type=int, help="Export this version (default: the latest).")
@click.option("--all-versions", is_flag=True, help="Export every revision.")
@click.option("--sloppy", is_flag=True, help="Also add trailers whose address is not their sender's (b4 --sloppy-trailers).")
@click.option("--add-link", is_flag=True, help="Add a Link: https://patch.msgid.link/<id> to each patch (b4 -l).")
@json_option
@source_options
@common_options
@click.pass_context
def patches(ctx, sources, outdir, version, all_versions, sloppy, add_link, as_json, offline, base):
    """Write each patch series of SOURCEs as a git-am-ready .mbx (and its .cover), the
    trailers replies gave (Reviewed-by, Acked-by, Tested-by, ...) added as b4 adds them.
    Nothing is applied: run `git am` yourself.

    Example: threadminer patches fixtures/seed-thread/thread.mbox -o /tmp/patches
    """
    from .patches import store_exports
    from .report.mbx import render_patch_records, write_exports

    run = Run(ctx)
    selection = run.select(sources, offline=offline, base=base, whole_threads=True)
    exports = store_exports((ta for ta, _ in run.threads(selection, "series")), version, all_versions, sloppy,
                            "https://patch.msgid.link/%s" if add_link else None)
    with errors_as_exit_codes():
        records = write_exports(exports, outdir)
    emit_json({"series": records}) if as_json else emit(render_patch_records(records))
    run.finish()


@cli.command()
@SOURCES
@json_option
@scope_options
@source_options
@common_options
@click.pass_context
def outcomes(ctx, sources, as_json, whole_threads, all_threads, offline, base):
    """What became of each proposal in the threads of SOURCEs: patches, series, diffs in
    replies and code suggestions, each with the outcomes reported about it (tested, reviewed,
    applied, NAKed, superseded, ...), the verbatim evidence and the rule that recognised it.

    The rules are a lexicon you can extend: THREADMINER_LEXICON or `[outcomes] lexicon` in
    the config file names a TOML file merged over the shipped one.

    Example: threadminer outcomes fixtures/seed-thread/thread.mbox
    """
    from .report.outcome_records import outcomes_object, render_outcomes

    run = Run(ctx)
    selection = run.select(sources, offline=offline, base=base, whole_threads=True, all_threads=all_threads)
    with errors_as_exit_codes():
        found = [(items[0].source or None, ta.info, ta.outcomes())
                 for ta, items in run.threads(selection, "outcomes")]
    if as_json:
        emit_json(outcomes_object(((src, info.root_message_id, props) for src, info, props in found),
                                  sources[0] if len(sources) == 1 else None))
    else:
        emit(render_outcomes((info.root_message_id, info.subject, props) for _, info, props in found))
    run.finish()


@cli.command()
@SOURCES
@click.option("--format", "fmt", type=click.Choice(["md", "json", "html"]), default="md", show_default=True,
              help="md: Markdown; json: one record per thread; html: one self-contained page (use with -o).")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (- for stdout).")
@scope_options
@source_options
@common_options
@click.pass_context
def summarize(ctx, sources, fmt, output, whole_threads, all_threads, offline, base):
    """Summarise the threads of SOURCEs: subject and dates, participants with their roles,
    each proposal with what became of it, crash reports, open questions, and what happened,
    every claim citing a Message-ID with its archive link.

    Example: threadminer summarize fixtures/seed-thread/thread.mbox
    """
    from .report.summaries import render_summaries

    run = Run(ctx)
    selection = run.select(sources, offline=offline, base=base, whole_threads=True, all_threads=all_threads)
    found = [(ta, ta.summary(), items[0].source or None) for ta, items in run.threads(selection, "quotes", "traces")]
    write_output(output, render_summaries(found, fmt), run.store())
    run.finish()


@cli.command()
@SOURCES
@click.option("--format", "fmt", type=click.Choice(["md", "json", "csv"]), default="md", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (- for stdout).")
@scope_options
@source_options
@common_options
@click.pass_context
def timeline(ctx, sources, fmt, output, whole_threads, all_threads, offline, base):
    """Dated events of the threads of SOURCEs, in date order: messages posted and replied,
    proposals, outcomes, new versions, applied reports and crash reports.

    Example: threadminer timeline fixtures/seed-thread/thread.mbox --format csv
    """
    from .report.summaries import render_timelines

    run = Run(ctx)
    selection = run.select(sources, offline=offline, base=base, whole_threads=True, all_threads=all_threads)
    found = [(ta.info, ta.timeline(), items[0].source or None) for ta, items in run.threads(selection, "quotes", "traces")]
    write_output(output, render_timelines(found, fmt), run.store())
    run.finish()


def main() -> None:
    """Entry point: run the CLI, turning any escaped exception into one line and exit 2."""
    # SIGTERM unwinds like Ctrl-C, so temporary downloads and half-written files are removed.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        code = cli.main(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
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
    except RecursionError:
        click.echo("Error: input nested too deeply to analyse", err=True)
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - the contract: one line, never a traceback
        if os.environ.get("THREADMINER_DEBUG"):
            raise
        import sqlite3

        if isinstance(exc, sqlite3.DatabaseError):
            click.echo(f"Error: the store is damaged ({printable(str(exc))})", err=True)
            sys.exit(2)
        message = str(exc).splitlines()[0] if str(exc) else ""
        click.echo(printable(f"Error: internal error ({type(exc).__name__}: {message}); "
                             "set THREADMINER_DEBUG=1 for details"), err=True)
        sys.exit(2)
    sys.exit(0)
