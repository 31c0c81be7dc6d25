"""Mastery: where a learner stands on each skill, as a pure function of their events.

Evidence is of two kinds:

- an `answer` event (data `{"skill", "item", "correct", "response", "hints", "attempt"}`)
  counts only when it is the first attempt at the item in that showing (`attempt` 1);
  an answer given after a hint counts as wrong, because the hint did part of the work;
- an `evidence_reviewed` event in which the teacher rated a performance task at or above
  its rubric's proficient level masters every skill of the task.

Mastery follows the skill's criterion from its pack: Bayesian Knowledge Tracing (mastered
at P(known) >= 0.95 after at least 3 answers), `m_of_n` or `n_in_a_row`.  Once mastered,
a wrong answer drops the skill to "needs review" until the criterion is met again.

Events are taken in hybrid-logical-clock order.  Answers to skills or items that the
installed packs no longer have, and answer events whose data is malformed, are skipped for
scoring with a logged warning; they stay in the journal untouched.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from operator import attrgetter
from typing import Any, NamedTuple, TypeGuard

from engine.checks import Grade
from engine.errors import PathstoneError
from engine.event import Event

# The event types this module owns.
ANSWER = "answer"
"""A student answered a check: `{"skill", "item", "correct", "response", "hints", "attempt"}`
with `hints` the number of hints seen before answering and `attempt` counting 1, 2, ...
within one showing of the item."""
EVIDENCE = "evidence"
"""A student logged a performance task done away from the station:
`{"activity": activity id, "note": what they did (text)}`."""
EVIDENCE_REVIEWED = "evidence_reviewed"
"""A teacher rated logged evidence (the event's learner is the student):
`{"evidence": id of the evidence event, "activity": activity id, "level": rubric level id}`."""

MASTERY_LINE = 0.95
MIN_ANSWERS = 3
# "Nearly there" is a motivating signal rather than a statistical claim: a BKT estimate
# at 0.8 is typically one or two right answers from the line.
NEARLY_LINE = 0.8
DAY_MS = 86_400_000

log = logging.getLogger(__name__)


class MasteryError(PathstoneError):
    """A pack's mastery settings that cannot be used."""


class Level(StrEnum):
    """The levels people see, in the words they see."""

    NOT_STARTED = "not started"
    PRACTISING = "practising"
    NEARLY_THERE = "nearly there"
    MASTERED = "mastered"
    NEEDS_REVIEW = "needs review"


@dataclass(frozen=True)
class BKTParams:
    """Bayesian Knowledge Tracing parameters of one skill, each a probability.

    `prior`: known before any practice; `learn`: becomes known after an answer;
    `guess`: right without knowing; `slip`: wrong while knowing.  `guess + slip` must be
    below 1, otherwise a right answer would count as evidence of *not* knowing.
    """

    prior: float = 0.2
    learn: float = 0.15
    guess: float = 0.2
    slip: float = 0.1

    def __post_init__(self) -> None:
        for name in ("prior", "learn", "guess", "slip"):
            value = getattr(self, name)
            if (isinstance(value, bool) or not isinstance(value, (int, float))
                    or not math.isfinite(value) or not 0 <= value <= 1):
                raise MasteryError(f"The BKT {name} must be a number from 0 to 1, not {value!r}.")
        if self.guess + self.slip >= 1:
            raise MasteryError(
                f"The BKT guess ({self.guess}) and slip ({self.slip}) must add up to less than 1.")


@dataclass(frozen=True)
class MOfN:
    """Mastered when at least `m` of the last `n` counted answers are right."""

    m: int
    n: int


@dataclass(frozen=True)
class NInARow:
    """Mastered after `n` counted right answers in a row."""

    n: int


Criterion = BKTParams | MOfN | NInARow


def criterion(mastery: object) -> Criterion:
    """The criterion named by a pack skill's `mastery` field (None: the BKT defaults)."""
    if mastery is None:
        return BKTParams()
    if not isinstance(mastery, Mapping):
        raise MasteryError("A skill's mastery setting must be a JSON object.")
    model = mastery.get("model")
    if model == "bkt":
        unknown = set(mastery) - {"model", "prior", "learn", "guess", "slip"}
        if unknown:
            raise MasteryError(f"The BKT mastery setting has unknown fields {sorted(unknown)}.")
        return BKTParams(**{k: v for k, v in mastery.items() if k != "model"})
    if model == "m_of_n":
        m, n = mastery.get("m"), mastery.get("n")
        if not (_count(m) and _count(n) and m <= n):
            raise MasteryError(f"The m_of_n mastery setting needs whole numbers 1 <= m <= n, "
                               f"not m={m!r} and n={n!r}.")
        return MOfN(m, n)
    if model == "n_in_a_row":
        n = mastery.get("n")
        if not _count(n):
            raise MasteryError(
                f"The n_in_a_row mastery setting needs a whole number n >= 1, not {n!r}.")
        return NInARow(n)
    raise MasteryError(f"The mastery model {model!r} is not bkt, m_of_n or n_in_a_row.")


def _count(value: object) -> TypeGuard[int]:
    return type(value) is int and 1 <= value <= 1000


def knowledge_trace(answers: Iterable[bool], params: BKTParams) -> list[float]:
    """P(known) after each answer and the learning step that follows it, in order."""
    p = params.prior
    trace = []
    for correct in answers:
        p = learn(posterior(p, bool(correct), params), params)
        trace.append(p)
    return trace


def posterior(p: float, correct: bool, params: BKTParams) -> float:
    """P(known) once an answer is seen, from P(known) before it (Bayes' rule)."""
    if correct:
        known, unknown = p * (1 - params.slip), (1 - p) * params.guess
    else:
        known, unknown = p * params.slip, (1 - p) * (1 - params.guess)
    total = known + unknown
    # An answer the model calls impossible (e.g. right with guess 0 from prior 0) says nothing.
    if total <= 0:
        return p
    # With guess + slip < 1 a right answer can only raise P(known) and a wrong one only
    # lower it; the bound keeps float rounding (of a tiny p, say) from saying otherwise.
    return max(p, known / total) if correct else min(p, known / total)


def learn(p: float, params: BKTParams) -> float:
    """P(known) after the chance to learn that follows each answer."""
    return p + (1 - p) * params.learn


def predict_correct(p: float, params: BKTParams) -> float:
    """The chance of a right answer from P(known) before it."""
    return p * (1 - params.slip) + (1 - p) * params.guess


class Answer(NamedTuple):
    """An answer event's data, checked.

    A named tuple rather than a frozen dataclass: a history replays thousands of these
    per sign-in, and a tuple is built several times faster.
    """

    skill: str
    item: str
    correct: bool
    hints: int
    attempt: int

    @property
    def counts(self) -> bool:
        """Only the first attempt at an item in a showing is evidence of what was known."""
        return self.attempt == 1

    @property
    def right(self) -> bool:
        """Right for mastery: correct, and without a hint."""
        return self.correct and self.hints == 0


def read_answer(data: Mapping[str, Any]) -> Answer | None:
    """The answer in an `answer` event's data, or None when the data is malformed."""
    get = data.get
    skill, item, correct, hints, attempt = (
        get("skill"), get("item"), get("correct"), get("hints"), get("attempt"))
    # Exact types, as json.load gives them: a bool is not a hint count.
    if (type(skill) is str and type(item) is str and type(correct) is bool
            and type(hints) is int and hints >= 0 and type(attempt) is int and attempt >= 1):
        return Answer(skill, item, correct, hints, attempt)
    return None


def answer_data(skill: str, item: str, grade: Grade, *, hints: int, attempt: int) -> dict[str, Any]:
    """The data of the `answer` event that records `grade`."""
    return {"skill": skill, "item": item, "correct": grade.correct, "response": grade.response,
            "hints": hints, "attempt": attempt}


@dataclass(frozen=True)
class Skill:
    """What mastery needs to know of a skill from its pack."""

    criterion: Criterion
    items: frozenset[str]

    @classmethod
    def from_pack(cls, skill: Mapping[str, Any], item_ids: Iterable[str]) -> Skill:
        """From a `pack.json` skill entry and the ids of the items of its checks file."""
        return cls(criterion(skill.get("mastery")), frozenset(item_ids))


@dataclass(frozen=True)
class Activity:
    """What mastery needs to know of a performance task from its pack."""

    skills: tuple[str, ...]
    levels: tuple[str, ...]
    proficient: str

    @classmethod
    def from_pack(cls, activity: Mapping[str, Any]) -> Activity:
        """From an `activities/<name>.json` mapping."""
        try:
            rubric, skills = activity["rubric"], activity["skills"]
            levels = tuple(level["id"] for level in rubric["levels"])
            proficient = rubric["proficient"]
        except (KeyError, TypeError):
            raise MasteryError(
                f"Activity {activity.get('id')!r} has no valid skills and rubric.") from None
        if not isinstance(skills, list):
            raise MasteryError(f"Activity {activity.get('id')!r} must list its skills.")
        result = cls(tuple(skills), levels, proficient)
        if not all(isinstance(name, str) for name in (*result.skills, *result.levels)):
            raise MasteryError(
                f"Activity {activity.get('id')!r} has skill or level ids that are not text.")
        if result.proficient not in result.levels:
            raise MasteryError(f"Activity {activity.get('id')!r} names a proficient level "
                               f"{result.proficient!r} that its rubric does not have.")
        return result

    def masters(self, level: object) -> bool:
        """True when a rating at `level` is at or above the proficient level."""
        levels = self.levels
        return level in levels and levels.index(level) >= levels.index(self.proficient)


# A moment that showed whether a learner still knows a mastered skill: (clock stamp,
# remembered).  The moment of mastery, every wrong answer that loses it, and while it
# stays mastered the first right answer of each later day; review scheduling
# (engine.review) rates these and nothing else, so a long sitting counts once.  Plain
# tuples with the stamp as text: a long history makes thousands of them at each sign-in.
Recall = tuple[str, bool]


@dataclass(frozen=True)
class Standing:
    """A learner's standing on one skill; `recalls` in clock order."""

    skill: str
    level: Level
    p_known: float
    answers: int = 0
    right: int = 0
    recalls: tuple[Recall, ...] = ()


_DEFAULT = BKTParams()

# A skill's counted evidence while a history is replayed: (clock stamp, right), with
# right None for a performance task the teacher rated proficient.
_Marks = list[tuple[str, bool | None]]


def _fold(skill_id: str, rule: Skill, marks: _Marks, started: bool) -> Standing:
    """The standing on one skill from its evidence in clock order.

    Local variables rather than a tally object, and BKT's two steps inlined (the same
    arithmetic as `posterior` and `learn`): this runs for every answer of a history at
    every sign-in, and attribute updates and calls would triple its time.
    """
    criterion = rule.criterion
    params = criterion if isinstance(criterion, BKTParams) else _DEFAULT
    if not marks and not started:  # most skills of a big graph, so kept short
        return Standing(skill_id, Level.NOT_STARTED, params.prior)
    by_window, by_streak = isinstance(criterion, MOfN), isinstance(criterion, NInARow)
    need, window = ((criterion.m, criterion.n) if isinstance(criterion, MOfN)
                    else (criterion.n, 0) if isinstance(criterion, NInARow) else (0, 0))
    recent: deque[bool] = deque(maxlen=window)
    learn_, guess, slip = params.learn, params.guess, params.slip
    p, answers, rights, streak = params.prior, 0, 0, 0
    mastered = was_mastered = False
    recalls: list[Recall] = []
    next_day = ""  # the stamp at which the day of the last right recall ends
    for hlc, right in marks:
        was = mastered
        if right is None:
            mastered = was_mastered = True
            p = max(p, MASTERY_LINE)
            right = True
        else:
            answers += 1
            # As in `posterior`: an impossible answer says nothing, and rounding never
            # lets a right answer lower P(known) or a wrong one raise it.
            if right:
                rights += 1
                streak += 1
                known = p * (1 - slip)
                total = known + (1 - p) * guess
                if total > 0 and known > p * total:
                    p = known / total
            else:
                streak = 0
                mastered = False
                known = p * slip
                total = known + (1 - p) * (1 - guess)
                if total > 0 and known < p * total:
                    p = known / total
            p += (1 - p) * learn_
            if by_window:
                recent.append(right)
            if right and not mastered and (
                    sum(recent) >= need if by_window else streak >= need if by_streak
                    else p >= MASTERY_LINE and answers >= MIN_ANSWERS):
                mastered = was_mastered = True
        # Stamps compare as text in time order, so most answers of a mastered skill
        # are seen to fall on the same day without reading the stamp's number; and a
        # mastery regained after a lapse is relearning, already rated by the lapse.
        if was:
            if not right:
                recalls.append((hlc, False))
            elif hlc >= next_day:
                recalls.append((hlc, True))
                next_day = _next_day(hlc)
        elif mastered and not recalls:
            recalls.append((hlc, True))
            next_day = _next_day(hlc)
    started = started or bool(marks)
    if mastered:
        level = Level.MASTERED
    elif was_mastered:
        level = Level.NEEDS_REVIEW
    elif not started:
        level = Level.NOT_STARTED
    else:
        nearly = (sum(recent) >= need - 1 if by_window else streak >= need - 1 if by_streak
                  else p >= NEARLY_LINE)
        level = Level.NEARLY_THERE if nearly else Level.PRACTISING
    return Standing(skill_id, level, p, answers, rights, tuple(recalls))


def standings(
    learner: str,
    events: Iterable[Event],
    skills: Mapping[str, Skill],
    activities: Mapping[str, Activity],
) -> dict[str, Standing]:
    """The standing of `learner` on every skill of `skills`, from their events.

    `events` may hold other learners' events and events of any type; only this learner's
    answers and rated evidence count.  Pure: the same events give the same standings.
    """
    marks: dict[str, _Marks] = {skill_id: [] for skill_id in skills}
    tasks_started: set[str] = set()
    ignored = 0
    mine = sorted([e for e in events if e.learner == learner], key=_clock_order)
    # Fields read in place rather than through `read_answer`: this loop runs over the
    # whole history at every sign-in, and a record per answer would double its time.
    for event in mine:
        kind, data = event.type, event.data
        if kind == ANSWER:
            try:
                skill, item, correct, hints, attempt = (
                    data["skill"], data["item"], data["correct"], data["hints"], data["attempt"])
                rule = skills[skill]
                valid = (item in rule.items and type(correct) is bool
                         and type(hints) is int and hints >= 0
                         and type(attempt) is int and attempt >= 1)
            except (KeyError, TypeError):  # a field missing, or a skill or item not text
                valid = False
            if not valid:
                ignored += 1
            elif attempt == 1:
                marks[skill].append((event.hlc, correct and hints == 0))
        elif kind == EVIDENCE:
            activity = _activity(event, activities)
            tasks_started.update(activity.skills if activity is not None else ())
        elif kind == EVIDENCE_REVIEWED:
            activity = _activity(event, activities)
            if activity is not None and activity.masters(data.get("level")):
                for skill_id in activity.skills:
                    if skill_id in marks:
                        marks[skill_id].append((event.hlc, None))
    if ignored:
        log.warning("Skipped %d answers of learner %s that name no installed skill or item "
                    "or are malformed; they stay in the journal.", ignored, learner)
    return {skill_id: _fold(skill_id, rule, marks[skill_id], skill_id in tasks_started)
            for skill_id, rule in skills.items()}


def _next_day(hlc: str) -> str:
    """The first stamp of the day after the one of `hlc`, a stamp the journal checked.

    Slicing rather than `HLC.parse`: this runs for many answers of a long history.
    """
    return f"{(int(hlc[:13]) // DAY_MS + 1) * DAY_MS:013d}"


# Clock order; the id breaks ties between stations that stamped the same instant.
_clock_order = attrgetter("hlc", "id")


def _activity(event: Event, activities: Mapping[str, Activity]) -> Activity | None:
    name = event.data.get("activity")
    return activities.get(name) if isinstance(name, str) else None


@dataclass(frozen=True)
class Logged:
    """A learner's logged evidence and the teacher's latest review of it (None: waiting)."""

    evidence: Event
    review: Event | None = None


def evidence_log(events: Iterable[Event]) -> list[Logged]:
    """Every logged evidence of `events` in journal order, each with its latest review."""
    reviews: dict[object, Event] = {}
    logged: list[Event] = []
    for event in events:
        if event.type == EVIDENCE:
            logged.append(event)
        elif event.type == EVIDENCE_REVIEWED:
            latest = reviews.get(event.data.get("evidence"))
            if latest is None or _clock_order(event) > _clock_order(latest):
                reviews[event.data.get("evidence")] = event
    return [Logged(event, reviews.get(event.id)) for event in logged]


def review_data(evidence: Event | None, level: object,
                activities: Mapping[str, Activity]) -> dict[str, str]:
    """The data of the `evidence_reviewed` event that rates `evidence` at rubric `level`.

    Raises MasteryError, in one sentence, for anything a teacher could mistype: no such
    evidence, evidence of a task the installed packs no longer have, a level its rubric
    does not have.
    """
    if evidence is None or evidence.type != EVIDENCE or evidence.learner is None:
        raise MasteryError("There is no logged evidence with that id; "
                           "`pathstone evidence list` shows the ids.")
    name = evidence.data.get("activity")
    activity = activities.get(name) if isinstance(name, str) else None
    if activity is None:
        raise MasteryError(f"The evidence is for a task ({name!r}) that no installed pack has.")
    if level not in activity.levels:
        raise MasteryError(f"The rubric of {name} has no level {level!r}; "
                           f"its levels are {', '.join(activity.levels)}.")
    return {"evidence": evidence.id, "activity": str(name), "level": str(level)}


def evidence_sequences(events: Iterable[Event]) -> dict[str, dict[str, list[bool]]]:
    """Every learner's counted answers per skill, in clock order: skill -> learner -> rights.

    This is what BKT parameters are fitted from.  It takes every skill named in the
    journal, since a district calibrates packs from real classes before deciding which
    skills to keep; malformed answer events are skipped.
    """
    counted: list[tuple[str, str, str, str, bool]] = []
    for event in events:
        if event.type != ANSWER or event.learner is None:
            continue
        answer = read_answer(event.data)
        if answer is not None and answer.counts:
            counted.append((event.hlc, event.id, answer.skill, event.learner, answer.right))
    counted.sort()
    sequences: dict[str, dict[str, list[bool]]] = {}
    for _, _, skill_id, learner, right in counted:
        sequences.setdefault(skill_id, {}).setdefault(learner, []).append(right)
    return sequences

