from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from engine import roster
from engine.station import Station
from kiosk.app import PathstoneApp


@pytest.fixture
def fixed_station(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Station:
    """A station whose random ids are fixed, so that screens can be compared as pictures."""
    counter = itertools.count()
    monkeypatch.setattr("engine.station.secrets.token_hex", lambda n: f"{next(counter):0{2 * n}d}")
    station = Station.init(tmp_path / "s", "Hillside Primary")
    station.change_setting("class_name", "Class 4B")
    for name in ("Ana B.", "Bao C."):
        station.record(name[:3].lower().replace(" ", "x"), *roster.added(name, "4"))
    return station


async def test_the_status_screen_shows_the_station_and_refreshes(fixed_station: Station) -> None:
    app = PathstoneApp(fixed_station, demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        body = str(app.screen.query_one("#status-body").render())
        assert "Hillside Primary" in body and "Class 4B" in body and "Learners  2" in body
        fixed_station.record("cid", *roster.added("Cid D.", "4"))
        await pilot.press("r")
        assert "Learners  3" in str(app.screen.query_one("#status-body").render())
        await pilot.press("q")
    assert app.return_code == 0


async def test_only_the_demo_can_be_quit_with_a_key(fixed_station: Station) -> None:
    app = PathstoneApp(fixed_station, demo=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        assert app.is_running


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_status_screen_snapshot(snap_compare, fixed_station: Station, size: tuple[int, int]) -> None:
    assert snap_compare(PathstoneApp(fixed_station, demo=True), terminal_size=size)
