"""Growth of the real command line on adversarial shapes, at two sizes ten times apart.

    python bench/adversarial.py [--shapes a,b] [--scale F] [--timeout S]

For each shape the input is built (not timed) at a small and a large size, then each command
runs as `python -m threadminer` in its own process, into a fresh store per size. Printed per
command and per shape: wall time and peak RSS (the process's own high-water mark, VmHWM, written by it at exit) at both sizes,
and the growth exponent log10(t_large / t_small), raw and net of the interpreter's start-up
time (measured in the same run; net only where the small run is well above it). 1.0 is
linear; the target is at most 1.2. A command that
runs past --timeout is stopped and shown as ">" its limit, its exponent as a lower bound.

Shapes (issue 12):
  deep-chain          a reply chain N deep (each References: the root and 19 last ancestors)
  flat-thread         N replies to one message, each quoting it
  unknown-quotes      N replies to one message, each quoting text no message holds (every
                      quote is looked for through the whole thread's text)
  many-references     one reply whose References name N ids
  long-header         one message whose To: names N addresses
  headerless-replies  N "Re:" replies without In-Reply-To/References, one subject
  fetch-update        `fetch --update` receiving N results, newest first, each naming only its
                      parent (a loopback server answers the thread and the search)
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2024, 3, 1, tzinfo=timezone.utc)


def message(mid: str, subject: str, when: datetime, body: str, *, irt: str | None = None,
            refs: list[str] = (), to: str = "linux-modules@vger.kernel.org", sender: str | None = None) -> bytes:
    lines = [f"From: {sender or 'Dev ' + mid.split('@')[0]} <{mid.split('@')[0]}@example.org>", f"To: {to}",
             f"Subject: {subject}", f"Date: {format_datetime(when)}", f"Message-ID: <{mid}>"]
    if irt:
        lines.append(f"In-Reply-To: <{irt}>")
    if refs:
        lines.append("References: " + "\n ".join(f"<{r}>" for r in refs))
    return ("\n".join(lines) + "\n\n" + body).encode()


def mbox(messages: list[bytes]) -> bytes:
    out = bytearray()
    for raw in messages:
        out += b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + raw.replace(b"\nFrom ", b"\n>From ")
        out += b"\n" if raw.endswith(b"\n") else b"\n\n"
    return bytes(out)


@dataclass
class Built:
    source: str
    root: str
    extra: dict = field(default_factory=dict)


def build_deep_chain(folder: Path, n: int) -> Built:
    ids = [f"chain{i}@bench.example" for i in range(n)]
    msgs = []
    for i, mid in enumerate(ids):
        refs = ([ids[0]] + ids[max(1, i - 19):i]) if i else []
        msgs.append(message(mid, "Re: [PATCH] deep" if i else "[PATCH] deep", T0 + timedelta(seconds=i),
                            f"reply {i}\n", irt=ids[i - 1] if i else None, refs=refs))
    path = folder / "chain.mbox"
    path.write_bytes(mbox(msgs))
    return Built(str(path), ids[0])


def build_flat_thread(folder: Path, n: int) -> Built:
    root = "flat0@bench.example"
    msgs = [message(root, "[PATCH] flat", T0, "The patch.\nIt changes one line.\n")]
    for i in range(1, n + 1):
        msgs.append(message(f"flat{i}@bench.example", "Re: [PATCH] flat", T0 + timedelta(seconds=i),
                            f"> The patch.\n\nReply {i}.\n", irt=root, refs=[root]))
    path = folder / "flat.mbox"
    path.write_bytes(mbox(msgs))
    return Built(str(path), root)


def build_unknown_quotes(folder: Path, n: int) -> Built:
    # Stands for replies quoting mail the archive lacks (cross-posts, off-list mail): no
    # attribution and no parent's text to find the quote in, so it is searched for in every
    # message of the thread, a step that must stay linear in the thread's size.
    root = "lost0@bench.example"
    msgs = [message(root, "[PATCH] lost", T0, "The patch.\nIt changes one line.\n")]
    for i in range(1, n + 1):
        msgs.append(message(f"lost{i}@bench.example", "Re: [PATCH] lost", T0 + timedelta(seconds=i),
                            f"> Text of a message nobody kept, number {i * 31}, long enough to look for.\n"
                            f"> Its second line, number {i * 17}.\n\nReply {i}.\n", irt=root, refs=[root]))
    path = folder / "lost.mbox"
    path.write_bytes(mbox(msgs))
    return Built(str(path), root)


def build_many_references(folder: Path, n: int) -> Built:
    refs = [f"ref{i}@bench.example" for i in range(n)]
    mid = "many@bench.example"
    path = folder / "refs.eml"
    path.write_bytes(message(mid, "Re: looped", T0, "a reply\n", irt=refs[-1], refs=refs))
    return Built(str(path), mid)


def build_long_header(folder: Path, n: int) -> Built:
    mid = "wide@bench.example"
    to = ", ".join(f"Person {i} <p{i}@example.org>" for i in range(n))
    path = folder / "wide.eml"
    path.write_bytes(message(mid, "[PATCH] treewide", T0, "cc everyone\n", to=to))
    return Built(str(path), mid)


def build_headerless_replies(folder: Path, n: int) -> Built:
    root = "orig@bench.example"
    msgs = [message(root, "[PATCH] one subject", T0, "original\n")]
    for i in range(1, n + 1):
        msgs.append(message(f"noref{i}@bench.example", "Re: [PATCH] one subject",
                            T0 + timedelta(seconds=i * 30), f"reply {i} without headers\n"))
    path = folder / "headerless.mbox"
    path.write_bytes(mbox(msgs))
    return Built(str(path), root)


class ArchiveStub:
    """A loopback archive: GET of a thread returns its root; any POST (a search) returns the
    N update results, newest first, each replying to the one before it."""

    def __init__(self, root_mbox: bytes, results_mbox: bytes):
        thread_gz = gzip.compress(root_mbox, mtime=0)
        results_gz = gzip.compress(results_mbox, mtime=0)

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _send(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                self._send(thread_gz)

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._send(results_gz)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/test/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def build_fetch_update(folder: Path, n: int) -> Built:
    root = "upd0@bench.example"
    subject = "[PATCH] module: update me"
    root_msg = message(root, subject, T0, "the patch\n")
    results = []
    prev = root
    for i in range(1, n + 1):
        mid = f"upd{i}@bench.example"
        # Each names only its parent (as mailers that keep one reference do): with results
        # newest first, the thread is found one link per pass over them.
        results.append(message(mid, "Re: " + subject, T0 + timedelta(minutes=i), f"> quoted\nreply {i}\n",
                               irt=prev, refs=[prev]))
        prev = mid
    results.reverse()  # newest first, as public-inbox answers a search
    return Built("", root, {"root_mbox": mbox([root_msg]), "results_mbox": mbox(results)})


@dataclass
class Shape:
    build: Callable[[Path, int], Built]
    sizes: tuple[int, int]
    commands: list[list[str]]  # {src} {root} {base} are filled in


SHAPES: dict[str, Shape] = {
    "deep-chain": Shape(build_deep_chain, (3_000, 30_000),
                        [["import", "{src}"], ["threads"], ["show", "{root}", "--json"], ["show", "{root}"]]),
    "flat-thread": Shape(build_flat_thread, (5_000, 50_000),
                         [["import", "{src}"], ["threads"], ["show", "{root}", "--json"], ["quotes", "{root}", "--json"]]),
    "unknown-quotes": Shape(build_unknown_quotes, (2_000, 20_000), [["import", "{src}"], ["quotes", "{root}", "--json"]]),
    "many-references": Shape(build_many_references, (30_000, 300_000),
                             [["import", "{src}"], ["show", "{root}", "--json"], ["threads"]]),
    "long-header": Shape(build_long_header, (10_000, 100_000), [["import", "{src}"], ["show", "{root}", "--json"]]),
    "headerless-replies": Shape(build_headerless_replies, (1_000, 10_000),
                                [["import", "{src}"], ["threads"], ["show", "{root}", "--json"]]),
    "fetch-update": Shape(build_fetch_update, (300, 3_000),
                          [["fetch", "{root}", "--base", "{base}"], ["fetch", "--update", "--base", "{base}"]]),
}


@dataclass
class Run:
    seconds: float
    peak_kib: int
    status: str  # "ok", "exit N", "timeout"


# Runs the command line and writes its own peak RSS (KiB) at exit. Linux's VmHWM belongs to
# the process's own memory; getrusage's ru_maxrss survives fork and exec, so a child of a
# large bench process would report the bench's size (used where /proc is absent).
WRAPPER = """
import atexit, os, resource, runpy, sys
def peak():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
def report():
    with open(os.environ["THREADMINER_BENCH_USAGE"], "w") as fh:
        fh.write(str(peak()))
