"""Goals: set from a skill or in my own words with a date, shown with progress, said to be
met (my own words), reflected on when they end."""

from __future__ import annotations

from datetime import date

from textual.widgets import OptionList

from engine import profile
from engine.station import Station
from kiosk.screens.goals import GoalScreen, GoalsScreen, ReflectionScreen
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
from tests.kiosk.test_app import set_two_goals
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
        about = app.screen.about
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
        about = app.screen.about
        assert "  Read a whole book (by Thu 24 Dec)" in about
        # An open goal now: F7 lists it, with "Set a new goal" first.
        await pilot.press("f7", "enter", "enter", *"Draw a map", "enter", "down", "down", "enter",
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


async def test_a_goal_in_my_own_words_always_gets_a_date(classroom: Station) -> None:
    """Nothing but its date ends a goal in the student's own words: "No date" is not offered,
    and each choice shows the day it means."""
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        await pilot.press("f7", "enter", *"Read a whole book", "enter")
        screen = app.screen
        assert isinstance(screen, GoalScreen)
        listed = screen.query_one(OptionList)
        labels = [str(listed.get_option_at_index(n).prompt) for n in range(listed.option_count)]
        assert labels == ["In one week (Mon 30 Nov)", "In two weeks (Mon 07 Dec)",
                          "Another day: I will type it"]
        await pilot.press("enter")  # the first choice is the one ready to take
        assert isinstance(app.screen, HomeScreen)
    (goal,) = events_of(classroom, "l1", profile.GOAL_SET)
    assert goal.data == profile.goal_data("g1", "Read a whole book", [], date(2026, 11, 30))


async def test_a_skill_goal_may_have_no_date(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        await pilot.press("f7", "down", "enter", "up", "enter")  # the last choice: no date
        assert isinstance(app.screen, HomeScreen)
    (goal,) = events_of(classroom, "l1", profile.GOAL_SET)
    assert goal.data["due"] is None and goal.data["skills"]


async def test_i_say_my_own_goal_is_met_then_reflect(classroom: Station) -> None:
    set_two_goals(classroom)
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        await pilot.press("f7")
        screen = app.screen
        assert isinstance(screen, GoalsScreen)
        listed = screen.query_one(OptionList)
        assert [str(listed.get_option_at_index(n).prompt) for n in range(3)] == [
            "Set a new goal", "Read a whole book about the sea (by Mon 30 Nov)",
            "Master Unit fractions (0%)"]
        await pilot.press("down", "down", "enter")  # a skill goal: mastery ends it
        assert app.screen is screen
        assert "mastering" in str(screen.query_one("#goal-problem").render())
        await pilot.press("up", "enter")  # my own goal
        assert "Did you do it?" in str(screen.query_one("#goal-question").render())
        await pilot.press("down", "enter")  # not yet: back to the list, nothing recorded
        assert app.screen is screen and listed.option_count == 3
        assert not events_of(classroom, "l1", profile.GOAL_ENDED)
        await pilot.press("down", "enter", "enter")  # yes, I did it
        reflection = app.screen
        assert isinstance(reflection, ReflectionScreen)
        assert "What helped you most?" in str(reflection.query_one("#goal-question").render())
        reflection.query_one(TypedAnswer).value = "I read every night."
        await pilot.press("enter")
        assert isinstance(app.screen, HomeScreen)
        assert "Read a whole book" not in app.screen.about
        assert "Master Unit fractions (0%)" in app.screen.about
    assert [e.data for e in events_of(classroom, "l1", profile.REFLECTION)] == [
        profile.reflection_data("g1", "I read every night.")]
    assert [e.data for e in events_of(classroom, "l1", profile.GOAL_ENDED)] == [
        profile.ended_data("g1", "met")]


async def test_an_old_undated_goal_in_my_own_words_can_still_be_met(classroom: Station) -> None:
    """Journals from before due dates were asked for hold such goals: they are listed, and
    the student can end them."""
    classroom.record("l1", profile.GOAL_SET,
                     {"goal": "g1", "text": "Learn to juggle", "skills": [], "due": None})
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        assert "  Learn to juggle" in app.screen.about.splitlines()
        await pilot.press("f7", "down", "enter", "enter", "escape")  # met; no reflection
        assert isinstance(app.screen, HomeScreen)
        assert "Learn to juggle" not in app.screen.about
    assert [e.data for e in events_of(classroom, "l1", profile.GOAL_ENDED)] == [
        profile.ended_data("g1", "met")]


async def test_set_a_new_goal_from_the_list(classroom: Station) -> None:
    set_two_goals(classroom)
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        await pilot.press("f7", "enter")
        assert isinstance(app.screen, GoalScreen)
        assert app.screen.goal_id == "g3"
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
