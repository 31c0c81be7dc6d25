"""The roster: who belongs to the station's class, built from roster events."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from engine.event import Event

LEARNER_ADDED = "learner_added"
LEARNER_RENAMED = "learner_renamed"
LEARNER_DEACTIVATED = "learner_deactivated"
ROLES = ("learner", "teacher")
_ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    grade: str
    role: str
    active: bool
    named_at: str


def new_learner_id(rng: random.Random) -> str:
    """A short id without look-alike characters, for badges and event records."""
    return "l" + "".join(rng.choice(_ID_ALPHABET) for _ in range(7))


def added(name: str, grade: str, role: str = "learner") -> tuple[str, Mapping[str, Any]]:
    """The (type, data) of an event that adds a member; the learner id is the event's."""
    return LEARNER_ADDED, {"name": name, "grade": grade, "role": role}


def apply(members: dict[str, Member], event: Event) -> None:
    """Fold one roster event into `members`; events of other kinds are ignored.

    Names resolve by the hybrid logical clock, so the order events arrive in does not
    matter; a malformed roster event from outside is ignored rather than trusted.
    """
    learner, data = event.learner, event.data
    if learner is None:
        return
    current = members.get(learner)
    if event.type == LEARNER_ADDED:
        name, grade, role = data.get("name"), data.get("grade", ""), data.get("role", "learner")
        if not (isinstance(name, str) and isinstance(grade, str) and role in ROLES):
            return
        if current is None or event.hlc > current.named_at:
            active = current.active if current else True
            members[learner] = Member(learner, name, grade, role, active, event.hlc)
    elif event.type == LEARNER_RENAMED and current is not None:
        name = data.get("name")
        if isinstance(name, str) and event.hlc > current.named_at:
            members[learner] = replace(current, name=name, named_at=event.hlc)
    elif event.type == LEARNER_DEACTIVATED and current is not None:
        members[learner] = replace(current, active=False)
