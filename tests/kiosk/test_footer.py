"""The footer: at 80 columns every key a screen shows fits on its one line, demo or kiosk.

The footer puts keys that do not fit on a second line (the demo's "f12 Quit demo" once
fell off the edge of Textual's), which takes a line from the screen: so each screen the
tests can reach is measured with the keys it shows, in both modes.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from engine.station import Station
from kiosk.screens.evidence import EvidenceScreen
from kiosk.screens.goals import ReflectionScreen
from kiosk.screens.help import HelpOnItsWay
from kiosk.screens.home import HomeScreen
from kiosk.screens.idle import TurnEnding
from kiosk.screens.practice import PracticeScreen
from kiosk.screens.ways import ProjectsScreen, WaysScreen
from kiosk.widgets.answers import OrderAnswer
from kiosk.widgets.footer import KioskFooter
from tests.kiosk.kiosk_rig import kiosk, sign_in, wait_for_screen
from tests.kiosk.test_app import SCREENS, set_two_goals, steps


def shown_keys(screen: Screen[Any]) -> tuple[list[str], int]:
    """The footer's keys as drawn ("f10 Sign out"), and how many lines they take."""
    footer = screen.query_one(KioskFooter)
    keys = [f"{key} {description}" for key, description, _ in footer.keys()]
    return keys, len(footer.lines(footer.size.width))


async def more_steps(pilot: Pilot[Any], station: Station, name: str) -> None:
    """Screens the pictures do not show, but which have a footer of their own."""
    if name == "goal-met":
        set_two_goals(station)
    await sign_in(pilot, station)
    if name == "practice-order":  # the order widget adds Space to the footer
        await pilot.press("1", "2")
        box = pilot.app.screen.query_one("#answer-box")
        await box.remove_children()
        widget = OrderAnswer(["one half", "one third"], id="answer")
        await box.mount(widget)
        widget.focus()
        pilot.app.screen.refresh_bindings()
    elif name == "goal-met":
        await pilot.press("f7", "down", "enter")
        await pilot.press("enter")
        await wait_for_screen(pilot, ReflectionScreen)
    elif name == "help":
        await pilot.press("f1")
    elif name == "turn":
        pilot.app.push_screen(TurnEnding(50))
    await pilot.pause()
    await pilot.pause()


MORE = {"practice-order": PracticeScreen, "goal-met": ReflectionScreen, "help": HelpOnItsWay,
        "turn": TurnEnding}
# The idle warning has no footer: any key at all answers it, as its card says.
MEASURED = [name for name in SCREENS if name != "idle"] + list(MORE)
# The badge list is the demo's alone.
CASES = [pytest.param(name, demo, id=f"{name}-{'demo' if demo else 'kiosk'}")
         for name in MEASURED for demo in (True, False) if demo or name != "demo-list"]


@pytest.mark.parametrize(("name", "demo"), CASES)
async def test_every_key_in_the_footer_fits_80_columns(classroom: Station, name: str,
                                                       demo: bool) -> None:
    app = kiosk(classroom, demo=demo)
    async with app.run_test(size=(80, 24)) as pilot:
        if name in MORE:
            await more_steps(pilot, classroom, name)
            assert isinstance(app.screen, MORE[name])
        else:
            await steps(classroom, name)(pilot)
            await pilot.pause()
        keys, lines = shown_keys(app.screen)
        assert lines == 1, f"{name}: {keys} pass 80 columns"
        if demo and not app.screen.is_modal:
            # Over a student's screens the demo's F12 works unshown, as the kiosk looks.
            assert ("f12 Quit demo" in keys) == (app.session is None)
        if app.session is not None and not app.screen.is_modal:
            assert "f10 Sign out" in keys and "f1 I need help" in keys


async def test_the_step_and_way_keys_name_the_real_range(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        home = app.screen
        assert isinstance(home, HomeScreen)
        count = len(home.options)
        assert 1 <= count < 4  # a new learner has fewer steps than the screen could hold
        range_key = "1" if count == 1 else f"1-{count}"
        assert f"{range_key} Choose a step" in shown_keys(home)[0]
        await pilot.press(str(count + 1))  # past the last step: nothing happens
        assert app.screen is home
        await pilot.press(str(count))
        ways = app.screen
        assert isinstance(ways, WaysScreen)
        assert f"{'1-3' if ways.project else '1-2'} Choose" in shown_keys(ways)[0]
        if not ways.project:
            await pilot.press("3")
            assert app.screen is ways


async def test_the_projects_screen_names_as_many_keys_as_projects(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await steps(classroom, "projects")(pilot)
        screen = app.screen
        assert isinstance(screen, ProjectsScreen) and len(screen.tasks) == 2
        assert "1-2 Choose a project" in shown_keys(screen)[0]
        await pilot.press("3")  # no third project: nothing happens
        assert app.screen is screen
        await pilot.press("2")
        assert isinstance(app.screen, EvidenceScreen)
        assert app.screen.activity is screen.tasks[1]
