"""Geometry of the stats page's SVG charts: the app draws them itself (no script, no
external asset), so they work inside the portal's iframe and in every language."""

from dataclasses import dataclass

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM = 640, 160, 36, 20


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str


def nice_max(values) -> int:
    """The axis top: the largest value rounded up to 1, 2 or 5 × 10ⁿ (at least 1)."""
    top = max([int(v) for v in values] + [1])
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= top:
                return step * factor
        step *= 10


def columns(values: list[int], labels: list[str]) -> tuple[list[Bar], int]:
    """Vertical bars, one per value, across the chart's width; returns (bars, axis top)."""
    top = nice_max(values)
    span = (WIDTH - PAD_LEFT) / max(len(values), 1)
    usable = HEIGHT - PAD_BOTTOM
    bars = []
    for index, (value, label) in enumerate(zip(values, labels, strict=True)):
        height = usable * int(value) / top
        x = PAD_LEFT + index * span + span * 0.1
        bars.append(
            Bar(
                round(x, 1),
                round(usable - height, 1),
                round(span * 0.8, 1),
                round(height, 1),
                int(value),
                label,
            )
        )
    return bars, top


def rows(values: list[int], labels: list[str], width: int = WIDTH - 200) -> tuple[list[Bar], int]:
    """Horizontal bars, one per value (channels, durations); returns (bars, scale top)."""
    top = nice_max(values)
    return [
        Bar(0, index * 24, round(width * int(value) / top, 1), 16, int(value), label)
        for index, (value, label) in enumerate(zip(values, labels, strict=True))
    ], top
