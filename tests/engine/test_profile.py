from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.event import Event
from engine.mastery import Level, Standing
from engine.profile import (
    GOAL_ENDED,
    GOAL_SET,
    PROFILE_CHANGED,
    REFLECTION,
    SKILL_ASSIGNED,
    SKILL_UNASSIGNED,
    Goal,
    GoalError,
    assigned_data,
    changed_data,
    ended_data,
    goal_data,
    goals_by_skill,
    needs,
    profile,
    reflection_data,
    strengths,
)


def event(seq: int, kind: str, data: dict[str, Any], learner: str = "ana",
          origin: str = "st") -> Event:
    return Event(f"{origin}:{seq}", origin, seq, f"{1_700_000_000_000 + seq:013d}-00000000",
                 learner, kind, data)


CHANGES = [event(n, PROFILE_CHANGED, changed_data("interests", [f"tag{n}"]), origin=f"st{n % 3}")
           for n in range(1, 9)] + [
    event(20, PROFILE_CHANGED, changed_data("aspirations", "build bridges")),
    event(21, PROFILE_CHANGED, changed_data("aspirations", "be a vet")),
    event(22, PROFILE_CHANGED, changed_data("ways_of_working", ["with a friend", "drawing"])),
    event(23, PROFILE_CHANGED, changed_data("motivations", "my little sister")),
]


@given(st.permutations(CHANGES))
def test_last_writer_wins_whatever_the_arrival_order(arrived: list[Event]) -> None:
    result = profile("ana", arrived)
    assert result.interests == ("tag8",)
    assert result.aspirations == "be a vet"
    assert result.ways_of_working == ("with a friend", "drawing")
    assert result.motivations == "my little sister"


def test_a_learner_sees_only_their_own_profile() -> None:
    events = [event(1, PROFILE_CHANGED, changed_data("interests", ["music"])),
              event(2, PROFILE_CHANGED, changed_data("interests", ["sport"]), learner="ben"),
              event(3, GOAL_SET, goal_data("g1", "ben's goal", ["s.a"], None), learner="ben"),
              event(4, SKILL_ASSIGNED, assigned_data("s.a"), learner="ben")]
    assert profile("ana", events).interests == ("music",)
    assert profile("ana", events).goals == () and profile("ana", events).assigned == frozenset()
    assert profile("ben", events).interests == ("sport",)


def mastered(*skills: str) -> dict[str, Standing]:
    return {s: Standing(s, Level.MASTERED, 0.97) for s in skills}


def test_goals_progress_end_and_take_reflections() -> None:
    events = [event(1, GOAL_SET, goal_data("g1", "Master fractions by Friday",
                                           ["f.a", "f.b", "f.c", "f.d"], date(2026, 11, 27))),
              event(2, GOAL_SET, goal_data("g2", "Read a whole book", ["r.a"], None))]
    goal = profile("ana", events).goals[0]
    assert goal == Goal("g1", "Master fractions by Friday", ("f.a", "f.b", "f.c", "f.d"),
                        date(2026, 11, 27))
    assert goal.progress({}) == 0
    assert goal.progress(mastered("f.a") | {"f.b": Standing("f.b", Level.NEARLY_THERE, 0.9)}) == 0.25
    assert goal.ending(mastered("f.a"), date(2026, 11, 27)) is None
    assert goal.ending(mastered("f.a"), date(2026, 11, 28)) == "due"
    assert goal.ending(mastered("f.a", "f.b", "f.c", "f.d"), date(2026, 11, 1)) == "met"
    assert goals_by_skill(profile("ana", events).goals)["f.c"] == "Master fractions by Friday"

    events += [event(3, GOAL_ENDED, ended_data("g1", "met")),
               event(4, REFLECTION, reflection_data("g1", "Drawing the pieces helped.")),
               event(5, REFLECTION, reflection_data("g1", "Next: decimals."))]
    result = profile("ana", events)
    ended = result.goals[0]
    assert ended.outcome == "met"
    assert ended.reflections == ("Drawing the pieces helped.", "Next: decimals.")
    assert ended.ending(mastered(), date(2030, 1, 1)) is None  # ended goals stay ended
    assert [g.id for g in result.open_goals] == ["g2"]
    assert "f.c" not in goals_by_skill(result.goals)


def test_editing_a_goal_keeps_its_reflections() -> None:
    events = [event(1, GOAL_SET, goal_data("g1", "old", ["f.a"], None)),
              event(2, REFLECTION, reflection_data("g1", "hard so far")),
              event(3, GOAL_SET, goal_data("g1", "new", ["f.a", "f.b"], date(2027, 1, 1)))]
    goal = profile("ana", events).goals[0]
    assert (goal.text, goal.skills, goal.reflections) == ("new", ("f.a", "f.b"), ("hard so far",))


