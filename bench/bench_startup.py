"""Start-up benchmark: whole `linkgraph` processes, wall and CPU, beside a bare Python (issue 17).

    python -m bench.bench_startup                 # a fresh small chDB store, 10 runs of each
    python -m bench.bench_startup --baseline /tmp/main-copy   # also another checkout, "before"
    python -m bench.bench_startup --clickhouse clickhouse://127.0.0.1:9000/default

Each command is `python -m crawler.cli.app ...` from a checkout (as the tests spawn it), run
`--runs` times interleaved with the peers and the baseline's, median wall and CPU seconds. The
peers, measured in the same run: `python -c pass` (the floor any Python CLI pays), `python -c
"import scrapy"` (a crawl worker's floor) and `clickhouse-client --version` where it is on PATH.
The store is bench_store's synthetic graph (--links rows), made in a child process so that this
one holds no chDB lock.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
MAKE_STORE = (
    "import sys; from bench.bench_store import load_graph; from pipelines.store import open_store; "
    "s = open_store(sys.argv[1]); s.migrate(); load_graph(s, int(sys.argv[2])); s.close()"
)


def child_env(root: Path) -> dict[str, str]:
    """Ours, with the checkout `root` first on the path and bytecode written: the warm-up run
    leaves the .pyc files an installed linkgraph has (PYTHONDONTWRITEBYTECODE=1 would time the
    compiler instead, on every run)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def make_store(directory: str, links: int) -> None:
    argv = [PY, "-c", MAKE_STORE, directory, str(links)]
    subprocess.run(argv, env=child_env(ROOT), check=True, cwd=ROOT)


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], root: Path) -> tuple[float, float]:
    """(wall, CPU) seconds for one process to run `argv` to its end; a failure fails the bench.

    CPU (user + system of the child) is the figure that matters on a loaded machine: the wall
    time also counts the waits for a core that the other jobs hold."""
    cpu, start = _child_cpu(), time.perf_counter()
    subprocess.run(argv, env=child_env(root), check=True, cwd=root, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - start, _child_cpu() - cpu


def ours(data: str, clickhouse: str) -> dict[str, list[str]]:
    cli = [PY, "-m", "crawler.cli.app"]
    argvs = {
        "linkgraph --version": [*cli, "--version"],
        "linkgraph --help": [*cli, "--help"],
        "linkgraph refdomains (chDB)": [*cli, "refdomains", "target0.com", "--data", data],
    }
    if clickhouse:
        argvs["linkgraph sql 'SELECT 1' (server)"] = [*cli, "sql", "SELECT 1", "--clickhouse",
                                                      clickhouse]  # fmt: skip
    return argvs


def peers() -> dict[str, list[str]]:
    argvs = {
        "python -c pass": [PY, "-c", "pass"],
        "python -c 'import scrapy'": [PY, "-c", "import scrapy"],
    }
    client = shutil.which("clickhouse-client")
    if client:
        argvs["clickhouse-client --version"] = [client, "--version"]
    return argvs


Runs = dict[str, tuple[list[str], Path]]


def measure(runs: Runs, times: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of each, interleaved so that load swings hit all alike."""
    for argv, root in runs.values():  # one warm-up each: page cache, .pyc files
        timed(argv, root)
    seen: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(times):
        for name, (argv, root) in runs.items():
            seen[name].append(timed(argv, root))
    return {
        name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
        for name, t in seen.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--links", type=int, default=20_000, help="rows in the chDB store")
    parser.add_argument("--clickhouse", default="", help="a clickhouse:// URL for `sql SELECT 1`")
    parser.add_argument("--baseline", type=Path, help="another checkout to time beside this one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lg-bench-startup-") as tmp:
        make_store(str(Path(tmp) / "store"), args.links)
        commands = ours(tmp, args.clickhouse)  # --data DIR: its store is DIR/store
        runs: Runs = {name: (argv, ROOT) for name, argv in commands.items()}
        if args.baseline:
            runs |= {f"{name} [baseline]": (argv, args.baseline.resolve())
                     for name, argv in commands.items()}  # fmt: skip
        runs |= {name: (argv, ROOT) for name, argv in peers().items()}
        medians = measure(runs, args.runs)
    floor = medians["python -c pass"][0]
    print(f"load average {os.getloadavg()[0]:.2f}, {args.runs} runs, medians")
    print(f"{'command':46} {'wall':>8} {'CPU':>8}  wall vs python -c pass")
    for name, (wall, cpu) in medians.items():
        print(f"{name:46} {wall:6.3f} s {cpu:6.3f} s  x{wall / floor:.1f}")


if __name__ == "__main__":
    main()
