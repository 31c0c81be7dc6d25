"""The classroom fixtures every kiosk test shares, made once per session."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import profile, roster
from engine.packs import install_shipped
from engine.station import Station
from tests.kiosk.kiosk_rig import LEARNERS, NEWCOMER, PIN, SCHOOL, TEACHER


@pytest.fixture(scope="session")
def classroom_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Made once: the same ids every time, so screens compare as pictures."""
    counter = itertools.count()
    home = tmp_path_factory.mktemp("template") / "s"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("engine.station.secrets.token_hex", lambda n: f"{next(counter):0{2 * n}d}")
        with Station.init(home, SCHOOL) as station:
            station.change_setting("class_name", "Class 4B")
            for n, name in enumerate(LEARNERS):
                station.record(f"l{n + 1}", *roster.added(name, "4"))
                # Not new here: the first-sign-in interview is for NEWCOMER.
                station.record(f"l{n + 1}", profile.PROFILE_CHANGED,
                               profile.changed_data("ways_of_working", ["practise"]))
            station.record("l9", *roster.added(NEWCOMER, "4"))
            station.record("t1", *roster.added(TEACHER, "", "teacher"))
            station.record("t1", *roster.pin_changed(PIN))
            install_shipped(station, lambda line: None)
            station.state.refresh(station.journal)
    return home


@pytest.fixture
def classroom(classroom_template: Path, tmp_path: Path) -> Iterator[Station]:
    home = tmp_path / "s"
    shutil.copytree(classroom_template, home, symlinks=True)
    with Station.open(home) as station:
        yield station
