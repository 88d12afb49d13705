"""Many `linkgraph` commands run in ONE child process, each through `crawler.cli.app.main`.

A test comparing dozens of query commands paid ~1.4 s of CPU per `linkgraph` child (the
interpreter, Scrapy, chDB, the command registry) for a query of a few milliseconds. Here one
child imports all that once and calls `main(argv)` for each command in turn: the CLI's own code
path (parsing, connection settling, the command, its output and error handling), with each
command's stdout, stderr and exit code captured apart. `main` is safe to call again: it builds a
fresh parser, replaces the root logger's one handler (made on the redirected stderr), and a
query command gives its store back when it ends (chDB's data directory is reopened by the next).
A child, not the pytest process: a chDB store is held by one process at a time, and a test may
start a server on it afterwards.

    >>> first, second = linkgraph_batch([["backlinks", "a.com", *args], ["sql", "SELECT 1"]])
    >>> first.returncode, first.stdout                                      # doctest: +SKIP
    (0, '...')
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.helpers.e2e import check_exit

# The child: reads a JSON list of argv lists on stdin, writes one JSON list of
# [exit code, stdout, stderr] on the real stdout once every command has run.
_CHILD = """
import contextlib, io, json, sys, traceback
from crawler.cli.app import main

results = []
for argv in json.load(sys.stdin):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's usage errors, --help
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
        except Exception:  # as the interpreter ends a child: its traceback, exit code 1
            traceback.print_exc()
            code = 1
    results.append([code, out.getvalue(), err.getvalue()])
json.dump(results, sys.__stdout__)
"""


def linkgraph_batch(
    commands: Sequence[Sequence[str]], *, timeout: float = 600, check: bool = True
) -> list[subprocess.CompletedProcess[str]]:
    """One CompletedProcess per command (its words, exit code, stdout, stderr), in order;
    with `check`, AssertionError naming the first command that did not exit 0."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=json.dumps([list(argv) for argv in commands]),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    if proc.returncode != 0:
        raise AssertionError(f"the batch child exited {proc.returncode}\n{proc.stderr[-8000:]}")
    done = [
        subprocess.CompletedProcess(list(argv), code, out, err)
        for argv, (code, out, err) in zip(commands, json.loads(proc.stdout), strict=True)
    ]
    for result in done:
        if check:
            check_exit(result.args, result)
    return done