atexit.register(report)
sys.argv = ["threadminer", *sys.argv[1:]]
runpy.run_module("threadminer", run_name="__main__", alter_sys=True)
"""


def run_command(args: list[str], db: str, env: dict, timeout: float) -> Run:
    usage_file = db + ".usage"
    env = dict(env, THREADMINER_BENCH_USAGE=usage_file)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", WRAPPER, "--db", db, "-q", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, err_bytes = proc.communicate(timeout=timeout)
        state = "ok" if proc.returncode == 0 else None
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err_bytes = proc.communicate()
        state = "timeout"
    seconds = time.perf_counter() - started
    err = err_bytes.decode("utf-8", "replace").strip()
    if state is None:
        state = f"exit {proc.returncode}: {err.splitlines()[-1][:100] if err else ''}"
    try:
        with open(usage_file) as fh:
            peak = int(fh.read() or 0)
        os.unlink(usage_file)
    except (OSError, ValueError):
        peak = 0
    return Run(seconds, peak, state)


def startup_seconds(env: dict) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", WRAPPER, "--help"], cwd=ROOT, capture_output=True,
                       env=dict(env, THREADMINER_BENCH_USAGE=os.devnull))
        times.append(time.perf_counter() - started)
    return sorted(times)[1]


def exponent(small: float, large: float, startup: float) -> tuple[float, float | None]:
    """(raw, net) growth exponents: log10 of the time ratio, and the same after taking the
    start-up time off both, which says more, but only when the small run is well above the
    start-up time (else None: the load of the machine would decide it)."""
    raw = math.log10(max(large, 0.01) / max(small, 0.01))
    if small - startup < max(0.2, startup):
        return raw, None
    return raw, math.log10(max(large - startup, 0.01) / (small - startup))


def exponents_text(exps: tuple[float, float | None], bound: str = "") -> str:
    raw, net = exps
    return f"{bound}{raw:>5.2f} {bound + format(net, '5.2f') if net is not None else '    -':>6}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default=",".join(SHAPES), help="comma-separated, default all")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply both sizes (0.1 for a quick look)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per command")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="threadminer-adversarial-"))
    env = dict(os.environ, XDG_CONFIG_HOME=str(work / "config"), PYTHONPATH=str(ROOT))
    env.pop("THREADMINER_CONFIG", None)
    env.pop("THREADMINER_BASE", None)
    startup = startup_seconds(env)
    print(f"interpreter start-up: {startup:.2f} s (taken off for the net exponent); timeout {args.timeout:g} s")
    print(f"{'shape / command':<44} {'size':>8} {'time':>9} {'peak':>8} {'size':>8} {'time':>9} {'peak':>8} "
          f"{'raw':>5} {'net':>6}")
    worst = 0.0
    try:
        for name in args.shapes.split(","):
            shape = SHAPES[name]
            sizes = tuple(max(1, int(s * args.scale)) for s in shape.sizes)
            runs: list[list[Run]] = []
            for size in sizes:
                folder = work / f"{name}-{size}"
                folder.mkdir()
                built = shape.build(folder, size)
                stub = None
                base = ""
                if "root_mbox" in built.extra:
                    stub = ArchiveStub(built.extra["root_mbox"], built.extra["results_mbox"])
                    base = stub.base
                db = str(folder / "store.sqlite3")
                these = []
                try:
                    for command in shape.commands:
                        filled = [a.format(src=built.source, root=built.root, base=base) for a in command]
                        these.append(run_command(filled, db, env, args.timeout))
                finally:
                    if stub is not None:
                        stub.close()
                runs.append(these)
            total = [sum(r.seconds for r in rs) for rs in runs]
            for i, command in enumerate(shape.commands):
                small, large = runs[0][i], runs[1][i]
                e = exponent(small.seconds, large.seconds, startup)
                shown = " ".join(a for a in command if a not in ("--base", "{base}"))
                label = f"{name}: {shown.replace('{src}', 'SRC').replace('{root}', 'ROOT')}"
                bound = ">" if large.status == "timeout" else ""
                print(f"{label:<44} {sizes[0]:>8} {small.seconds:>8.2f}s {small.peak_kib / 1024:>6.0f}M "
                      f"{sizes[1]:>8} {bound}{large.seconds:>7.2f}s {large.peak_kib / 1024:>6.0f}M {exponents_text(e, bound)}")
                for size, run in ((sizes[0], small), (sizes[1], large)):
                    if run.status != "ok":
                        print(f"    at {size}: {run.status}")
            e = exponent(total[0], total[1], startup * len(shape.commands))
            worst = max(worst, e[1] if e[1] is not None else e[0])
            print(f"{name + ': all commands':<44} {sizes[0]:>8} {total[0]:>8.2f}s {'':>7} {sizes[1]:>8} "
                  f"{total[1]:>8.2f}s {'':>7} {exponents_text(e)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"worst shape exponent (net where known, else raw): {worst:.2f} (target <= 1.2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
