"""A project away from the station: the task and rubric, then the evidence logged."""

from __future__ import annotations

from engine import checks, mastery
from engine.event import Event
from engine.learner import Curriculum, record_review
from engine.mastery import Level
from engine.packs import catalog
from engine.station import Station
from kiosk.screens.evidence import EvidenceScreen, status_lines
from kiosk.screens.home import HomeScreen
from kiosk.screens.ways import ProjectsScreen, WaysScreen
from kiosk.widgets.answers import TypedAnswer
from tests.conftest import run_cli
from tests.kiosk.kiosk_rig import (
    events_of,
    kiosk,
    right_answer,
    sign_in,
)

FIRST = "fractions.unit-fractions"
PROJECT_SKILL = "fractions.number-line"
SHARED_SKILL = "fractions.add-subtract-like"  # the task of two projects


def master_first_skill(station: Station, answers: int = 3, skill: str = FIRST) -> None:
    """Right answers to a skill, recorded as if given earlier: 3 master it."""
    for item in catalog(station.home).items(skill)[:answers]:
        grade = checks.grade(item, right_answer(item))
        station.record("l1", mastery.ANSWER,
                       mastery.answer_data(skill, item["id"], grade, hints=0, attempt=1))


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
        about = app.screen.about
        assert "Waiting for your teacher:" in about and screen.activity["title"] in about
    (logged,) = events_of(classroom, "l1", mastery.EVIDENCE)
    assert logged.data == {"activity": screen.activity["id"],
                           "note": "We folded the ribbon into eighths.", "level": "proficient"}


async def test_a_step_with_several_projects_lets_the_student_choose_one(
        classroom: Station) -> None:
    master_first_skill(classroom)
    master_first_skill(classroom, skill=PROJECT_SKILL)
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        home = app.screen
        assert isinstance(home, HomeScreen)
        index = [o.skill for o in home.options].index(SHARED_SKILL)
        await pilot.press(str(index + 1), "3")
        chooser = app.screen
        assert isinstance(chooser, ProjectsScreen)
        titles = [task["title"] for task in chooser.tasks]
        assert len(titles) == 2 and "Fraction rhythms" in titles
        await pilot.press("escape")
        assert app.screen is home
        await pilot.press(str(index + 1), "3", "down", "enter")
        assert isinstance(app.screen, EvidenceScreen)
        assert app.screen.activity["title"] == titles[1]


async def test_a_skill_without_a_project_offers_none(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        await pilot.press("1")
        ways = app.screen
        assert isinstance(ways, WaysScreen) and not ways.project
        await pilot.press("3")
        assert app.screen is ways


ACTIVITY = "fractions.ribbon-sharing"  # teaches PROJECT_SKILL; proficient is its 3rd level


def log_evidence(station: Station) -> str:
    return station.record("l1", mastery.EVIDENCE, {
        "activity": ACTIVITY, "note": "We shared the ribbon.", "level": "proficient"}).id


def review_evidence(station: Station, evidence: str, level: str) -> None:
    record_review(station, Curriculum.from_catalog(catalog(station.home)).activities,
                  evidence, level)


async def test_a_proficient_review_shows_on_home_and_masters_the_skill(
        classroom: Station) -> None:
    master_first_skill(classroom)
    review_evidence(classroom, log_evidence(classroom), "proficient")
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        home = app.screen
        assert isinstance(home, HomeScreen) and home.learner_view is not None
        about = home.about
        assert "Waiting for your teacher" not in about
        assert "a ribbon\n    Proficient - this skill is mastered" in about
        assert home.learner_view.level(PROJECT_SKILL) == Level.MASTERED
        assert PROJECT_SKILL not in [o.skill for o in home.options]


def test_a_review_below_proficient_is_shown_but_does_not_master() -> None:
    tasks = {ACTIVITY: {"id": ACTIVITY, "title": "Ribbon", "rubric": {
        "levels": [{"id": "low", "label": "Low"}, {"id": "ok", "label": "OK"}],
        "proficient": "ok"}, "skills": [PROJECT_SKILL]}}
    made = Event("st1:1", "st1", 1, "1700000000000-00000000", "l1", mastery.EVIDENCE,
                 {"activity": ACTIVITY, "note": "x"})
    review = Event("st1:2", "st1", 2, "1700000001000-00000000", "l1",
                   mastery.EVIDENCE_REVIEWED,
                   {"evidence": made.id, "activity": ACTIVITY, "level": "low"})
    assert status_lines([made], "l1", tasks)[:2] == ["Waiting for your teacher:", "  Ribbon"]
    assert status_lines([made, review], "l1", tasks)[:3] == [
        "Reviewed by your teacher:", "  Ribbon", "    Low - keep working on it"]


def test_the_teacher_lists_and_reviews_evidence_from_the_command_line(
        classroom: Station) -> None:
    evidence = log_evidence(classroom)
    home = str(classroom.home)
    listed = run_cli("evidence", "list", "--home", home)
    assert listed.code == 0 and evidence in listed.out and "waiting" in listed.out
    assert "Ana B." in listed.out and "We shared the ribbon." in listed.out
    done = run_cli("evidence", "review", evidence, "advanced", "--home", home)
    assert done.code == 0, done.err
    assert "reviewed: advanced" in run_cli("evidence", "list", "--home", home).out
    assert run_cli("evidence", "list", "--waiting", "--home", home).out == (
        "No evidence is waiting for review.\n")


def test_a_mistyped_review_says_why_in_one_sentence_and_records_nothing(
        classroom: Station) -> None:
    evidence = log_evidence(classroom)
    home = str(classroom.home)
    for argv, reason in ((["nope", "proficient"], "There is no logged evidence with that id"),
                         ([evidence, "superb"], "has no level 'superb'; its levels are "
                                                "beginning, developing, proficient, advanced.")):
        result = run_cli("evidence", "review", *argv, "--home", home)
        assert result.code == 2 and reason in result.err and result.err.count("\n") == 1
    with Station.open(classroom.home) as again:
        assert not events_of(again, "l1", mastery.EVIDENCE_REVIEWED)
