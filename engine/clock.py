"""Hybrid logical clock: event timestamps that never run backwards.

A Raspberry Pi has no real-time clock and may boot believing it is 1970, and a wall
clock can jump either way when it is set.  An HLC keeps the wall time where it moves
forward and counts logically where it does not, so every stamp it issues is greater
than every stamp it has issued or seen before.  The high-water mark is persisted by its
owner (the journal stamps every event and recovers the largest stamp on open).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from engine.errors import PathstoneError

_HLC_RE = re.compile(r"^(\d{13})-(\d{8})$")
_MAX_COUNTER = 99_999_999


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class ClockError(PathstoneError):
    pass


@dataclass(frozen=True, order=True)
class HLC:
    """A stamp: wall milliseconds, then a counter for stamps within the same one.

    The text form has fixed widths so that text order and time order agree.
    """

    wall_ms: int
    counter: int = 0

    def __str__(self) -> str:
        return f"{self.wall_ms:013d}-{self.counter:08d}"

    @classmethod
    def parse(cls, text: object) -> HLC:
        match = _HLC_RE.match(text) if isinstance(text, str) else None
        if match is None:
            raise ClockError(f"{text!r} is not a clock stamp of the form 0000000000000-00000000.")
        return cls(int(match.group(1)), int(match.group(2)))


ZERO = HLC(0, 0)


class HybridClock:
    """Issues strictly increasing stamps from a wall clock that may be wrong."""

    def __init__(self, last: HLC = ZERO, wall: Callable[[], int] = wall_clock_ms) -> None:
        self._last = last
        self._wall = wall

    @property
    def last(self) -> HLC:
        return self._last

    def now(self) -> HLC:
        self._last = self._after(self._last, self._wall())
        return self._last

    def observe(self, seen: HLC) -> None:
        """Take in a stamp made elsewhere, so later stamps here sort after it."""
        if seen > self._last:
            self._last = seen

    @staticmethod
    def _after(last: HLC, wall_ms: int) -> HLC:
        if wall_ms > last.wall_ms:
            return HLC(wall_ms, 0)
        if last.counter < _MAX_COUNTER:
            return HLC(last.wall_ms, last.counter + 1)
        # A wall clock stuck in the past for 10^8 stamps in one millisecond: move the
        # millisecond on rather than wrap the counter.
        return HLC(last.wall_ms + 1, 0)
