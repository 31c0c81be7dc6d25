"""What a classroom for kiosk tests holds (its fixtures are in conftest.py), and a fixed clock.

Also the ways a test acts like a person: a scanner's burst of keys (with controlled
times, which `pilot.press` cannot give), and the right answer to whatever item is shown.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.screen import Screen

from engine import badges, roster
from engine.event import Event
from engine.places import Places
from engine.station import Station
from kiosk.app import PathstoneApp

SCHOOL = "Hillside Primary"
LEARNERS = ("Ana B.", "Bao C.")
NEWCOMER = "Cid D."
TEACHER, PIN = "Ms Dlamini", "246810"
NINE_THIRTY = datetime(2026, 11, 23, 9, 30)
# Each burst starts well after the last, so that the debouncer never merges two tests' scans.
_BURST_STARTS = itertools.count(10_000, 10)


@dataclass
class FakeMonotonic:
    """A monotonic clock a test moves by hand (idle sign-out)."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def kiosk(station: Station, *, demo: bool = False, monotonic: FakeMonotonic | None = None,
          places: Places | None = None) -> PathstoneApp:
    """The kiosk at 9:30; its sticks under `places` (the machine's own when not given)."""
    return PathstoneApp(station, demo=demo, wall=lambda: NINE_THIRTY,
                        monotonic=monotonic or FakeMonotonic(), places=places or Places())


def badge(station: Station, learner: str) -> str:
    member = roster.members_of(station)[learner]
    return badges.payload(station.identity.school_id, member.id, member.badge_serial,
                          station.school_key())


async def type_keys(pilot: Pilot[Any], text: str, gap: float, *, enter: bool = True) -> None:
    """Keys into the focused widget `gap` seconds apart (by their stamps), then Enter."""
    target = pilot.app.focused
    assert target is not None, "nothing has focus to type into"
    start = float(next(_BURST_STARTS))
    keys = [(_character_to_key(c), c) for c in text] + ([("enter", "\r")] if enter else [])
    for n, (key, character) in enumerate(keys):
        event = events.Key(key, character)
        event.time = start + n * gap
        target.post_message(event)
    await pilot.pause()
    await pilot.pause()


async def scan(pilot: Pilot[Any], text: str) -> None:
    """A keyboard-wedge scanner's burst: 5 ms a key."""
    await type_keys(pilot, text, 0.005)


async def wait_for_screen(pilot: Pilot[Any], kind: type[Screen[Any]], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if isinstance(pilot.app.screen, kind) and pilot.app.screen.is_mounted:
            return
        await pilot.pause(0.01)
    raise AssertionError(f"still on {pilot.app.screen!r}, not {kind.__name__}")


async def sign_in(pilot: Pilot[Any], station: Station, learner: str = "l1") -> None:
    from kiosk.screens.home import HomeScreen

    await scan(pilot, badge(station, learner))
    await wait_for_screen(pilot, HomeScreen)


def right_answer(item: Mapping[str, Any]) -> object:
    kind = item["type"]
    if kind == "choice":
        return list(item["answer"])
    if kind == "order":
        return list(item["answer"])
    if kind == "number":
        return str(item["answer"])
    return str(item["answers"][0])


def wrong_answer(item: Mapping[str, Any]) -> object:
    kind = item["type"]
    if kind == "choice":
        return [next(i for i in range(len(item["choices"])) if i not in item["answer"])]
    if kind == "order":
        return list(reversed(item["answer"]))
    return "999" if kind == "number" else "no idea"


async def answer(pilot: Pilot[Any], response: object) -> None:
    """Give `response` with the keys a student would press, for any item type."""
    from kiosk.widgets.answers import ChoiceAnswer, OrderAnswer, TypedAnswer

    widget = pilot.app.screen.query_one("#answer")
    if isinstance(widget, TypedAnswer):
        widget.value = str(response)
        await pilot.press("enter")
    elif isinstance(widget, ChoiceAnswer):
        assert isinstance(response, list)
        if widget.multiple:
            await pilot.press(*(str(i + 1) for i in response), "enter")
        else:
            await pilot.press(str(response[0] + 1), "enter")
    elif isinstance(widget, OrderAnswer):
        assert isinstance(response, list)
        await pilot.press(*order_keys(widget.order, response), "enter")
    else:
        raise AssertionError(f"unknown answer widget {widget!r}")


def order_keys(current: list[int], wanted: list[int]) -> list[str]:
    """Selection sort with the widget's keys: go to the entry, take it, carry it up, drop it."""
    order, cursor, keys = list(current), 0, []
    for target, entry in enumerate(wanted):
        at = order.index(entry)
        keys += ["down" if at > cursor else "up"] * abs(at - cursor)
        keys += ["space", *["up"] * (at - target), "space"]
        order.insert(target, order.pop(at))
        cursor = target
    return keys


def events_of(station: Station, learner: str, kind: str) -> list[Event]:
    return [e for e in station.journal.history(learner) if e.type == kind]
