"""Where the real pages and graphs live: ../shared/realweb beside the checkout, not in the repo.

A git worktree sits deeper than the main checkout (/work/wt/NAME against /work/main), so the
folder is looked for upwards from the repository root; tests skip, naming it, when it is absent.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _find() -> Path:
    for parent in ROOT.parents:
        if (parent / "shared" / "realweb").is_dir():
            return parent / "shared" / "realweb"
    return ROOT.parent / "shared" / "realweb"


REALWEB = _find()
