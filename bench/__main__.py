"""Every benchmark in one run: each bench module's main() prints ours beside its peer and the ratio.

    python -m bench            # every module, full size (see bench/RESULTS.md)
    python -m bench --quick    # modules that have a quick mode use it
    python -m bench crawl store   # only these (bench_<name>)

A module whose main() takes `quick` gets it; one that parses its own options gets none (its
defaults). A module that fails is reported and the others still run; the exit code says so.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import sys
import time
import traceback
from pathlib import Path


def modules() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))


def run(name: str, quick: bool) -> bool:
    print(f"== {name}", flush=True)
    started = time.monotonic()
    module = importlib.import_module(f"bench.{name}")
    argv, sys.argv = sys.argv, [name]  # a main() that parses options sees only its defaults
    try:
        if "quick" in inspect.signature(module.main).parameters:
            module.main(quick=quick)
        else:
            module.main()
    except Exception:  # one broken bench must not hide the others' figures
        traceback.print_exc()
        print(f"== {name}: FAILED after {time.monotonic() - started:.0f} s", flush=True)
        return False
    finally:
        sys.argv = argv
    print(f"== {name}: {time.monotonic() - started:.0f} s", flush=True)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="e.g. crawl (bench_crawl)")
    parser.add_argument("--quick", action="store_true", help="quick modes where a bench has one")
    args = parser.parse_args()
    names = [n if n.startswith("bench_") else f"bench_{n}" for n in args.names] or modules()
    failed = [name for name in names if not run(name, args.quick)]
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
