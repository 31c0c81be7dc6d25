"""Profile: who a learner is and what they are working towards, from their own events.

What the learner says about themselves (interests, aspirations, motivations, preferred
ways of working) is a `profile_changed` event per field; the latest by clock stamp wins,
whichever station it came from and in whatever order it arrived.  Goals are `goal_set`
events (setting a goal id again edits it), ended by `goal_ended`, and reflected on with
`reflection` events.  A teacher's `skill_assigned` / `skill_unassigned` steer the path
options.  Strengths and needs are computed from standings, never typed.

Every function takes one learner's id and reads only that learner's events, so a student
sees and edits only their own profile.  Malformed events (from another station version,
say) are skipped with a logged warning and stay in the journal.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from operator import attrgetter
from typing import Any, TypeGuard

from engine.errors import PathstoneError
from engine.event import Event
from engine.mastery import Level, Standing

# The event types this module owns.
PROFILE_CHANGED = "profile_changed"
"""A learner changed one field of their profile: `{"field", "value"}`, the value a list of
words for `interests` and `ways_of_working`, a text otherwise."""
GOAL_SET = "goal_set"
"""A goal set or edited: `{"goal": id, "text", "skills": [skill ids], "due": "YYYY-MM-DD"
or null}`.  A goal in the student's own words (no skills) is set with a due date since
this version; older journals may hold one without, which is read as before."""
GOAL_ENDED = "goal_ended"
"""A goal closed: `{"goal": id, "outcome": "met" | "due" | "dropped"}`.  A skill goal is
met by mastering its skills; a goal in the student's own words is met when they say so."""
REFLECTION = "reflection"
"""A learner's reflection on a goal: `{"goal": id, "text"}`."""
HELP_REQUESTED = "help_requested"
"""A learner asked for help: `{"skill": skill id or null, "item": item id or null,
"note": text}`."""
SKILL_ASSIGNED = "skill_assigned"
"""A teacher assigned a skill to the event's learner: `{"skill": skill id}`."""
SKILL_UNASSIGNED = "skill_unassigned"
"""A teacher took an assignment back: `{"skill": skill id}`."""
TYPES = frozenset({PROFILE_CHANGED, GOAL_SET, GOAL_ENDED, REFLECTION, HELP_REQUESTED,
                   SKILL_ASSIGNED, SKILL_UNASSIGNED})

LIST_FIELDS = ("interests", "ways_of_working")
TEXT_FIELDS = ("aspirations", "motivations")
OUTCOMES = ("met", "due", "dropped")
MAX_TEXT = 2000
STRENGTHS = 3
# A skill is a need after this many wrong answers with under RIGHT_SHARE of them right,
# or after this many answers without getting near mastery.
MANY_WRONG = 5
RIGHT_SHARE = 0.6
NO_PROGRESS = 12

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Goal:
    """A learner's goal; `outcome` None while it is open."""

    id: str
    text: str
    skills: tuple[str, ...]
    due: date | None
    outcome: str | None = None
    reflections: tuple[str, ...] = ()

    def progress(self, standings: Mapping[str, Standing]) -> float:
        """The share of the goal's skills mastered, from 0 to 1."""
        if not self.skills:
            return 0.0
        done = sum(1 for s in self.skills
                   if s in standings and standings[s].level == Level.MASTERED)
        return done / len(self.skills)

    @property
    def own_words(self) -> bool:
        """No skill measures it: the student says when it is met (or its date ends it)."""
        return not self.skills

    def ending(self, standings: Mapping[str, Standing], today: date) -> str | None:
        """`met` or `due` when an open goal should end now, else None."""
        if self.outcome is not None:
            return None
        if self.skills and self.progress(standings) == 1:
            return "met"
        return "due" if self.due is not None and today > self.due else None


@dataclass(frozen=True)
class Profile:
    """What a learner said about themselves, their goals and their teacher's assignments."""

    interests: tuple[str, ...] = ()
    ways_of_working: tuple[str, ...] = ()
    aspirations: str = ""
    motivations: str = ""
    goals: tuple[Goal, ...] = ()
    assigned: frozenset[str] = frozenset()

    @property
    def open_goals(self) -> tuple[Goal, ...]:
        return tuple(goal for goal in self.goals if goal.outcome is None)


def profile(learner: str, events: Iterable[Event]) -> Profile:
    """The profile of `learner` from their events (others' events are ignored)."""
    mine = sorted((e for e in events if e.learner == learner and e.type in TYPES),
                  key=attrgetter("hlc", "id"))
    fields: dict[str, Any] = {}
    goals: dict[str, Goal] = {}
    assigned: set[str] = set()
    skipped = 0
    for event in mine:
        if not _apply(event, fields, goals, assigned):
            skipped += 1
    if skipped:
        log.warning("Skipped %d profile events of learner %s that are malformed; they stay "
                    "in the journal.", skipped, learner)
    return Profile(goals=tuple(goals.values()), assigned=frozenset(assigned), **fields)


