"""The first-sign-in interview: asked once, skippable, stored as profile events."""

from __future__ import annotations

from engine import profile
from engine.station import Station
from kiosk.screens.home import HomeScreen
from kiosk.screens.interview import InterviewScreen
from kiosk.widgets.answers import TypedAnswer
from tests.kiosk.kiosk_rig import (
    badge,
    events_of,
    kiosk,
    scan,
    sign_in,
    wait_for_screen,
)


async def test_a_newcomer_is_interviewed_and_the_answers_are_profile_events(
        classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, badge(classroom, "l9"))
        await wait_for_screen(pilot, InterviewScreen)
        interview = app.screen
        assert isinstance(interview, InterviewScreen) and "cooking" in interview.tags
        await pilot.press(str(interview.tags.index("cooking") + 1), "enter")
        app.screen.query_one(TypedAnswer).value = "football, drawing"
        await pilot.press("enter")
        app.screen.query_one(TypedAnswer).value = "a nurse"
        await pilot.press("enter")
        await pilot.press("3", "4", "enter")
        await wait_for_screen(pilot, HomeScreen)
        about = app.screen.about
        assert "cooking, football, drawing" in about and "a nurse" in about
    changed = [e.data for e in events_of(classroom, "l9", profile.PROFILE_CHANGED)]
    assert changed == [profile.changed_data("interests", ["cooking", "football", "drawing"]),
                       profile.changed_data("aspirations", "a nurse"),
                       profile.changed_data("ways_of_working", ["make something", "work with others"])]


async def test_the_interview_can_be_skipped_and_opened_again_from_home(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, badge(classroom, "l9"))
        await wait_for_screen(pilot, InterviewScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("f6")
        assert isinstance(app.screen, InterviewScreen)
        await pilot.press("enter", "enter")  # nothing ticked, nothing typed
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
    assert events_of(classroom, "l9", profile.PROFILE_CHANGED) == []


async def test_someone_who_signed_in_before_is_not_interviewed(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom, "l1")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
