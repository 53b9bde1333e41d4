"""Runs `b4 --offline-mode am -m MBOX -o OUTDIR MSGID` for many threads in one process.

Started by bench/b4_compare.py with the bench environment's Python (b4 installed there, not
in threadminer's environment). Reads one JSON job a line on stdin,
{"mbox": ..., "msgid": ..., "outdir": ...}, and writes one JSON line per job on stdout:
{"msgid": ..., "exit": 0, "seconds": ...}. Running b4 in-process keeps the interpreter's
start-up out of the timing; each job is still parsed by b4's own argument parser, exactly
as the command line would be.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
import time

import b4
import b4.command


def main() -> None:
    parser = b4.command.setup_parser()
    configured = False
    logging.getLogger("b4").setLevel(logging.CRITICAL + 1)
    for line in sys.stdin:
        job = json.loads(line)
        argv = ["--offline-mode", "-q", "-c", "b4.attestation-policy=off", "am", "-m", job["mbox"],
                "-o", job["outdir"], "-n", "b4", "--", job["msgid"]]  # "--": a Message-ID may start with "-"
        try:
            args = parser.parse_args(argv)
        except SystemExit:
            print(json.dumps({"msgid": job["msgid"], "exit": 2, "seconds": 0.0, "error": "bad arguments"}),
                  flush=True)
            continue
        if not configured:
            b4.setup_config(args)
            configured = True
        b4.can_network = False
        started = time.perf_counter()
        code = 0
        err = io.StringIO()
        try:
            with contextlib.redirect_stdout(err), contextlib.redirect_stderr(err):
                args.func(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except Exception as exc:  # noqa: BLE001 - one thread b4 fails on must not stop the run
            code = 99
            err.write(f"{type(exc).__name__}: {exc}")
        seconds = time.perf_counter() - started
        print(json.dumps({"msgid": job["msgid"], "exit": code, "seconds": seconds,
                          "error": err.getvalue()[-500:] if code else ""}), flush=True)


if __name__ == "__main__":
    main()
