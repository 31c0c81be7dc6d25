"""The app as a whole: what it starts on, and a picture of every screen at both sizes.

Pictures: 80x24 in the 16 ANSI colours (the Linux console of the Pi) and 120x40 in
truecolor.  Ids, the clock and the cursor are fixed so that pictures compare.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from engine.station import Station
from kiosk.app import PathstoneApp
from kiosk.screens.interview import InterviewScreen
from kiosk.screens.signin import SignInScreen
from kiosk.screens.teacher import TeacherScreen
from tests.kiosk.test_evidence import (
    PROJECT_SKILL,
    SHARED_SKILL,
    log_evidence,
    master_first_skill,
    review_evidence,
)
from tests.kiosk.kiosk_rig import (
    NINE_THIRTY,
    PIN,
    FakeMonotonic,
    answer,
    badge,
    kiosk,
    right_answer,
    scan,
    sign_in,
    wait_for_screen,
    wrong_answer,
)

SIZES = [pytest.param((80, 24), True, id="80x24-16colours"),
         pytest.param((120, 40), False, id="120x40-truecolor")]


async def test_the_kiosk_starts_on_the_sign_in_screen(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)):
        screen = app.screen
        assert isinstance(screen, SignInScreen)
        corner = " ".join(str(w.render()) for w in screen.query("#signin-corner Static"))
        assert "Class 4B" in corner and "Hillside Primary" in corner
        assert NINE_THIRTY.strftime("%H:%M") in corner
        assert screen.focused is not None and screen.focused.id == "scan"


Steps = Callable[[Pilot[Any]], Awaitable[None]]


def steps(station: Station, name: str) -> Steps:
    """What a person does to reach the screen called `name`."""
    async def go(pilot: Pilot[Any]) -> None:
        if name == "refused":
            await scan(pilot, badge(station, "l1")[:-3] + "AAA")
        elif name == "demo-list":
            await pilot.press("f2")
        elif name in ("pin", "teacher"):
            await scan(pilot, badge(station, "t1"))
            if name == "teacher":
                await pilot.press(*PIN, "enter")
                await wait_for_screen(pilot, TeacherScreen)
        elif name == "evidence":
            master_first_skill(station)
            await sign_in(pilot, station)
            home: Any = pilot.app.screen
            index = [o.skill for o in home.options].index(PROJECT_SKILL)
            await pilot.press(str(index + 1), "3")
        elif name == "projects":
            master_first_skill(station)
            master_first_skill(station, skill=PROJECT_SKILL)
            await sign_in(pilot, station)
            home = pilot.app.screen
            index = [o.skill for o in home.options].index(SHARED_SKILL)
            await pilot.press(str(index + 1), "3")
        elif name == "reviewed":
            review_evidence(station, log_evidence(station), "proficient")
            log_evidence(station)
            await sign_in(pilot, station)
        elif name == "goal-date":  # a goal in the student's words, a date mistyped
            await sign_in(pilot, station)
            await pilot.press("f7", "enter", *"Read a book", "enter", "down", "down", "enter",
                              *"tomorrow", "enter")
        elif name == "interview":
            await scan(pilot, badge(station, "l9"))
            await wait_for_screen(pilot, InterviewScreen)
        elif name != "sign-in":
            if name == "celebration":
                master_first_skill(station, answers=2)  # the third, by keys, masters it
            await sign_in(pilot, station)
            await pilot.press(*{"home": (), "ways": ("1",), "lesson": ("1", "1"),
                                "practice": ("1", "2"), "feedback": ("1", "2"),
                                "celebration": ("1", "2"), "idle": (), "goal": ("f7",)}[name])
            screen: Any = pilot.app.screen
            if name == "feedback":
                await answer(pilot, wrong_answer(screen.item))
            if name == "celebration":
                await answer(pilot, right_answer(screen.item))
                await pilot.press("enter")
            if name == "idle":
                pilot.app.monotonic.now += 110  # type: ignore[attr-defined]
                pilot.app.tick_idle()  # type: ignore[attr-defined]
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()
    return go


SCREENS = ["sign-in", "refused", "demo-list", "pin", "teacher", "home", "ways", "lesson",
           "practice", "feedback", "celebration", "idle", "interview", "evidence", "goal",
           "projects", "reviewed", "goal-date"]


@pytest.mark.parametrize("name", SCREENS)
@pytest.mark.parametrize(("size", "ansi"), SIZES)
def test_screen_snapshot(snap_compare: Any, classroom: Station, name: str,
                         size: tuple[int, int], ansi: bool) -> None:
    app = PathstoneApp(classroom, demo=name == "demo-list", ansi_color=ansi,
                       wall=lambda: NINE_THIRTY, monotonic=FakeMonotonic())
    assert snap_compare(app, terminal_size=size, run_before=steps(classroom, name))


# What the Linux console font can draw besides ASCII: the `solid` and `double` borders,
# the meter's blocks and Markdown's bullet.  Rounded corners, half blocks and eighth
# blocks (Textual's defaults for Input, Button and scrollbars) would show as diamonds.
CONSOLE_GLYPHS = set("\n\xa0•─│┌┐└┘═║╔╗╚╝█░")
_SVG_TEXT = re.compile(r"<text[^>]*>(.*?)</text>", re.S)


def test_every_screen_draws_only_glyphs_the_console_font_has() -> None:
    pictures = sorted((Path(__file__).parent / "__snapshots__" / "test_app").glob("*.svg"))
    assert len(pictures) == 2 * len(SCREENS)
    for picture in pictures:
        shown = {c for text in _SVG_TEXT.findall(picture.read_text(encoding="utf-8"))
                 for c in html.unescape(re.sub(r"<[^>]+>", "", text))}
        foreign = {c for c in shown if not 32 <= ord(c) < 127} - CONSOLE_GLYPHS
        assert not foreign, f"{picture.name} draws {sorted(foreign)}"
