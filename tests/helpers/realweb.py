"""Where the real pages and graphs live: shared/realweb beside the checkout, not in the repo
(tests/helpers/shared.py: found upwards from a worktree, or named by LINKGRAPH_SHARED); tests
skip, naming it, when it is absent.
"""

from __future__ import annotations

from tests.helpers.shared import shared_path

REALWEB = shared_path("realweb")
