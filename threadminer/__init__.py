"""threadminer: mine patch-review mailing-list threads.

Library first, in three steps (select -> analyse -> render); the command line in
`threadminer.cli` is a thin layer over these names::

    from threadminer import Store, analyse, select

    with Store("threads.sqlite3") as store:
        for thread, items in analyse(store, select(store, ["thread.mbox"])):
            print(thread.info.subject, [c.title for c in thread.crash_signatures()])
"""

__version__ = "0.2.0"

from .errors import FetchError, NotFound, SourceError, StoreError, ThreadminerError  # noqa: E402
from .message import Message, parse_bytes  # noqa: E402
from .sources import read  # noqa: E402
from .store import Store  # noqa: E402
from .threads import Summary, Thread, build_threads  # noqa: E402
from .select import Selection, select  # noqa: E402
from .composer import ThreadAnalysis, analyse  # noqa: E402

__all__ = ["__version__", "Message", "parse_bytes", "read", "Store", "Summary", "Thread", "build_threads",
           "Selection", "select", "ThreadAnalysis", "analyse",
           "ThreadminerError", "SourceError", "StoreError", "FetchError", "NotFound"]
