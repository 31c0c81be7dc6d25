"""A project away from the station: the task and rubric, then the evidence logged."""

from __future__ import annotations

from engine import checks, mastery
from engine.packs import catalog
from engine.station import Station
from kiosk.screens.evidence import EvidenceScreen
from kiosk.screens.home import HomeScreen
from kiosk.screens.ways import WaysScreen
from kiosk.widgets.answers import TypedAnswer
from tests.kiosk.kiosk_rig import (
    classroom,  # noqa: F401
    classroom_template,  # noqa: F401
    events_of,
    kiosk,
    right_answer,
    sign_in,
)

FIRST = "fractions.unit-fractions"
PROJECT_SKILL = "fractions.number-line"


def master_first_skill(station: Station, answers: int = 3) -> None:
    """Right answers to the first skill, recorded as if given earlier: 3 master it."""
    for item in catalog(station.home).items(FIRST)[:answers]:
        grade = checks.grade(item, right_answer(item))
        station.record("l1", mastery.ANSWER,
                       mastery.answer_data(FIRST, item["id"], grade, hints=0, attempt=1))


async def test_evidence_is_logged_with_the_students_own_rating_and_shown_as_waiting(
        classroom: Station) -> None:
    master_first_skill(classroom)
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        home = app.screen
        assert isinstance(home, HomeScreen)
        index = [o.skill for o in home.options].index(PROJECT_SKILL)
        await pilot.press(str(index + 1))
        assert isinstance(app.screen, WaysScreen) and app.screen.project
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, EvidenceScreen)
        task = str(screen.query_one("#evidence-task").render())
        assert "Proficient:" in task and screen.activity["steps"][0] in task
        await pilot.press("enter")  # an empty note is not evidence
        assert app.screen is screen
        screen.query_one(TypedAnswer).value = "We folded the ribbon into eighths."
        await pilot.press("enter")
        await pilot.press("3", "enter")
        assert isinstance(app.screen, HomeScreen)
        about = str(app.screen.query_one("#home-profile").render())
        assert "Waiting for your teacher:" in about and screen.activity["title"] in about
    (logged,) = events_of(classroom, "l1", mastery.EVIDENCE)
    assert logged.data == {"activity": screen.activity["id"],
                           "note": "We folded the ribbon into eighths.", "level": "proficient"}


async def test_a_skill_without_a_project_offers_none(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        await pilot.press("1")
        ways = app.screen
        assert isinstance(ways, WaysScreen) and not ways.project
        await pilot.press("3")
        assert app.screen is ways
