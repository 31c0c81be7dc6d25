"""Lines whose wrapped part hangs under their text, not at the left edge.

At 80 columns the home screen's panels are 30 to 45 cells wide, so a skill's title or a
goal often wraps; a continuation at column 0 reads as a new entry.  Rich and Textual
wrap without a hanging indent, so the text is wrapped here, to the width left after the
prefix, and each line after the first starts under its first letter.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.measure import Measurement
from rich.text import Text


class Hanging:
    """`prefix` (a number, or spaces), then `text` wrapping under its own first letter.

    A renderable of its own rather than a two-column table: the home screen draws one
    per step and per line about the student, and a table measures its columns every
    time it is drawn, which slowed the home screen's first appearance.
    """

    def __init__(self, prefix: str, text: Text | str) -> None:
        self.prefix = prefix
        self.text = text if isinstance(text, Text) else Text(text)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        indent = cell_len(self.prefix)
        lines = self.text.wrap(console, max(1, options.max_width - indent))
        starts = [self.prefix] + [" " * indent] * (len(lines) - 1)
        yield Text("\n", no_wrap=True).join(Text(start) + line for start, line in zip(starts, lines))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        indent = cell_len(self.prefix)
        inner = Measurement.get(console, options, self.text)
        return Measurement(inner.minimum + indent, inner.maximum + indent)


def hanging_lines(lines: Iterable[str]) -> Group:
    """Each line wraps under its own start: its leading spaces are its indent."""
    rows: list[Text | Hanging] = []
    for line in lines:
        text = line.lstrip(" ")
        indent = len(line) - len(text)
        rows.append(Hanging(" " * indent, text) if indent and text else Text(text))
    return Group(*rows)
