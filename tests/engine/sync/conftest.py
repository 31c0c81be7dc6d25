"""Stations of one school for sync tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine.station import Station


def sibling_of(home: Path, path: Path) -> Path:
    """A new station at `path` in the same school as the station at `home`."""
    with Station.open(home) as first:
        ident = first.identity
        Station.init(path, ident.school_name, school_id=ident.school_id,
                     school_key=first.school_key()).close()
    return path


@pytest.fixture
def sibling(home: Path, tmp_path: Path) -> Callable[[str], Path]:
    return lambda name: sibling_of(home, tmp_path / name)


def record_some(home: Path, count: int, learner: str = "amy") -> None:
    with Station.open(home) as station:
        station.journal.append_many(
            [(learner, "activity_answered", {"n": i}) for i in range(count)])


def event_ids(home: Path) -> set[str]:
    with Station.open(home) as station:
        return {event.id for _, event in station.journal.scan()}
