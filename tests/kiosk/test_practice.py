"""Home, the ways of working, the lesson and practice: what a student does once signed in."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from engine import mastery, paths, profile
from engine.station import Station
from kiosk.screens.celebrate import Celebration
from kiosk.screens.help import HelpOnItsWay
from kiosk.screens.home import HomeScreen
from kiosk.screens.lesson import LessonScreen
from kiosk.screens.practice import HINT, PracticeScreen
from kiosk.screens.ways import WaysScreen
from kiosk.widgets.answers import ChoiceAnswer, OrderAnswer
from kiosk.widgets.meter import meter_text
from tests.kiosk.kiosk_rig import (
    answer,
    events_of,
    kiosk,
    order_keys,
    right_answer,
    sign_in,
    wrong_answer,
)


async def practise_first_option(pilot: Pilot[Any]) -> PracticeScreen:
    await pilot.press("1")
    assert isinstance(pilot.app.screen, WaysScreen)
    await pilot.press("2")
    screen = pilot.app.screen
    assert isinstance(screen, PracticeScreen)
    return screen


async def test_home_offers_steps_with_reasons_and_records_offer_and_pick(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        home = app.screen
        assert isinstance(home, HomeScreen) and len(home.options) >= 2
        shown = str(home.query_one("#home-options").render_lines(home.query_one("#home-options").region)[0])
        assert shown is not None
        await pilot.press("2")
        assert isinstance(app.screen, WaysScreen)
        await pilot.press("escape")
        assert app.screen is home
    offered = events_of(classroom, "l1", paths.PATH_OFFERED)
    chosen = events_of(classroom, "l1", paths.PATH_CHOSEN)
    assert len(offered) == 1 and offered[0].data == paths.offered_data(home.options)
    assert [e.data for e in chosen] == [{"offer": offered[0].id, "skill": home.options[1].skill}]


async def test_the_lesson_scrolls_with_keys_and_leads_to_practice(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        skill = app.screen.options[0].skill  # type: ignore[attr-defined]
        await pilot.press("1", "1")
        lesson = app.screen
        assert isinstance(lesson, LessonScreen)
        assert lesson.markdown == app.session.catalog.lesson(skill)  # type: ignore[union-attr]
        scroll = lesson.query_one("#lesson-scroll")
        await pilot.press("pagedown")
        assert scroll.scroll_y > 0
        await pilot.press("f3")
        assert isinstance(app.screen, PracticeScreen) and app.screen.skill == skill
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_right_and_wrong_answers_are_recorded_before_feedback(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        practice = await practise_first_option(pilot)
        first = practice.item
        assert first is not None
        await answer(pilot, wrong_answer(first))
        feedback = str(practice.query_one("#feedback").render())
        assert "Not this time." in feedback and first["explanation"] in feedback
        assert practice.query_one("#feedback").has_class("-wrong")
        await pilot.press("enter")
        second = practice.item
        assert second is not None and second["id"] != first["id"]
        await answer(pilot, right_answer(second))
        assert "Right!" in str(practice.query_one("#feedback").render())
    answers = [e.data for e in events_of(classroom, "l1", mastery.ANSWER)]
    assert [(a["item"], a["correct"], a["hints"], a["attempt"]) for a in answers] == [
        (first["id"], False, 0, 1), (second["id"], True, 0, 1)]


async def test_hints_come_one_at_a_time_and_count_against_the_answer(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        practice = await practise_first_option(pilot)
        item = practice.item
        assert item is not None and len(item["hints"]) == 2
        await pilot.press("f2")
        hints = str(practice.query_one("#hints").render())
        assert item["hints"][0] in hints and item["hints"][1] not in hints
        await pilot.press("f2", "f2", "f2")
        assert item["hints"][1] in str(practice.query_one("#hints").render())
        await answer(pilot, right_answer(item))
    assert [e.data["hint"] for e in events_of(classroom, "l1", HINT)] == [1, 2]
    (given,) = events_of(classroom, "l1", mastery.ANSWER)
    assert given.data["correct"] is True and given.data["hints"] == 2


async def test_the_meter_moves_and_mastery_is_celebrated_then_back_to_options(
        classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        practice = await practise_first_option(pilot)
        meters = [str(practice.query_one("#meter").render())]
        for _ in range(10):
            assert practice.item is not None
            await answer(pilot, right_answer(practice.item))
            meters.append(str(practice.query_one("#meter").render()))
            await pilot.press("enter")
            if isinstance(app.screen, Celebration):
                break
        assert isinstance(app.screen, Celebration)
        assert meters[0] == meter_text(None) and meters[-1].endswith("mastered")
        assert len(set(meters)) == len(meters), "the meter moves with every right answer"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert practice.skill not in [o.skill for o in app.screen.options if o.kind != "review"]
    assert len(events_of(classroom, "l1", paths.PATH_OFFERED)) == 2


def test_order_keys_sort_any_order() -> None:
    for start, wanted in (([0, 1, 2, 3], [1, 0, 3, 2]), ([0, 1, 2], [2, 1, 0])):
        widget = OrderAnswer(["a", "b", "c", "d"][:len(start)])
        for key in order_keys(start, wanted):
            {"up": lambda: widget.action_move(-1), "down": lambda: widget.action_move(1),
             "space": widget.action_hold}[key]()
        assert widget.order == wanted


async def test_a_multiple_choice_needs_every_right_choice(classroom: Station) -> None:
    widget = ChoiceAnswer(["a", "b", "c"], multiple=True)
    widget.cursor = 0
    widget.action_tick()
    widget.action_move(2)
    widget.action_tick()
    assert sorted(widget.ticked) == [0, 2]


async def test_asking_for_help_tells_the_teacher_what_the_student_is_on(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpOnItsWay)
        await pilot.press("enter")
        practice = await practise_first_option(pilot)
        await pilot.press("f1", "enter")
        assert app.screen is practice
    asked = [e.data for e in events_of(classroom, "l1", profile.HELP_REQUESTED)]
    assert practice.item is not None
    assert asked == [profile.help_data(None, None, ""),
                     profile.help_data(practice.skill, practice.item["id"], "")]
