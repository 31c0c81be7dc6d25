from __future__ import annotations

from engine.event import Event
from engine.mastery import (
    ANSWER,
    DAY_MS,
    Level,
    NInARow,
    Recall,
    Skill,
    Standing,
    standings,
)
from engine.review import FIRST_DAYS, LAPSE_DAYS, due_reviews, next_review, reviews

START = 1_700_000_000_000
SKILLS = {"s.one": Skill(NInARow(3), frozenset({"i1", "i2"})),
          "s.two": Skill(NInARow(3), frozenset({"i1"}))}


def recall(wall_ms: int, remembered: bool) -> Recall:
    return (f"{wall_ms:013d}-00000000", remembered)


class Days:
    """Answers of one learner stamped at a given day and minute."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def answer(self, day: float, right: bool, skill: str = "s.one", minute: int = 0) -> None:
        seq = len(self.events) + 1
        wall = START + int(day * DAY_MS) + minute * 60_000
        self.events.append(Event(f"st:{seq}", "st", seq, f"{wall:013d}-00000000", "ana", ANSWER,
                                 {"skill": skill, "item": "i1", "correct": right,
                                  "response": "", "hints": 0, "attempt": 1}))

    def master(self, day: float, skill: str = "s.one") -> None:
        for minute in range(3):
            self.answer(day, True, skill, minute)

    def standings(self) -> dict[str, Standing]:
        return standings("ana", self.events, SKILLS, {})


def test_intervals_grow_while_the_learner_remembers() -> None:
    recalls = [recall(START, True)]
    intervals = []
    for _ in range(5):
        review = next_review("s", recalls)
        assert review is not None
        intervals.append(review.interval_days)
        recalls.append(recall(review.due_ms, True))  # reviewed exactly when due
    assert intervals[0] == FIRST_DAYS
    assert all(later > earlier for earlier, later in zip(intervals, intervals[1:])), intervals


def test_a_lapse_starts_the_intervals_small_again() -> None:
    recalls = [recall(START, True)]
    for _ in range(4):
        before = next_review("s", recalls)
        assert before is not None
        recalls.append(recall(before.due_ms, True))
    before = next_review("s", recalls)
    assert before is not None
    lapsed = next_review("s", [*recalls, recall(before.due_ms, False)])
    assert lapsed is not None
    assert lapsed.interval_days == LAPSE_DAYS < before.interval_days
    assert lapsed.due_ms == before.due_ms + LAPSE_DAYS * DAY_MS


def test_practice_before_the_review_is_due_changes_nothing() -> None:
    first = next_review("s", [recall(START, True)])
    assert first is not None
    early = next_review("s", [recall(START, True), recall(first.due_ms - 1, True)])
    assert early == first
    late = next_review("s", [recall(START, True), recall(first.due_ms + 20 * DAY_MS, True)])
    on_time = next_review("s", [recall(START, True), recall(first.due_ms, True)])
    assert late is not None and on_time is not None
    assert late.interval_days > on_time.interval_days  # remembered after a longer wait


def test_recalls_are_mastery_then_one_a_day_and_every_lapse() -> None:
    days = Days()
    days.master(0)
    days.answer(0, True, minute=10)       # same day as mastery: no recall
    days.answer(2, True)                  # first answer of a later day
    days.answer(2, True, minute=5)        # same day again: no recall
    days.answer(2, False, minute=6)       # a lapse always counts
    days.answer(2, False, minute=7)       # not mastered any more: no recall
    recalls = days.standings()["s.one"].recalls
    mastered_at = START + 2 * 60_000
    assert recalls == (recall(mastered_at, True), recall(START + 2 * DAY_MS, True),
                       recall(START + 2 * DAY_MS + 6 * 60_000, False))


def test_due_reviews_follow_the_journal_and_the_given_now() -> None:
    days = Days()
    days.master(0)
    days.master(0.5, "s.two")
    current = days.standings()
    due = reviews(current)
    assert set(due) == {"s.one", "s.two"}
    assert due_reviews(current, START) == []
    later = max(r.due_ms for r in due.values())
    assert [r.skill for r in due_reviews(current, later)] == ["s.one", "s.two"]  # most overdue first

    days.answer(later / DAY_MS - START / DAY_MS, True)  # reviewed when due: comes back later
    again = reviews(days.standings())["s.one"]
    assert again.due_ms > later and again.interval_days > due["s.one"].interval_days


def test_a_failed_review_needs_review_and_is_not_a_due_review() -> None:
    days = Days()
    days.master(0)
    days.answer(5, False)
    current = days.standings()
    assert current["s.one"].level == Level.NEEDS_REVIEW
    assert due_reviews(current, START + 100 * DAY_MS) == []
    days.master(5.5)  # mastered again: due soon, sooner than after the first mastery
    first = reviews(_only_mastery().standings())["s.one"]
    again = reviews(days.standings())["s.one"]
    assert again.due_ms - START - 5 * DAY_MS < first.due_ms - START


def _only_mastery() -> Days:
    days = Days()
    days.master(0)
    return days


def test_a_skill_never_mastered_has_no_review() -> None:
    days = Days()
    days.answer(0, True)
    assert reviews(days.standings()) == {}
    assert next_review("s", []) is None
