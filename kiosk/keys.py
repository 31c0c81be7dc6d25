"""Digit keys that pick the nth entry of a list on screen.

Each digit is its own binding; the screen's `check_action` turns off those past the last
entry (`allowed`), so a child pressing 4 on a list of three is told nothing happened, and
the footer shows the digits that work as one range ("1-3", or "1" alone).
"""

from __future__ import annotations

from textual.binding import Binding


def numbered(action: str, description: str, most: int) -> list[Binding]:
    """Digits 1 to `most` run `action(index)`, each described alike."""
    return [Binding(str(n), f"{action}({n - 1})", description) for n in range(1, most + 1)]


def allowed(parameters: tuple[object, ...], count: int) -> bool:
    """For a screen's `check_action`: whether the digit names one of `count` entries."""
    index = parameters[0] if parameters else 0
    return isinstance(index, int) and 0 <= index < count
