"""How many generated examples a property test runs: its full count, scaled for quick runs.

`make test` runs every count in full; `make test-fast` sets TEST_EXAMPLES_SCALE=0.2 so the unit
folder stays under a minute on two cores. Never below `floor`, so a quick run still covers
each strategy's branches.

    >>> examples(3000, scale=0.2)
    600
"""

from __future__ import annotations

import os


def scale() -> float:
    raw = os.environ.get("TEST_EXAMPLES_SCALE", "1")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"TEST_EXAMPLES_SCALE={raw!r}: not a number") from None
    if not 0 < value <= 1:
        raise ValueError(f"TEST_EXAMPLES_SCALE={raw!r}: must be in (0, 1]")
    return value


def examples(full: int, *, scale: float | None = None, floor: int = 50) -> int:
    """`full` scaled by TEST_EXAMPLES_SCALE (or `scale`), at least `floor` (or `full` if less)."""
    factor = globals()["scale"]() if scale is None else scale
    return max(min(full, floor), round(full * factor))
