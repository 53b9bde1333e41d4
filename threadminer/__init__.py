"""threadminer: mine patch-review mailing-list threads.

Library first: read sources, thread them, analyse messages, report. The command line in
`threadminer.cli` is a thin layer over these names::

    from threadminer import Store, read, build_threads

    with Store("threads.sqlite3") as store:
        store.add(read("thread.mbox"))
"""

__version__ = "0.1.0"

from .errors import FetchError, NotFound, SourceError, StoreError, ThreadminerError  # noqa: E402
from .message import Message, parse_bytes  # noqa: E402
from .sources import read  # noqa: E402
from .store import Store  # noqa: E402
from .threads import Summary, Thread, build_threads  # noqa: E402

__all__ = ["__version__", "Message", "parse_bytes", "read", "Store", "Summary", "Thread", "build_threads",
           "ThreadminerError", "SourceError", "StoreError", "FetchError", "NotFound"]
