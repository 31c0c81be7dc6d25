"""Goals: set from a skill with a date, shown with progress, reflected on when they end."""

from __future__ import annotations

from datetime import date

from engine import profile
from engine.station import Station
from kiosk.screens.goals import GoalScreen, ReflectionScreen
from kiosk.screens.home import HomeScreen
from kiosk.widgets.answers import TypedAnswer
from tests.kiosk.kiosk_rig import (
    badge,
    events_of,
    kiosk,
    scan,
    sign_in,
    wait_for_screen,
)
from tests.kiosk.test_evidence import FIRST, master_first_skill


async def test_a_goal_is_set_from_a_skill_with_a_date_and_shown_on_home(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        await pilot.press("f7")
        screen = app.screen
        assert isinstance(screen, GoalScreen)
        index = [skill for skill, _ in screen.skills].index(FIRST)
        await pilot.press(*["down"] * (index + 1), "enter")  # below "in my own words"
        await pilot.press("enter")  # in one week
        assert isinstance(app.screen, HomeScreen)
        about = str(app.screen.query_one("#home-profile").render())
        assert "Master Unit fractions (0%, by Mon 30 Nov)" in about
    (goal,) = events_of(classroom, "l1", profile.GOAL_SET)
    assert goal.data == profile.goal_data("g1", "Master Unit fractions", [FIRST],
                                          date(2026, 11, 30))


async def test_a_goal_in_my_own_words_with_a_typed_date(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        await pilot.press("f7", "enter")  # "in my own words" comes first
        screen = app.screen
        assert isinstance(screen, GoalScreen)
        await pilot.press("enter")  # nothing typed: still asking
        await pilot.press(*"Read a whole book", "enter", "down", "down", "enter")
        problem = screen.query_one("#goal-problem")
        for typed, said in (("tomorrow", "Type a number of days, like 10, or a date, like "
                                         "2026-12-03."),
                            ("2026-11-23", "Choose a day after today and at most 365 days away."),
                            ("0", "Choose from 1 to 365 days.")):
            screen.query_one(TypedAnswer).value = typed
            await pilot.press("enter")
            assert app.screen is screen and str(problem.render()) == said
        assert not events_of(classroom, "l1", profile.GOAL_SET)
        screen.query_one(TypedAnswer).value = "2026-12-24"
        await pilot.press("enter")
        assert isinstance(app.screen, HomeScreen)
        about = str(app.screen.query_one("#home-profile").render())
        assert "  Read a whole book (by Thu 24 Dec)" in about
        await pilot.press("f7", "enter", *"Draw a map", "enter", "down", "down", "enter",
                          *"10", "enter")
    assert [e.data for e in events_of(classroom, "l1", profile.GOAL_SET)] == [
        profile.goal_data("g1", "Read a whole book", [], date(2026, 12, 24)),
        profile.goal_data("g2", "Draw a map", [], date(2026, 12, 3))]


async def test_a_met_goal_asks_for_a_reflection_then_closes(classroom: Station) -> None:
    classroom.record("l1", profile.GOAL_SET,
                     profile.goal_data("g1", "Master Unit fractions", [FIRST], None))
    master_first_skill(classroom)
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, badge(classroom, "l1"))
        await wait_for_screen(pilot, ReflectionScreen)
        app.screen.query_one(TypedAnswer).value = "Practising every day."
        await pilot.press("enter")
        assert isinstance(app.screen, HomeScreen)
    assert [e.data for e in events_of(classroom, "l1", profile.REFLECTION)] == [
        profile.reflection_data("g1", "Practising every day.")]
    assert [e.data for e in events_of(classroom, "l1", profile.GOAL_ENDED)] == [
        profile.ended_data("g1", "met")]
