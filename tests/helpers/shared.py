"""Where the data that lives beside the project is: `shared/` (real pages, graphs, other
projects' conformance files), too big or not ours to keep in the repository.

A fresh clone sits beside it (`../shared`); a git worktree sits deeper (/work/wt/NAME against
/work/main), so the folder is looked for upwards from the repository root. LINKGRAPH_SHARED
names it anywhere else (README.md, "The two commands"). Tests and benchmarks skip, naming the
path, when a folder is absent.

    >>> shared_path("realweb").name
    'realweb'
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def shared_path(name: str) -> Path:
    """shared/NAME: under $LINKGRAPH_SHARED when set, else the first found upwards from the
    repository root, else ../shared/NAME (absent: the callers skip naming it)."""
    chosen = os.environ.get("LINKGRAPH_SHARED")
    if chosen:
        return Path(chosen) / name
    for parent in ROOT.parents:
        if (parent / "shared" / name).is_dir():
            return parent / "shared" / name
    return ROOT.parent / "shared" / name