def test_assignments_come_and_go_by_clock_order() -> None:
    events = [event(3, SKILL_UNASSIGNED, assigned_data("s.a")),
              event(1, SKILL_ASSIGNED, assigned_data("s.a")),
              event(2, SKILL_ASSIGNED, assigned_data("s.b"))]
    assert profile("ana", events).assigned == frozenset({"s.b"})


def test_strengths_and_needs_are_computed() -> None:
    standings = {
        "a": Standing("a", Level.MASTERED, 0.99, 10, 10),
        "b": Standing("b", Level.MASTERED, 0.96, 5, 4),
        "c": Standing("c", Level.MASTERED, 0.99, 8, 8),
        "d": Standing("d", Level.MASTERED, 0.95, 3, 3),
        "e": Standing("e", Level.PRACTISING, 0.3, 9, 2),    # many wrong
        "f": Standing("f", Level.PRACTISING, 0.6, 14, 9),   # many answers, no progress
        "g": Standing("g", Level.PRACTISING, 0.5, 4, 1),    # early days
        "h": Standing("h", Level.NEARLY_THERE, 0.85, 20, 14),
    }
    assert strengths(standings) == ["a", "c", "b"]
    assert needs(standings) == ["e", "f"]
    assert strengths({}) == [] and needs({}) == []


BAD = [
    {"field": "interests", "value": "music"},  # not a list
    {"field": "password", "value": "x"},
    {"field": "aspirations", "value": ["x"]},
    {"field": "aspirations", "value": ""},
    {"field": ["interests"], "value": ["x"]},
]


@pytest.mark.parametrize("data", BAD)
def test_malformed_profile_events_change_nothing(data: dict[str, Any],
                                                 caplog: pytest.LogCaptureFixture) -> None:
    good = event(1, PROFILE_CHANGED, changed_data("interests", ["music"]))
    with caplog.at_level(logging.WARNING):
        result = profile("ana", [good, event(2, PROFILE_CHANGED, data)])
    assert result.interests == ("music",) and result.aspirations == ""
    assert "Skipped 1 profile events" in caplog.text


@pytest.mark.parametrize("kind,data", [
    (GOAL_SET, {"goal": "g1", "text": "t", "skills": "s.a", "due": None}),
    (GOAL_SET, {"goal": "g1", "text": "t", "skills": ["s.a"], "due": "next friday"}),
    (GOAL_SET, {"goal": 5, "text": "t", "skills": ["s.a"], "due": None}),
    (GOAL_ENDED, {"goal": ["g0"], "outcome": "met"}),
    (GOAL_ENDED, {"goal": "g0", "outcome": "won"}),
    (GOAL_ENDED, {"goal": "nope", "outcome": "met"}),
    (REFLECTION, {"goal": "g0", "text": 42}),
    (SKILL_ASSIGNED, {"skill": {"id": "s.a"}}),
])
def test_malformed_goal_events_are_skipped(kind: str, data: dict[str, Any],
                                           caplog: pytest.LogCaptureFixture) -> None:
    first = event(1, GOAL_SET, goal_data("g0", "keep me", ["s.a"], None))
    with caplog.at_level(logging.WARNING):
        result = profile("ana", [first, event(2, kind, data)])
    assert result.goals == (Goal("g0", "keep me", ("s.a",), None),)
    assert result.assigned == frozenset()
    assert "Skipped 1 profile events" in caplog.text


def test_a_goal_in_own_words_needs_a_due_date_and_only_real_outcomes_are_written() -> None:
    """Nothing else ends a goal in the student's own words, so it is refused without one."""
    with pytest.raises(GoalError):
        goal_data("g1", "Read a whole book", [], None)
    assert goal_data("g1", "Master fractions", ["f.a"], None)["due"] is None  # mastery ends it
    with pytest.raises(GoalError):
        ended_data("g1", "won")


def test_an_old_undated_goal_in_own_words_is_read_and_can_be_met() -> None:
    """Journals from before due dates were asked for: the goal is read, never ends by itself,
    and ends when the student says it is met."""
    old = event(1, GOAL_SET, {"goal": "g1", "text": "Learn to juggle", "skills": [], "due": None})
    goal = profile("ana", [old]).goals[0]
    assert goal == Goal("g1", "Learn to juggle", (), None) and goal.own_words
    assert goal.ending({}, date(2030, 1, 1)) is None
    met = profile("ana", [old, event(2, GOAL_ENDED, ended_data("g1", "met"))])
    assert met.goals[0].outcome == "met" and met.open_goals == ()
