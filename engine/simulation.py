"""A simulated class: learners signing in, answering and signing out, as real events.

Used by `pathstone simulate` (load and crash tests) and to give the demo classroom a
few weeks of history.  It goes through the same API as the kiosk, so every event it
makes is as durable as a real one.  Learners climb a ladder of skills: the installed
packs' skills in prerequisite order, or a small built-in ladder on a station with none.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine import packs, roster
from engine.event import Event
from engine.station import Station

# A skill to practise and the ids of its items.
Rung = tuple[str, tuple[str, ...]]
# For a station with no packs installed.
BUILT_IN_LADDER: tuple[Rung, ...] = tuple(
    (skill, tuple(f"{skill}#{n}" for n in range(1, 9)))
    for skill in ("demo.count-to-20", "demo.add-within-10", "demo.subtract-within-10",
                  "demo.halves-and-quarters", "demo.compare-fractions")
)
_FIRST = ("Amina", "Bao", "Carlos", "Dina", "Emeka", "Fatima", "Goran", "Hana", "Ivan",
          "Jun", "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami",
          "Tariq", "Uma", "Vera", "Wen", "Yusuf", "Zola")
_DAY_MS = 86_400_000


class SimulatedClock:
    """A wall clock that the simulation moves forward by hand."""

    def __init__(self, start_ms: int) -> None:
        self.ms = start_ms

    def __call__(self) -> int:
        return self.ms


@dataclass(frozen=True)
class SimulationReport:
    learners_added: int
    events: int


def simulate(
    station: Station,
    clock: SimulatedClock,
    *,
    learners: int,
    days: int,
    seed: int,
    on_ack: Callable[[Event], None] = lambda event: None,
    ladder: Sequence[Rung] | None = None,
) -> SimulationReport:
    """Run `days` school days for `learners` learners from `clock`'s time on.

    `station` must have been opened with `clock` as its wall clock.  `on_ack` is called
    with each event after its append has returned, i.e. once it is durable.
    """
    rng = random.Random(seed)
    ladder = ladder or ladder_of(station) or BUILT_IN_LADDER
    count = 0

    def record(learner: str | None, kind: str, data: dict[str, object]) -> None:
        nonlocal count
        on_ack(station.record(learner, kind, data))
        count += 1

    class_list = [s.member.id for s in station.state.learners() if s.member.role == "learner"]
    added = 0
    while len(class_list) < learners:
        learner_id = roster.new_learner_id(rng)
        name = f"{rng.choice(_FIRST)} {chr(ord('A') + rng.randrange(26))}."
        kind, data = roster.added(name, grade=str(rng.choice((3, 4, 5))))
        record(learner_id, kind, dict(data))
        class_list.append(learner_id)
        added += 1
    class_list = class_list[:learners]
    ability = {learner: rng.uniform(0.45, 0.85) for learner in class_list}
    progress = {learner: [0, 0] for learner in class_list}  # skill index, right answers on it
    day_start = clock.ms
    for _ in range(days):
        clock.ms = day_start + 9 * 3_600_000
        for learner in rng.sample(class_list, len(class_list)):
            if rng.random() > 0.85:
                continue
            record(learner, "sign_in", {"method": "simulated"})
            for _ in range(rng.randint(4, 12)):
                clock.ms += rng.randint(20_000, 90_000)
                skill_index, right = progress[learner]
                skill, items = ladder[skill_index % len(ladder)]
                hints = 1 if rng.random() < 0.15 else 0
                correct = rng.random() < min(0.95, ability[learner] + 0.04 * right - 0.2 * hints)
                record(learner, "answer", {
                    "skill": skill, "item": rng.choice(items),
                    "correct": correct, "hints": hints, "attempt": 1,
                })
                right += correct
                progress[learner] = [skill_index + (right >= 5), 0 if right >= 5 else right]
            record(learner, "sign_out", {"reason": "student"})
            clock.ms += rng.randint(60_000, 300_000)
        day_start += _DAY_MS
    clock.ms = day_start
    station.state.refresh(station.journal)
    return SimulationReport(added, count)


def ladder_of(station: Station) -> list[Rung]:
    """The installed packs' skills that have items, each after its prerequisites."""
    catalog = packs.catalog(station.home)
    skills = catalog.skills
    ordered: list[Rung] = []
    placed: set[str] = set()
    waiting = list(skills.values())
    while waiting:
        ready = [s for s in waiting if all(r in placed or r not in skills for r in s.requires)]
        if not ready:  # a cycle cannot be installed, but never loop on one
            break
        for skill in ready:
            placed.add(skill.id)
            items = tuple(str(item["id"]) for item in catalog.items(skill.id))
            if items:
                ordered.append((skill.id, items))
        waiting = [s for s in waiting if s.id not in placed]
    return ordered
