from __future__ import annotations

import logging
import random
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.checks import grade
from engine.event import Event
from engine.mastery import (
    ANSWER,
    EVIDENCE,
    EVIDENCE_REVIEWED,
    Activity,
    BKTParams,
    Level,
    Logged,
    MasteryError,
    MOfN,
    NInARow,
    Skill,
    answer_data,
    criterion,
    evidence_log,
    evidence_sequences,
    knowledge_trace,
    posterior,
    review_data,
    standings,
)

ITEMS = frozenset(f"i{n}" for n in range(10))
SKILLS = {
    "frac.halves": Skill(BKTParams(), ITEMS),
    "frac.thirds": Skill(MOfN(3, 4), ITEMS),
    "frac.quarters": Skill(NInARow(3), ITEMS),
}
RUBRIC = {"levels": [{"id": "beginning"}, {"id": "developing"}, {"id": "proficient"},
                     {"id": "advanced"}], "proficient": "proficient"}
ACTIVITIES = {"frac.recipe": Activity.from_pack(
    {"id": "frac.recipe", "skills": ["frac.halves", "frac.thirds", "gone.skill"], "rubric": RUBRIC})}


class Log:
    """Events of one station with increasing clock stamps, as a journal would hold them."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(self, kind: str, data: dict[str, Any], learner: str | None = "ana") -> Event:
        seq = len(self.events) + 1
        event = Event(f"st1:{seq}", "st1", seq, f"{1_700_000_000_000 + seq * 1000:013d}-00000000",
                      learner, kind, data)
        self.events.append(event)
        return event

    def answer(self, skill: str, correct: bool, *, item: str = "i1", hints: int = 0,
               attempt: int = 1, learner: str = "ana") -> Event:
        return self.add(ANSWER, {"skill": skill, "item": item, "correct": correct,
                                 "response": "x", "hints": hints, "attempt": attempt}, learner)

    def level(self, skill: str) -> Level:
        return standings("ana", self.events, SKILLS, ACTIVITIES)[skill].level


# --- knowledge_trace --------------------------------------------------------------------

def test_hand_worked_trace_with_pack_defaults() -> None:
    # prior 0.2, learn 0.15, guess 0.2, slip 0.1.
    # right: 0.2*0.9 / (0.18 + 0.8*0.2) = 0.18/0.34 = 9/17; learn: 9/17 + (8/17)*0.15 = 3/5
    # wrong: 0.6*0.1 / (0.06 + 0.4*0.8) = 3/19; learn: 3/19 + (16/19)*0.15 = 27/95
    # right: (27/95)*0.9 / ((27/95)*0.9 + (68/95)*0.2) = 243/379; learn -> 1317/1895
    # right: -> 60132/65045, right: -> 5426619/5510140 (same two steps, in fractions)
    expected = [3 / 5, 27 / 95, 1317 / 1895, 60132 / 65045, 5426619 / 5510140]
    trace = knowledge_trace([True, False, True, True, True], BKTParams())
    assert trace == pytest.approx(expected, abs=1e-9)


def test_hand_worked_trace_without_learning() -> None:
    params = BKTParams(prior=0.5, learn=0.0, guess=0.25, slip=0.25)
    # wrong: 0.5*0.25 / (0.125 + 0.5*0.75) = 0.25; right: 0.25*0.75 / (0.1875 + 0.75*0.25) = 0.5
    # right: 0.5*0.75 / (0.375 + 0.125) = 0.75; wrong: 0.75*0.25 / (0.1875 + 0.25*0.75) = 0.5
    assert knowledge_trace([False, True, True, False], params) == pytest.approx(
        [0.25, 0.5, 0.75, 0.5], abs=1e-9)


def test_hand_worked_trace_learning_only() -> None:
    # guess 0.5 and slip 0 with prior 1 stay at 1; with prior 0 only learning moves it:
    # a right answer at P=0 with guess 0.3: 0 / (0 + 0.3) = 0, then 0 + 1*0.4 = 0.4.
    params = BKTParams(prior=0.0, learn=0.4, guess=0.3, slip=0.1)
    # second, wrong: 0.4*0.1 / (0.04 + 0.6*0.7) = 0.04/0.46 = 2/23; learn: 2/23 + (21/23)*0.4
    assert knowledge_trace([True, False], params) == pytest.approx(
        [0.4, 2 / 23 + 21 / 23 * 0.4], abs=1e-9)
    assert knowledge_trace([], params) == []


probability = st.floats(0, 1, allow_nan=False)


@st.composite
def bkt_params(draw: st.DrawFn) -> BKTParams:
    guess = draw(st.floats(0, 0.99))
    slip = draw(st.floats(0, 1).filter(lambda s: guess + s < 1))
    return BKTParams(draw(probability), draw(probability), guess, slip)


@given(bkt_params(), st.lists(st.booleans(), max_size=60))
def test_trace_stays_a_probability_and_moves_the_right_way(params: BKTParams,
                                                            answers: list[bool]) -> None:
    trace = knowledge_trace(answers, params)
    assert len(trace) == len(answers)
    before = params.prior
    for correct, after in zip(answers, trace):
        assert 0 <= after <= 1
        if correct:
            assert after >= before
        else:
            assert posterior(before, False, params) <= before
        before = after


@given(bkt_params(), probability)
def test_one_answer_moves_the_right_way(params: BKTParams, p: float) -> None:
    assert posterior(p, True, params) >= p
    assert posterior(p, False, params) <= p


@pytest.mark.parametrize("fields", [
    {"prior": -0.1}, {"learn": 1.5}, {"guess": float("nan")}, {"slip": "0.1"}, {"prior": True},
    {"guess": 0.6, "slip": 0.4}, {"slip": float("inf")},
])
def test_bad_params_are_one_sentence(fields: dict[str, Any]) -> None:
    with pytest.raises(MasteryError, match=r"^The BKT .*\.$"):
        BKTParams(**fields)


def test_pack_mastery_settings() -> None:
    assert criterion(None) == BKTParams(0.2, 0.15, 0.2, 0.1)
    assert criterion({"model": "bkt"}) == BKTParams()
    assert criterion({"model": "bkt", "prior": 0.3, "slip": 0.05}) == BKTParams(0.3, 0.15, 0.2, 0.05)
    assert criterion({"model": "m_of_n", "m": 4, "n": 5}) == MOfN(4, 5)
    assert criterion({"model": "n_in_a_row", "n": 4}) == NInARow(4)
    bad: object
    for bad in ({"model": "m_of_n", "m": 6, "n": 5}, {"model": "n_in_a_row", "n": 0},
                {"model": "n_in_a_row", "n": True}, {"model": "bkt", "speed": 1},
                {"model": "irt"}, [], {"model": "bkt", "guess": 2}):
        with pytest.raises(MasteryError):
            criterion(bad)


# --- standings --------------------------------------------------------------------------

def test_fresh_learner_has_not_started_anything() -> None:
    result = standings("ana", [], SKILLS, ACTIVITIES)
    assert set(result) == set(SKILLS)
    assert {s.level for s in result.values()} == {Level.NOT_STARTED}
    assert result["frac.halves"].p_known == 0.2


def test_bkt_mastery_needs_the_line_and_three_answers() -> None:
    log = Log()
    log.answer("frac.halves", True)
    assert log.level("frac.halves") == Level.PRACTISING
    log.answer("frac.halves", True)
    assert log.level("frac.halves") == Level.NEARLY_THERE  # 0.89: between 0.8 and 0.95
    log.answer("frac.halves", True)
    result = standings("ana", log.events, SKILLS, ACTIVITIES)["frac.halves"]
    assert result.level == Level.MASTERED
    assert result.p_known == pytest.approx(knowledge_trace([True] * 3, BKTParams())[-1])
    assert (result.answers, result.right) == (3, 3)


def test_a_high_prior_still_needs_three_answers() -> None:
    skills = {"s.x": Skill(BKTParams(prior=0.9), ITEMS)}
    log = Log()
    log.answer("s.x", True)
    log.answer("s.x", True)
    first = standings("ana", log.events, skills, {})["s.x"]
    assert first.p_known > 0.95 and first.level == Level.NEARLY_THERE
    log.answer("s.x", True)
    assert standings("ana", log.events, skills, {})["s.x"].level == Level.MASTERED


def test_only_first_attempts_count_and_hints_count_as_wrong() -> None:
    log = Log()
    for n in range(3):
        log.answer("frac.halves", False, item=f"i{n}")
        log.answer("frac.halves", True, item=f"i{n}", attempt=2)  # a retry: not evidence
    retried = standings("ana", log.events, SKILLS, ACTIVITIES)["frac.halves"]
    assert retried.answers == 3 and retried.right == 0
    assert retried.p_known == pytest.approx(knowledge_trace([False] * 3, BKTParams())[-1])

    hinted = Log()
    for n in range(5):
        hinted.answer("frac.halves", True, item=f"i{n}", hints=1)
    result = standings("ana", hinted.events, SKILLS, ACTIVITIES)["frac.halves"]
    assert result.right == 0 and result.level == Level.PRACTISING
    assert result.p_known == pytest.approx(knowledge_trace([False] * 5, BKTParams())[-1])


def test_a_wrong_answer_after_mastery_needs_review_until_shown_again() -> None:
    log = Log()
    for _ in range(4):
        log.answer("frac.halves", True)
    assert log.level("frac.halves") == Level.MASTERED
    log.answer("frac.halves", False)
    assert log.level("frac.halves") == Level.NEEDS_REVIEW
    log.answer("frac.halves", True)
    log.answer("frac.halves", True)
    assert log.level("frac.halves") == Level.MASTERED


def test_m_of_n() -> None:
    log = Log()
    for correct in (True, False, True):
        log.answer("frac.thirds", correct)
    assert log.level("frac.thirds") == Level.NEARLY_THERE  # 2 of the last 4, 3 needed
    log.answer("frac.thirds", True)
    assert log.level("frac.thirds") == Level.MASTERED  # 3 of the last 4
    log.answer("frac.thirds", False)
    assert log.level("frac.thirds") == Level.NEEDS_REVIEW  # still 2 of 4, but a failed review
    log.answer("frac.thirds", True)
    assert log.level("frac.thirds") == Level.MASTERED  # T F T T F T: last 4 hold 3


def test_m_of_n_looks_only_at_the_last_n() -> None:
    log = Log()
    for correct in (True, True, False, False, False, True, True):
        log.answer("frac.thirds", correct)
    # the first two rights have left the window of 4: F F T T is 2 of 4
    assert log.level("frac.thirds") == Level.NEARLY_THERE


def test_n_in_a_row() -> None:
    log = Log()
    for correct in (True, True, False, True, True):
        log.answer("frac.quarters", correct)
    assert log.level("frac.quarters") == Level.NEARLY_THERE
    log.answer("frac.quarters", True)
    assert log.level("frac.quarters") == Level.MASTERED


def test_proficient_performance_task_masters_its_skills() -> None:
    log = Log()
    evidence = log.add(EVIDENCE, {"activity": "frac.recipe", "note": "halved the soup"})
    assert log.level("frac.halves") == Level.PRACTISING
    log.add(EVIDENCE_REVIEWED, {"evidence": evidence.id, "activity": "frac.recipe",
                                "level": "developing"})
    assert log.level("frac.halves") == Level.PRACTISING
    log.add(EVIDENCE_REVIEWED, {"evidence": evidence.id, "activity": "frac.recipe",
                                "level": "advanced"})
    result = standings("ana", log.events, SKILLS, ACTIVITIES)
    assert result["frac.halves"].level == Level.MASTERED
    assert result["frac.halves"].p_known >= 0.95
    assert result["frac.thirds"].level == Level.MASTERED
    assert result["frac.quarters"].level == Level.NOT_STARTED
    log.answer("frac.halves", False)
    assert log.level("frac.halves") == Level.NEEDS_REVIEW


def test_rubric_levels_are_ordered_from_the_activity() -> None:
    activity = ACTIVITIES["frac.recipe"]
    assert [activity.masters(level) for level in
            ("beginning", "developing", "proficient", "advanced", "expert", None)] == [
        False, False, True, True, False, False]
    with pytest.raises(MasteryError):
        Activity.from_pack({"id": "a", "skills": ["s.x"],
                            "rubric": {"levels": [{"id": "low"}], "proficient": "high"}})
    for broken in ({"id": "a", "skills": ["s.x"]}, {"id": "a", "skills": "s.x", "rubric": RUBRIC},
                   {"id": "a", "skills": [1], "rubric": RUBRIC},
                   {"id": "a", "skills": ["s.x"], "rubric": {"levels": "abc"}}):
        with pytest.raises(MasteryError):
            Activity.from_pack(broken)


def test_what_cannot_be_scored_is_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    clean, noisy = Log(), Log()
    for log in (clean, noisy):
        for _ in range(3):
            log.answer("frac.halves", True)
    noisy.answer("frac.halves", False, item="removed-item")
    noisy.answer("gone.skill", False)
    noisy.add(ANSWER, {"skill": "frac.halves", "item": "i1", "correct": "no", "hints": 0,
                       "attempt": 1})
    noisy.add(ANSWER, {"skill": "frac.halves"})
    noisy.add(ANSWER, {"skill": "frac.halves", "item": "i1", "correct": False, "hints": -1,
                       "attempt": 1})
    noisy.add("hologram_seen", {"skill": "frac.halves", "correct": False})
    noisy.add(EVIDENCE_REVIEWED, {"activity": "no.such", "level": "advanced"})
    noisy.add(EVIDENCE_REVIEWED, {"activity": ["frac.recipe"], "level": "advanced"})
    noisy.add(EVIDENCE, {"activity": {"x": 1}})
    noisy.answer("frac.halves", False, learner="bo")  # someone else's
    with caplog.at_level(logging.WARNING, logger="engine.mastery"):
        result = standings("ana", noisy.events, SKILLS, ACTIVITIES)
    assert result == standings("ana", clean.events, SKILLS, ACTIVITIES)
    assert "Skipped 5 answers of learner ana" in caplog.text


def test_clock_order_not_list_order() -> None:
    log = Log()
    for correct in (True, True, True, False):
        log.answer("frac.halves", correct)
    shuffled = list(log.events)
    random.Random(4).shuffle(shuffled)
    assert standings("ana", shuffled, SKILLS, ACTIVITIES) == standings(
        "ana", log.events, SKILLS, ACTIVITIES)
    assert standings("ana", log.events, SKILLS, ACTIVITIES)["frac.halves"].level == Level.NEEDS_REVIEW


junk_values = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=5),
                        st.sampled_from(sorted(SKILLS) + sorted(ITEMS) + ["frac.recipe", "proficient"]),
                        st.lists(st.integers(0, 2), max_size=2))
events_data = st.dictionaries(
    st.sampled_from(["skill", "item", "correct", "hints", "attempt", "activity", "level"]),
    junk_values)


@given(st.lists(st.tuples(st.sampled_from([ANSWER, EVIDENCE, EVIDENCE_REVIEWED, "other"]),
                          events_data), max_size=40))
def test_any_events_give_standings_without_error(raw: list[tuple[str, dict[str, Any]]]) -> None:
    log = Log()
    for kind, data in raw:
        log.add(kind, data)
    for standing in standings("ana", log.events, SKILLS, ACTIVITIES).values():
        assert 0 <= standing.p_known <= 1
        assert 0 <= standing.right <= standing.answers


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 2), st.integers(1, 3)), max_size=30))
def test_bkt_standing_is_the_trace_of_counted_answers(
        answers: list[tuple[bool, int, int]]) -> None:
    log = Log()
    for correct, hints, attempt in answers:
        log.answer("frac.halves", correct, hints=hints, attempt=attempt)
    counted = [correct and hints == 0 for correct, hints, attempt in answers if attempt == 1]
    result = standings("ana", log.events, SKILLS, ACTIVITIES)["frac.halves"]
    assert result.p_known == (knowledge_trace(counted, BKTParams()) or [0.2])[-1]
    assert result.answers == len(counted)


def test_answer_data_records_the_grade_and_hints() -> None:
    item = {"id": "i1", "type": "number", "answer": "3/4", "feedback": {"right": "", "wrong": ""}}
    data = answer_data("frac.halves", "i1", grade(item, " 6/8 "), hints=1, attempt=1)
    assert data == {"skill": "frac.halves", "item": "i1", "correct": True, "response": "6/8",
                    "hints": 1, "attempt": 1}
    log = Log()
    log.add(ANSWER, data)
    assert standings("ana", log.events, SKILLS, ACTIVITIES)["frac.halves"].right == 0


def test_evidence_sequences_for_fitting() -> None:
    log = Log()
    log.answer("frac.halves", True, learner="bo")
    log.answer("frac.halves", False, learner="ana")
    log.answer("frac.halves", True, learner="ana", attempt=2)
    log.answer("frac.halves", True, learner="ana", hints=2)
    log.answer("any.skill", True, learner="ana")
    log.add(ANSWER, {"skill": "frac.halves"}, learner="ana")
    log.add("sign_in", {}, learner="ana")
    log.add(ANSWER, {"skill": "x", "item": "i", "correct": True, "hints": 0, "attempt": 1},
            learner=None)
    assert evidence_sequences(reversed(log.events)) == {
        "frac.halves": {"bo": [True], "ana": [False, False]}, "any.skill": {"ana": [True]}}


# --- evidence_log and review_data -------------------------------------------------------


def test_evidence_log_pairs_each_evidence_with_its_latest_review() -> None:
    log = Log()
    first = log.add(EVIDENCE, {"activity": "frac.recipe", "note": "soup"})
    second = log.add(EVIDENCE, {"activity": "frac.recipe", "note": "cake"})
    log.add(EVIDENCE_REVIEWED, review_data(first, "developing", ACTIVITIES))
    later = log.add(EVIDENCE_REVIEWED, review_data(first, "proficient", ACTIVITIES))
    assert evidence_log(log.events) == [Logged(first, later), Logged(second, None)]
    assert log.level("frac.halves") == Level.MASTERED


@pytest.mark.parametrize(("which", "level", "reason"), [
    ("none", "proficient", "There is no logged evidence with that id"),
    ("answer", "proficient", "There is no logged evidence with that id"),
    ("gone", "proficient", "The evidence is for a task ('gone.task') that no installed pack has."),
    ("made", "superb", "The rubric of frac.recipe has no level 'superb'; its levels are "
                       "beginning, developing, proficient, advanced."),
])
def test_review_data_refuses_what_a_teacher_could_mistype(which: str, level: str,
                                                          reason: str) -> None:
    log = Log()
    events = {"none": None, "answer": log.answer("frac.halves", True),
              "gone": log.add(EVIDENCE, {"activity": "gone.task"}),
              "made": log.add(EVIDENCE, {"activity": "frac.recipe"})}
    with pytest.raises(MasteryError, match=re.escape(reason)):
        review_data(events[which], level, ACTIVITIES)
