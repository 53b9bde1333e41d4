"""Peak memory of `threadminer fetch` refusing a gzip bomb, against fetching a real thread.

    python bench/fetch_bomb.py [--expand-mib N] [--cap-mib N]

A loopback HTTP server (Python's http.server) serves two answers as `t.mbox.gz`:
baseline, the seed thread (27 messages, corpus/seed-thread/thread.mbox) gzipped; bomb, a
gzip stream that begins with the seed thread's first message and then expands to N MiB of
zeros (default 1024 MiB, about 1 MiB on the wire). Each `threadminer fetch` runs in its own
process with a fresh store and the default limits (or `[fetch] max_expanded_mb` = --cap-mib),
so its peak RSS is its own. Printed: wall time, peak RSS, exit code, and the bomb/baseline RSS ratio. The
bomb must end with exit 2 and an RSS close to the baseline's: decompression streams to disk
and stops at the cap, it never holds the expansion in memory.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = os.path.join(os.path.dirname(ROOT), "shared", "corpus", "seed-thread", "thread.mbox")
MID = "20221019234256.GR2703033@dread.disaster.area"


def bomb(head: bytes, expand_mib: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = io.BytesIO()
    out.write(packer.compress(head))
    zeros = bytes(1 << 20)
    for _ in range(expand_mib):
        out.write(packer.compress(zeros))
    out.write(packer.flush())
    return out.getvalue()


def serve(body: bytes) -> tuple[http.server.HTTPServer, str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/test/"


def run_fetch(base: str, cap_mib: int | None, folder: str) -> tuple[float, int, int, str]:
    """(seconds, peak RSS KiB, exit code, stderr) of one `threadminer fetch` in a child,
    its RSS from wait4 (that child's own, not a running maximum)."""
    config = os.path.join(folder, "config", "threadminer")
    os.makedirs(config, exist_ok=True)
    if cap_mib is not None:
        with open(os.path.join(config, "config.toml"), "w") as fh:
            fh.write(f"[fetch]\nmax_expanded_mb = {cap_mib}\n")
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(folder, "config"),
               THREADMINER_DB=os.path.join(folder, "store.sqlite3"))
    with tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "threadminer", "-q", "fetch", MID, "--base", base],
                                env=env, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return seconds, usage.ru_maxrss, proc.returncode, err.read().decode().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expand-mib", type=int, default=1024)
    parser.add_argument("--cap-mib", type=int, default=None)
    args = parser.parse_args()
    with open(SEED, "rb") as fh:
        seed = fh.read()
    first = seed[: seed.index(b"\nFrom mboxrd@z", 1) + 1]
    answers = {"baseline (seed thread)": gzip.compress(seed), f"bomb ({args.expand_mib} MiB)": bomb(first, args.expand_mib)}
    rows = []
    for label, body in answers.items():
        server, base = serve(body)
        with tempfile.TemporaryDirectory() as folder:
            seconds, rss, exit_code, err = run_fetch(base, args.cap_mib, folder)
        server.shutdown()
        rows.append((label, len(body), seconds, rss, exit_code, err))
    for label, wire, seconds, rss, exit_code, err in rows:
        print(f"{label:28} wire {wire / 1024:8.0f} KiB  {seconds:6.2f} s  peak RSS {rss / 1024:6.1f} MiB  "
              f"exit {exit_code}  {err[-60:]}")
    print(f"bomb/baseline peak RSS: {rows[1][3] / rows[0][3]:.2f}")


if __name__ == "__main__":
    main()
