"""The unit tests' promise kept by force: no server process of any kind, no chDB, no crawl.

tests/unit/conftest.py installs it around every unit test. Starting Valkey, redis-server or
clickhouse-server, opening chDB, serving the simulated web or starting a Scrapy crawl raises
ServerStarted and is written to a report file that fails the test at teardown, even when the code
under test catches the error. Python children of the test (a `linkgraph` command, a script)
refuse the same through server_guard_site/sitecustomize.py, which leads their PYTHONPATH:

    python -m pytest tests/unit   # a test that opens chDB fails: "move it to tests/integration"
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

# The file refusals are appended to, one line each, by the test process and its children.
REPORT_ENV = "UNIT_TEST_SERVER_GUARD"
SITE_DIR = Path(__file__).with_name("server_guard_site")
SERVER_BINARIES = ("valkey", "redis-server", "redis-stack", "clickhouse")
CHDB_MODULES = ("chdb", "chdb.session", "chdb.dbapi", "chdb.state")


class ServerStarted(RuntimeError):
    """A unit test started a server, chDB or a crawl."""


def refuse(what: str) -> NoReturn:
    report = os.environ.get(REPORT_ENV)
    if report:
        with open(report, "a", encoding="utf-8") as out:
            out.write(f"pid {os.getpid()}: {what}\n")
    raise ServerStarted(
        f"a unit test started {what}: move it to tests/integration (servers, chDB) "
        "or tests/e2e (crawls)"
    )


def server_binary(args: Any) -> str | None:
    """The server a command line starts, if it starts one: valkey-server, redis-server, ..."""
    if isinstance(args, str | bytes | os.PathLike):
        first = os.fsdecode(args).split()[0] if os.fsdecode(args).strip() else ""
    elif isinstance(args, Sequence) and args:
        first = os.fsdecode(args[0])
    else:
        return None
    name = Path(first).name
    return name if name.startswith(SERVER_BINARIES) else None


def child_env(env: Mapping[str, str] | None) -> dict[str, str]:
    """`env` (or ours) with the guard's site folder leading PYTHONPATH, so Python children
    refuse servers too."""
    merged = dict(os.environ if env is None else env)
    paths = [str(SITE_DIR), *filter(None, merged.get("PYTHONPATH", "").split(os.pathsep))]
    merged["PYTHONPATH"] = os.pathsep.join(paths)
    if REPORT_ENV in os.environ:
        merged[REPORT_ENV] = os.environ[REPORT_ENV]
    return merged


class GuardedPopen(subprocess.Popen):  # type: ignore[type-arg]
    """subprocess.Popen refusing server binaries and passing the guard on to Python children."""

    def __init__(self, args: Any, *more: Any, **options: Any) -> None:
        name = server_binary(args)
        if name is not None:
            refuse(f"a server process ({name})")
        options["env"] = child_env(options.get("env"))
        super().__init__(args, *more, **options)


class RefusedModule(ModuleType):
    """Stands in for chdb and its submodules: any use of them is refused; dunder lookups (made by
    inspect, warnings, the import system) are plain misses, so only real use counts."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        refuse(f"chDB ({self.__name__}.{name})")


def refused_modules() -> dict[str, ModuleType]:
    return {name: RefusedModule(name) for name in CHDB_MODULES}


def install_in_child() -> None:
    """For a Python child of a unit test: refuse server binaries and chDB for its whole life."""
    import sys

    subprocess.Popen = GuardedPopen  # type: ignore[misc]
    sys.modules.update(refused_modules())
