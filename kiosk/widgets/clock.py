"""The time of day, as a child reads it on the wall clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.widgets import Static


class WallClock(Static):
    """Shows `now()` as hours and minutes, refreshed every few seconds."""

    def __init__(self, now: Callable[[], datetime], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._now = now

    def on_mount(self) -> None:
        self.tick()
        self.set_interval(5, self.tick)

    def tick(self) -> None:
        self.update(self._now().strftime("%H:%M"))
