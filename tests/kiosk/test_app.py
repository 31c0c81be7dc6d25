"""The app as a whole: what it starts on, and a picture of every screen at both sizes.

Pictures: 80x24 in the 16 ANSI colours (the Linux console of the Pi) and 120x40 in
truecolor.  Ids, the clock and the cursor are fixed so that pictures compare.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

from engine import profile
from engine.station import Station
from kiosk.app import PathstoneApp
from kiosk.screens.interview import InterviewScreen
from kiosk.screens.signin import SignInScreen
from kiosk.screens.teacher import TeacherScreen
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
from tests.kiosk.test_evidence import (
    FIRST,
    PROJECT_SKILL,
    SHARED_SKILL,
    log_evidence,
    master_first_skill,
    review_evidence,
)


def set_two_goals(station: Station) -> None:
    station.record("l1", profile.GOAL_SET, profile.goal_data(
        "g1", "Read a whole book about the sea", [], NINE_THIRTY.date() + timedelta(days=7)))
    station.record("l1", profile.GOAL_SET,
                   profile.goal_data("g2", "Master Unit fractions", [FIRST], None))


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
        elif name == "goals":  # two open goals: one in the student's words, one a skill
            set_two_goals(station)
            await sign_in(pilot, station)
            await pilot.press("f7")
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
           "projects", "reviewed", "goal-date", "goals"]


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


def glyphs_the_console_lacks(picture: Path) -> list[str]:
    """The characters a snapshot draws that the Linux console font has no glyph for."""
    shown = {c for text in _SVG_TEXT.findall(picture.read_text(encoding="utf-8"))
             for c in html.unescape(re.sub(r"<[^>]+>", "", text))}
    return sorted({c for c in shown if not 32 <= ord(c) < 127} - CONSOLE_GLYPHS)


def test_every_screen_draws_only_glyphs_the_console_font_has() -> None:
    pictures = sorted((Path(__file__).parent / "__snapshots__" / "test_app").glob("*.svg"))
    assert len(pictures) == 2 * len(SCREENS)
    for picture in pictures:
        assert not glyphs_the_console_lacks(picture), picture.name


def drawn_lines(widget: Widget) -> list[str]:
    """The widget's lines as drawn on the screen, trailing blanks cut."""
    return [strip.text.rstrip() for strip in widget.render_lines(widget.size.region)]


async def test_wrapped_lines_on_home_hang_under_their_text(classroom: Station) -> None:
    """At 80 columns a long goal and a long step wrap: the rest of each goes under its text,
    not to the panel's edge, where it would read as a new entry."""
    classroom.record("l1", profile.GOAL_SET, profile.goal_data(
        "g1", "Read a whole book about the sea and the fish that live in it", [],
        NINE_THIRTY.date() + timedelta(days=7)))
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        about = drawn_lines(app.screen.query_one("#home-profile"))
        start = next(n for n, line in enumerate(about) if line.startswith("  Read a whole"))
        goal = about[start:about.index("", start)]
        assert len(goal) > 1, "the goal should wrap at 80 columns"
        assert all(line.startswith("  ") and line[2] != " " for line in goal)
        steps_drawn = drawn_lines(app.screen.query_one("#home-options"))
        assert steps_drawn[0].startswith("1. ")
        assert all(line == "" or line.startswith(("1. ", "2. ", "3. ", "4. ", "   "))
                   for line in steps_drawn)
