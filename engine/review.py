"""Review: when a mastered skill should come back, so that it stays mastered.

The schedule runs over a skill's recalls as mastery finds them (`engine.mastery.Recall`):
the moment of mastery, the first right answer of each later day while the skill stays
mastered, and every wrong answer that loses it.  The first review is due FIRST_DAYS after mastery.
Remembering at a review that is due multiplies the interval by GROWTH (taking the time
actually waited when that was longer, since remembering after a longer wait shows
more), up to MAX_DAYS: 2, 5, 12.5, 31 days...  Remembering before a review is due is
practice and changes nothing.  Forgetting, whenever it shows, brings the skill back
after LAPSE_DAYS and starts the growth again from there; it also drops the skill to
"needs review" (engine.mastery), which path options offer first.

Why not FSRS (the `fsrs` library): it was tried and fits in every respect but speed.
The schedule is a pure function of the journal, replayed at every sign-in (no cache may
be written per answer), and `fsrs` takes about 11 microseconds per rated review here:
in bench/model.py's history (10,000 answers, about 2,000 rated recalls) it cost 20-30 ms,
several times the 10 ms budget of the whole home screen, against about 1.5 ms for this
schedule.
It is deterministic, as a replayed schedule must be: no random spread of due dates.

Times are the wall milliseconds of the events' clock stamps and a "now" the caller takes
from the station's clock, never the raw wall clock alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from engine.mastery import DAY_MS, Level, Recall, Standing

FIRST_DAYS = 2.0
GROWTH = 2.5
LAPSE_DAYS = 1.0
MAX_DAYS = 180.0


@dataclass(frozen=True)
class Review:
    """A mastered skill's next review: when it is due, and the interval that led there."""

    skill: str
    due_ms: int
    interval_days: float

    def is_due(self, now_ms: int) -> bool:
        return self.due_ms <= now_ms


def next_review(skill: str, recalls: Sequence[Recall]) -> Review | None:
    """When `skill` is next due, from its recalls in clock order (None: never mastered)."""
    due_ms = last_ms = -1
    due = ""  # due_ms as a stamp's text, to pass over early practice without parsing
    interval = 0.0
    for stamp, remembered in recalls:
        if remembered and stamp < due:
            continue
        wall_ms = _wall_ms(stamp)
        if not remembered:
            interval = LAPSE_DAYS
        elif last_ms < 0:
            interval = FIRST_DAYS
        else:
            waited = (wall_ms - last_ms) / DAY_MS
            interval = min(max(interval, waited) * GROWTH, MAX_DAYS)
        last_ms, due_ms = wall_ms, wall_ms + round(interval * DAY_MS)
        due = f"{due_ms:013d}"
    return Review(skill, due_ms, interval) if last_ms >= 0 else None


def _wall_ms(stamp: str) -> int:
    """The wall milliseconds of a clock stamp (what `HLC.parse` gives), read by slicing:
    a long history rates thousands of recalls at each sign-in, and the journal checked
    every stamp when the event came in."""
    wall = stamp[:13]
    return int(wall) if wall.isdigit() else 0


def reviews(standings: Mapping[str, Standing]) -> dict[str, Review]:
    """The next review of every mastered skill."""
    found = {}
    for skill, standing in standings.items():
        if standing.level == Level.MASTERED:
            review = next_review(skill, standing.recalls)
            if review is not None:
                found[skill] = review
    return found


def due_reviews(standings: Mapping[str, Standing], now_ms: int) -> list[Review]:
    """The mastered skills due for review at `now_ms`, longest overdue first."""
    due = [r for r in reviews(standings).values() if r.is_due(now_ms)]
    return sorted(due, key=lambda r: (r.due_ms, r.skill))
