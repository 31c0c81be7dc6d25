"""The mastery meter: how close a learner is to mastering a skill, in glyphs a console has."""

from __future__ import annotations

from textual.widgets import Static

from engine.mastery import MASTERY_LINE, Level, Standing

_WIDTH = 20
# Full block and light shade are in the IBM PC set, so every console font has them.
_FULL, _EMPTY = "\u2588", "\u2591"


def meter_text(standing: Standing | None, width: int = _WIDTH) -> str:
    """`[████░░░░] nearly there`: the bar fills at the mastery line, not at certainty."""
    if standing is None or standing.level == Level.NOT_STARTED:
        return f"{_EMPTY * width} {Level.NOT_STARTED}"
    filled = width if standing.level == Level.MASTERED else min(
        width, round(width * standing.p_known / MASTERY_LINE))
    return f"{_FULL * filled}{_EMPTY * (width - filled)} {standing.level}"


class MasteryMeter(Static):
    """A one-line meter for one skill; `show` moves it."""

    def show(self, standing: Standing | None) -> None:
        self.update(meter_text(standing))
        level = standing.level if standing is not None else Level.NOT_STARTED
        self.set_class(level == Level.MASTERED, "-mastered")
