"""Lines whose wrapped part hangs under their text, not at the left edge.

At 80 columns the home screen's panels are 30 to 45 cells wide, so a skill's title or a
goal often wraps; a continuation at column 0 reads as a new entry.  Rich and Textual
wrap without a hanging indent, so the indent is a column of its own (a grid).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group
from rich.table import Table
from rich.text import Text


def hanging(prefix: str, text: Text | str) -> Table:
    """`prefix` (a number, or spaces), then `text` wrapping under its own first letter."""
    grid = Table.grid()
    grid.add_column(width=len(prefix), no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(prefix, text)
    return grid


def hanging_lines(lines: Iterable[str]) -> Group:
    """Each line wraps under its own start: its leading spaces are its indent."""
    rows: list[Table | Text] = []
    for line in lines:
        text = line.lstrip(" ")
        indent = len(line) - len(text)
        rows.append(hanging(" " * indent, text) if indent and text else Text(text))
    return Group(*rows)
