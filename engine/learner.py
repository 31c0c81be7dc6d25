"""The learner model as the screens see it: one learner's standing, profile and next steps.

`Curriculum.from_catalog` reads what the installed packs teach once (it serves every
learner); `LearnerView.build` turns one learner's history (`journal.history(learner)`)
into everything the home screen shows.  Both are pure: the same packs, events and "now"
give the same view.  Events of types the learner model does not know (from a newer
station, say) are ignored with a logged warning and never dropped from the journal.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from engine import mastery, paths, profile, roster, state
from engine.clock import HLC, wall_clock_ms
from engine.event import Event
from engine.items import next_item
from engine.mastery import Activity, Level, MasteryError, Standing, standings
from engine.packs.store import Catalog
from engine.paths import Graph, Option, Wishes, path_options
from engine.profile import Goal, Profile
from engine.review import Review, due_reviews
from engine.station import Station

# Types other modules own that a learner's history holds; the learner model skips them
# quietly.  `sign_out` and `hint` (a hint shown; the answer carries the hint count that
# scoring uses) are recorded by the kiosk.
_ELSEWHERE = frozenset({
    state.SIGN_IN, "sign_out", "hint", roster.LEARNER_ADDED, roster.LEARNER_RENAMED,
    roster.LEARNER_DEACTIVATED, roster.LEARNER_REACTIVATED, roster.BADGE_REPLACED,
    roster.PIN_CHANGED})
KNOWN_TYPES = _ELSEWHERE | profile.TYPES | {
    mastery.ANSWER, mastery.EVIDENCE, mastery.EVIDENCE_REVIEWED,
    paths.PATH_OFFERED, paths.PATH_CHOSEN}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Curriculum:
    """What the installed packs teach, in the shapes the learner model needs."""

    graph: Graph
    skills: Mapping[str, mastery.Skill]
    activities: Mapping[str, Activity]
    items: Mapping[str, tuple[Mapping[str, Any], ...]]

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Curriculum:
        """From the installed packs; a skill whose prerequisites are in no installed pack
        is kept for standings but has no content to offer until they are."""
        blocked = catalog.unavailable()
        items = {skill_id: catalog.items(skill_id) for skill_id in catalog.skills}
        offerable = {s: len(found) for s, found in items.items() if s not in blocked}
        graph = Graph.from_packs([pack.content.data for pack in catalog.packs], offerable)
        skills = {skill_id: _skill(skill_id, skill.mastery, items[skill_id])
                  for skill_id, skill in catalog.skills.items()}
        activities = {}
        for pack in catalog.packs:
            for activity in pack.content.activities:
                try:
                    activities[activity["id"]] = Activity.from_pack(activity)
                except (MasteryError, KeyError, TypeError) as error:
                    log.warning("Activity of pack %s left out: %s", pack.id, error)
        return cls(graph, skills, activities, items)


def _skill(skill_id: str, setting: object, items: Sequence[Mapping[str, Any]]) -> mastery.Skill:
    ids = [item["id"] for item in items if isinstance(item.get("id"), str)]
    try:
        return mastery.Skill(mastery.criterion(setting), frozenset(ids))
    except MasteryError as error:
        log.warning("Skill %s uses the default mastery settings: %s", skill_id, error)
        return mastery.Skill(mastery.BKTParams(), frozenset(ids))


@dataclass(frozen=True)
class GoalView:
    """A goal with how far along it is, and whether it should end now (`met`, `due`)."""

    goal: Goal
    progress: float
    ending: str | None


@dataclass(frozen=True)
class LearnerView:
    """Everything the home screen shows of one learner."""

    learner: str
    standings: Mapping[str, Standing]
    profile: Profile
    goals: tuple[GoalView, ...]
    strengths: tuple[str, ...]
    needs: tuple[str, ...]
    due: tuple[Review, ...]
    options: tuple[Option, ...]
    history: Sequence[Event] = field(repr=False, compare=False)

    @classmethod
    def build(cls, learner: str, history: Sequence[Event], curriculum: Curriculum,
              now: HLC) -> LearnerView:
        """The view of `learner` from their events at station time `now`."""
        _warn_unknown(learner, history)
        current = standings(learner, history, curriculum.skills, curriculum.activities)
        about = profile.profile(learner, history)
        due = due_reviews(current, now.wall_ms)
        today = datetime.fromtimestamp(now.wall_ms / 1000, UTC).date()
        wishes = Wishes(goals=profile.goals_by_skill(about.goals), assigned=about.assigned,
                        interests=frozenset(about.interests),
                        due_reviews=frozenset(r.skill for r in due))
        return cls(
            learner, current, about, _goals(about, current, today),
            tuple(profile.strengths(current)), tuple(profile.needs(current)), tuple(due),
            tuple(path_options(curriculum.graph, current, wishes)), history)

    @classmethod
    def of_station(cls, station: Station, learner: str, curriculum: Curriculum,
                   wall: Callable[[], int] = wall_clock_ms) -> LearnerView:
        """The view of `learner` from the station's journal, now."""
        return cls.build(learner, station.journal.history(learner), curriculum,
                         station_now(station, wall))

    def level(self, skill: str) -> Level:
        standing = self.standings.get(skill)
        return standing.level if standing is not None else Level.NOT_STARTED

    def next_item(self, curriculum: Curriculum, skill: str,
                  seed: int | str) -> Mapping[str, Any] | None:
        """The item to show next for `skill` (None when it has none)."""
        return next_item(curriculum.items.get(skill, ()),
                         [e for e in self.history if e.learner == self.learner], skill,
                         frozenset(self.profile.interests), seed)


def record_review(station: Station, activities: Mapping[str, Activity], evidence_id: str,
                  level: str) -> Event:
    """A teacher's review of logged evidence, recorded for the student it belongs to.

    Raises MasteryError (one sentence, nothing recorded) for an unknown evidence id or
    a level the task's rubric does not have.  A review at or above the rubric's
    proficient level masters the task's skills (engine.mastery).
    """
    evidence = station.journal.get(evidence_id)
    data = mastery.review_data(evidence, level, activities)
    assert evidence is not None and evidence.learner is not None  # review_data checked
    return station.record(evidence.learner, mastery.EVIDENCE_REVIEWED, data)


def station_now(station: Station, wall: Callable[[], int] = wall_clock_ms) -> HLC:
    """The station's time: its wall clock, but never before the newest stamp in its
    journal (a Raspberry Pi without a real-time clock may boot believing it is 1970)."""
    return max(HLC(wall()), station.journal.last_hlc())


def _goals(about: Profile, current: Mapping[str, Standing], today: date) -> tuple[GoalView, ...]:
    return tuple(GoalView(goal, goal.progress(current), goal.ending(current, today))
                 for goal in about.goals)


def _warn_unknown(learner: str, history: Sequence[Event]) -> None:
    unknown = Counter(e.type for e in history if e.type not in KNOWN_TYPES)
    if unknown:
        log.warning("Ignored events of learner %s of types this station does not know "
                    "(from a newer version?): %s; they stay in the journal.",
                    learner, dict(sorted(unknown.items())))
