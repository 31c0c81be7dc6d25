from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from engine import roster
from engine.simulation import SimulatedClock, simulate
from engine.state import AtomicJSONStorage
from engine.station import Station

DAY0 = 1_790_000_000_000


def populated(home: Path) -> None:
    clock = SimulatedClock(DAY0)
    with Station.open(home, wall=clock) as station:
        simulate(station, clock, learners=6, days=3, seed=7)
        station.change_setting("turn_minutes", "15")


def snapshot(home: Path) -> tuple[object, ...]:
    with Station.open(home) as station:
        return station.state.learners(include_inactive=True), station.state.settings()


def test_state_adds_up_the_journal(home: Path) -> None:
    populated(home)
    with Station.open(home) as station:
        learners = station.state.learners()
        answers = [e for _, e in station.journal.scan() if e.type == "answer"]
        assert len(learners) == 6
        assert sum(s.activity.answers for s in learners) == len(answers)
        assert sum(s.activity.correct for s in learners) == sum(e.data["correct"] for e in answers)
        assert station.state.settings()["turn_minutes"] == 15


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.unlink(),
        lambda p: p.write_bytes(b"\x00\xff not json"),
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
        lambda p: p.write_text(json.dumps({"meta": {"1": {"version": 1}}})),
        lambda p: p.write_text(json.dumps({"roster": {"1": {"id": 5}}, "meta": []})),
        lambda p: p.write_text("[1, 2, 3]"),
    ],
    ids=["deleted", "garbage", "truncated", "wrong-shape", "wrong-types", "not-an-object"],
)
def test_a_missing_or_unreadable_state_file_is_rebuilt_from_the_journal(home: Path, damage) -> None:
    populated(home)
    before = snapshot(home)
    damage(home / "state.json")
    with Station.open(home) as station:
        assert station.state.learners(include_inactive=True) == before[0]
        assert station.state.settings() == before[1]
    assert snapshot(home) == before


def test_state_follows_later_events_incrementally(station: Station) -> None:
    kind, data = roster.added("Ana B.", "4")
    station.record("lanab", kind, data)
    station.record("lanab", "sign_in", {"method": "badge"})
    station.state.refresh(station.journal)
    [summary] = station.state.learners()
    assert (summary.member.name, summary.activity.sign_ins) == ("Ana B.", 1)
    station.record("lanab", roster.LEARNER_RENAMED, {"name": "Ana Belo"})
    station.record("lanab", roster.LEARNER_DEACTIVATED, {})
    assert station.state.refresh(station.journal) == 2
    assert station.state.learners() == []
    [gone] = station.state.learners(include_inactive=True)
    assert (gone.member.name, gone.member.active) == ("Ana Belo", False)


def test_activity_of_a_learner_not_yet_on_the_roster_is_kept(station: Station) -> None:
    station.record("lzed", "answer", {"correct": True})
    station.state.refresh(station.journal)
    station.record("lzed", *roster.added("Zed", "5"))
    station.state.refresh(station.journal)
    [summary] = station.state.learners()
    assert (summary.member.name, summary.activity.answers, summary.activity.correct) == ("Zed", 1, 1)


def test_the_storage_replaces_the_file_instead_of_rewriting_it(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    storage = AtomicJSONStorage(str(path))
    storage.write({"t": {"1": {"a": 1}}})
    first_inode = os.stat(path).st_ino
    storage.write({"t": {"1": {"a": 2}}})
    assert os.stat(path).st_ino != first_inode
    assert storage.read() == {"t": {"1": {"a": 2}}}
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_two_processes_writing_the_state_leave_it_as_the_journal_says(home: Path) -> None:
    """The kiosk and the weekly sync (or a roster import) each keep the state file of one
    station home, and each writes it whole after folding the journal in: whoever writes
    last, the file adds up the journal, as a rebuild from nothing would."""
    populated(home)
    with Station.open(home) as kiosk, Station.open(home) as sync:
        for n in range(3):
            sync.record(f"new{n}", *roster.added(f"New {n}", "5"))
            sync.state.refresh(sync.journal)
            kiosk.record("t0", "sign_in", {"method": "badge"})  # the kiosk's own event
            sync.change_setting("turn_minutes", str(10 + n))
            kiosk.state.refresh(kiosk.journal)  # written last, from its older cache
        assert {s.member.name for s in kiosk.state.learners()} >= {"New 0", "New 1", "New 2"}
    written = snapshot(home)
    (home / "state.json").unlink()
    assert snapshot(home) == written
