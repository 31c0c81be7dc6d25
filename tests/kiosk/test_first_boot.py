"""First boot on screen: "not set up yet", locked, until an enrolment file makes the station."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from engine.places import FILE_NAME, Places
from engine.station import Station, is_station
from engine.sync.enrolment import Enrolment, enrol, read_enrolment, write_enrolment
from kiosk.app import PathstoneApp
from kiosk.cli import main
from kiosk.screens.not_set_up import FirstBootApp, NotSetUpScreen
from kiosk.screens.signin import SignInScreen
from tests.kiosk.kiosk_rig import NINE_THIRTY, FakeMonotonic, wait_for_screen

POLL = 0.05


def first_boot(tmp_path: Path, *, locked: bool = True, ansi: bool = False,
               poll: float = POLL) -> FirstBootApp:
    return FirstBootApp(tmp_path / "home", Places(tmp_path / "root"), locked=locked,
                        ansi_color=ansi, poll_seconds=poll, done_seconds=0.2)


def text(pilot: Pilot[Any], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


def put_on_stick(tmp_path: Path) -> Path:
    path = Places(tmp_path / "root").sticks / "STICK" / FILE_NAME
    path.parent.mkdir(parents=True)
    write_enrolment(path, Enrolment("hill", "Hillside Primary", b"k" * 32))
    return path


async def test_it_says_what_to_do(tmp_path: Path) -> None:
    async with first_boot(tmp_path).run_test() as pilot:
        assert isinstance(pilot.app.screen, NotSetUpScreen)
        assert "This station is not set up yet" in text(pilot, ".card-title")
        steps = text(pilot, "#setup-steps")
        assert "USB stick" in steps and "/boot/firmware/pathstone-enrol.json" in steps


@pytest.mark.parametrize("locked", [True, False])
async def test_keys_do_not_quit_it_in_kiosk_mode(tmp_path: Path, locked: bool) -> None:
    app = first_boot(tmp_path, locked=locked)
    async with app.run_test() as pilot:
        for key in ("ctrl+c", "ctrl+q", "f12", "escape", "enter"):
            await pilot.press(key)
        await pilot.pause()
        assert app.is_running is locked  # unlocked (a terminal, not systemd), F12 leaves


async def test_a_file_on_a_stick_sets_up_the_station_then_sign_in(tmp_path: Path) -> None:
    app = first_boot(tmp_path)
    async with app.run_test() as pilot:
        await pilot.pause(2 * POLL)
        assert not is_station(tmp_path / "home")
        put_on_stick(tmp_path)
        await pilot.pause(3 * POLL)
        assert "Delete pathstone-enrol.json from the USB stick" in text(pilot, "#setup-news")
        await pilot.pause(0.3)
    assert app.return_value is True
    with Station.open(tmp_path / "home") as station:
        kiosk = PathstoneApp(station, demo=False, wall=lambda: NINE_THIRTY,
                             monotonic=FakeMonotonic())
        async with kiosk.run_test() as pilot:
            await wait_for_screen(pilot, SignInScreen)


async def test_a_bad_file_is_named_and_nothing_is_made(tmp_path: Path) -> None:
    bad = Places(tmp_path / "root").boot
    bad.parent.mkdir(parents=True)
    bad.write_text("not json")
    async with first_boot(tmp_path).run_test() as pilot:
        await pilot.pause(2 * POLL)
        assert text(pilot, "#setup-news") == f"{FILE_NAME} is not a valid Pathstone enrolment file."
        assert isinstance(pilot.app.screen, NotSetUpScreen)
    assert not (tmp_path / "home").exists()


async def test_systemd_hears_ready_once_it_is_shown(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with tempfile.TemporaryDirectory(dir="/tmp") as folder, \
            socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        path = os.path.join(folder, "notify")
        sock.bind(path)
        sock.settimeout(5)
        monkeypatch.setenv("NOTIFY_SOCKET", path)
        monkeypatch.setenv("WATCHDOG_USEC", "100000")  # pings every 0.05 s
        monkeypatch.delenv("WATCHDOG_PID", raising=False)
        async with first_boot(tmp_path).run_test() as pilot:
            await pilot.pause(0.2)
            assert [sock.recv(100), sock.recv(100)] == [b"READY=1", b"WATCHDOG=1"]


def test_pathstone_run_waits_for_enrolment_then_starts_the_kiosk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wiring of `pathstone run`: no exit-and-restart loop, the kiosk follows."""
    home = tmp_path / "home"
    shown: list[bool] = []

    def enrolled(app: FirstBootApp) -> bool:
        write_enrolment(tmp_path / "e.json", Enrolment("hill", "Hill", b"k" * 32))
        enrol(home, read_enrolment(tmp_path / "e.json")).close()
        return True

    monkeypatch.setattr(FirstBootApp, "run", enrolled)
    monkeypatch.setattr(PathstoneApp, "run", lambda app: shown.append(app.demo))
    main(["run", "--home", str(home)])
    assert shown == [False]


def test_not_set_up_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    assert snap_compare(first_boot(tmp_path, ansi=True, poll=3), terminal_size=(80, 24))
