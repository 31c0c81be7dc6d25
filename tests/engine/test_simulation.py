from __future__ import annotations

from pathlib import Path

from engine import packs
from engine.learner import Curriculum, LearnerView
from engine.simulation import BUILT_IN_LADDER, SimulatedClock, ladder_of, simulate
from engine.station import Station

DAY0 = 1_790_000_000_000


def test_without_packs_the_class_climbs_the_built_in_ladder(home: Path) -> None:
    clock = SimulatedClock(DAY0)
    with Station.open(home, wall=clock) as station:
        simulate(station, clock, learners=3, days=2, seed=1)
        skills = {e.data["skill"] for _, e in station.journal.scan() if e.type == "answer"}
    assert skills <= {skill for skill, _ in BUILT_IN_LADDER}


def test_with_packs_the_class_practises_their_items_in_prerequisite_order(home: Path) -> None:
    clock = SimulatedClock(DAY0)
    with Station.open(home, wall=clock) as station:
        packs.install_shipped(station, lambda line: None)
        catalog = packs.catalog(station.home)
        ladder = ladder_of(station)
        simulate(station, clock, learners=6, days=21, seed=4)
        answers = [e for _, e in station.journal.scan() if e.type == "answer"]
        curriculum = Curriculum.from_catalog(catalog)
        learners = [s.member.id for s in station.state.learners()]
        views = [LearnerView.build(l, station.journal.history(l), curriculum,
                                   station.journal.last_hlc()) for l in learners]
    position = {skill: n for n, (skill, _) in enumerate(ladder)}
    for skill, _ in ladder:
        assert all(position[r] < position[skill] for r in catalog.skills[skill].requires)
    items = {skill: set(ids) for skill, ids in ladder}
    assert answers and all(e.data["item"] in items[e.data["skill"]] for e in answers)
    assert sum(len(view.strengths) for view in views) > 0  # some skills were mastered
