"""The one rule for heatmap colours: how many entries (or reviews) a day makes which step.

Used by `stats --plot`, `review stats --plot` and the site's home page, so a
day looks the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

HEAT_COLOURS = ("#ebedf0", "#9be9a8", "#40c463", "#30a14e", "#216e39")
"""No entries, then four greens: the contribution-graph palette."""
STEPS = len(HEAT_COLOURS) - 1


def heat_levels(most: int) -> list[int]:
    """The lowest entry count of each colour step for days with entries (at most 4 steps).

    One step per count up to 4 entries a day; above that the range 1..most
    is cut in four.
    """
    if most <= 4:
        return list(range(1, max(most, 1) + 1))
    return sorted({1 + (k * (most - 1) + 2) // 4 for k in range(4)})  # rounded half up


def level_labels(levels: Sequence[int], most: int) -> list[str]:
    """Legend labels of the colour steps: "0", then "1", "2–3", …, "8+"."""
    labels = ["0"]
    for i, low in enumerate(levels):
        high = levels[i + 1] - 1 if i + 1 < len(levels) else most
        if i + 1 == len(levels) and high > low:
            labels.append(f"{low}+")
        else:
            labels.append(str(low) if high <= low else f"{low}–{high}")
    return labels


def heat_level(count: int, most: int) -> int:
    """The colour step (0 for none, 1 to 4) of a day with `count` when the busiest has `most`.

    With two or three distinct steps (a log whose busiest day has 2 or 3
    entries) the steps are spread over the greens, the busiest darkest.
    """
    if count <= 0:
        return 0
    levels = heat_levels(max(most, count))
    index = max(i for i, low in enumerate(levels) if low <= count)
    return 1 + round(index * (STEPS - 1) / max(len(levels) - 1, 1))