def _apply(event: Event, fields: dict[str, Any], goals: dict[str, Goal],
           assigned: set[str]) -> bool:
    """Fold one event into the profile so far; False when its data is malformed."""
    data, kind = event.data, event.type
    if kind == PROFILE_CHANGED:
        name, value = data.get("field"), data.get("value")
        if name in LIST_FIELDS and _words(value):
            fields[name] = tuple(value)
        elif name in TEXT_FIELDS and _text(value):
            fields[name] = value
        else:
            return False
    elif kind == GOAL_SET:
        goal = _goal(data)
        if goal is None:
            return False
        old = goals.get(goal.id)
        goals[goal.id] = goal if old is None else replace(goal, reflections=old.reflections)
    elif kind in (GOAL_ENDED, REFLECTION):
        goal_id = data.get("goal")
        goal = goals.get(goal_id) if isinstance(goal_id, str) else None
        if goal is None:
            return False
        if kind == GOAL_ENDED and data.get("outcome") in OUTCOMES:
            goals[goal.id] = replace(goal, outcome=data["outcome"])
        elif kind == REFLECTION and _text(data.get("text")):
            goals[goal.id] = replace(goal, reflections=(*goal.reflections, data["text"]))
        else:
            return False
    elif kind in (SKILL_ASSIGNED, SKILL_UNASSIGNED):
        skill = data.get("skill")
        if not _text(skill):
            return False
        (assigned.add if kind == SKILL_ASSIGNED else assigned.discard)(skill)
    return True


def _goal(data: Mapping[str, Any]) -> Goal | None:
    goal_id, text, skills, due = data.get("goal"), data.get("text"), data.get("skills"), data.get("due")
    if not (_text(goal_id) and _text(text) and _words(skills) and (due is None or _text(due))):
        return None
    try:
        day = date.fromisoformat(due) if due is not None else None
    except ValueError:
        return None
    return Goal(goal_id, text, tuple(skills), day)


def _text(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and 0 < len(value) <= MAX_TEXT


def _words(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and len(value) <= 100 and all(_text(v) for v in value)


def strengths(standings: Mapping[str, Standing]) -> list[str]:
    """The strongest mastered skills: highest P(known), then most answers right."""
    mastered = [s for s in standings.values() if s.level == Level.MASTERED]
    mastered.sort(key=lambda s: (-s.p_known, -s.right, s.skill))
    return [s.skill for s in mastered[:STRENGTHS]]


def needs(standings: Mapping[str, Standing]) -> list[str]:
    """Skills not mastered with many wrong answers, or many answers and no progress."""
    found = []
    for s in standings.values():
        if s.level == Level.MASTERED:
            continue
        wrong = s.answers - s.right
        struggling = wrong >= MANY_WRONG and s.right < RIGHT_SHARE * s.answers
        stuck = s.level == Level.PRACTISING and s.answers >= NO_PROGRESS
        if struggling or stuck:
            found.append((-wrong, s.skill))
    return [skill for _, skill in sorted(found)]


def goals_by_skill(goals: Collection[Goal]) -> dict[str, str]:
    """Each skill an open goal targets, with the text of the first such goal."""
    found: dict[str, str] = {}
    for goal in goals:
        if goal.outcome is None:
            for skill in goal.skills:
                found.setdefault(skill, goal.text)
    return found


def changed_data(field: str, value: str | list[str]) -> dict[str, Any]:
    """The data of a `profile_changed` event."""
    return {"field": field, "value": value}


class GoalError(PathstoneError):
    """A goal that cannot be recorded as given."""


def goal_data(goal_id: str, text: str, skills: list[str], due: date | None) -> dict[str, Any]:
    """The data of a `goal_set` event.

    A goal in the student's own words needs a due date: no skill's mastery can end it, and
    a goal that never ends never asks for the reflection.
    """
    if not skills and due is None:
        raise GoalError(f"Goal {goal_id!r} is in the student's own words and has no due date.")
    return {"goal": goal_id, "text": text, "skills": skills,
            "due": due.isoformat() if due is not None else None}


# A goal further off than a school year is not one a student can steer by.
MAX_DUE_DAYS = 365
# Only the form the prompt shows: `date.fromisoformat` would also take week dates.
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class GoalDateError(PathstoneError):
    """A due date a student typed that cannot be used; its message is for them."""


def due_from_text(text: str, today: date) -> date:
    """The due date a student typed: a number of days from today, or a YYYY-MM-DD date."""
    typed = text.strip()
    if typed.isascii() and typed.isdigit():
        days = int(typed)
        if not 1 <= days <= MAX_DUE_DAYS:
            raise GoalDateError(f"Choose from 1 to {MAX_DUE_DAYS} days.")
        return today + timedelta(days=days)
    try:
        day = date.fromisoformat(typed) if _ISO_DAY.fullmatch(typed) else None
    except ValueError:
        day = None
    if day is None:
        raise GoalDateError("Type a number of days, like 10, or a date, like "
                            f"{(today + timedelta(days=10)).isoformat()}.")
    if not today < day <= today + timedelta(days=MAX_DUE_DAYS):
        raise GoalDateError(f"Choose a day after today and at most {MAX_DUE_DAYS} days away.")
    return day


def ended_data(goal_id: str, outcome: str) -> dict[str, Any]:
    """The data of a `goal_ended` event."""
    if outcome not in OUTCOMES:
        raise GoalError(f"A goal ends {' or '.join(OUTCOMES)}, not {outcome!r}.")
    return {"goal": goal_id, "outcome": outcome}


def reflection_data(goal_id: str, text: str) -> dict[str, Any]:
    """The data of a `reflection` event."""
    return {"goal": goal_id, "text": text}


def help_data(skill: str | None, item: str | None, note: str) -> dict[str, Any]:
    """The data of a `help_requested` event."""
    return {"skill": skill, "item": item, "note": note}


def assigned_data(skill: str) -> dict[str, Any]:
    """The data of a `skill_assigned` or `skill_unassigned` event."""
    return {"skill": skill}
