"""The exceptions threadminer raises; the CLI maps them to exit codes."""


class ThreadminerError(Exception):
    """Base class: every error the library raises on purpose."""

    exit_code = 2


class SourceError(ThreadminerError):
    """A SOURCE cannot be read: missing path, unknown format, corrupt archive, dead URL."""


class StoreError(ThreadminerError):
    """The SQLite store cannot be opened or written (not a database, locked, read-only)."""


class FetchError(SourceError):
    """A network fetch failed: refused connection, timeout, HTTP error, size limit."""


class NotFound(ThreadminerError):
    """The input was read but what the user asked for is absent (exit code 1)."""

    exit_code = 1
