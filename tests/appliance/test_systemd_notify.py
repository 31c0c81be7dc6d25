"""The kiosk's READY=1 and watchdog pings, received on a real datagram socket."""

from __future__ import annotations

import os
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.station import Station
from kiosk.app import PathstoneApp
from kiosk.screens.signin import SignInScreen
from kiosk.systemd_notify import Notifier, watchdog_interval


@pytest.fixture
def listener() -> Iterator[tuple[str, socket.socket]]:
    """A fake systemd: a bound AF_UNIX datagram socket and its path (kept short for bind)."""
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        path = os.path.join(folder, "notify")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.bind(path)
            sock.settimeout(5)
            yield path, sock


def _received(sock: socket.socket) -> list[str]:
    sock.setblocking(False)
    messages = []
    while True:
        try:
            messages.append(sock.recv(4096).decode())
        except BlockingIOError:
            return messages


def test_ready_and_watchdog_reach_the_socket(listener: tuple[str, socket.socket]) -> None:
    path, sock = listener
    notifier = Notifier.from_environment({"NOTIFY_SOCKET": path})
    notifier.ready()
    notifier.watchdog()
    assert [sock.recv(100), sock.recv(100)] == [b"READY=1", b"WATCHDOG=1"]


def test_an_abstract_socket_name_is_understood() -> None:
    name = f"pathstone-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(5)
        Notifier.from_environment({"NOTIFY_SOCKET": "@" + name}).ready()
        assert sock.recv(100) == b"READY=1"


@pytest.mark.parametrize("environ", [{}, {"NOTIFY_SOCKET": ""}])
def test_without_a_socket_nothing_is_sent(environ: dict[str, str]) -> None:
    notifier = Notifier.from_environment(environ)
    assert notifier.address is None
    notifier.ready()  # must not raise


def test_a_socket_that_is_gone_does_not_stop_the_kiosk(tmp_path: Path) -> None:
    Notifier.from_environment({"NOTIFY_SOCKET": str(tmp_path / "gone")}).watchdog()


@pytest.mark.parametrize("environ, interval", [
    ({"WATCHDOG_USEC": "30000000"}, 15.0),
    ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4242"}, 15.0),
    ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, None),  # meant for another process
    ({}, None),
    ({"WATCHDOG_USEC": "0"}, None),
    ({"WATCHDOG_USEC": "thirty"}, None),
    ({"WATCHDOG_USEC": "-5"}, None),
])
def test_watchdog_interval_is_half_of_watchdogsec(environ: dict[str, str], interval: float | None) -> None:
    assert watchdog_interval(environ, pid=4242) == interval


async def test_the_app_is_ready_after_its_first_screen_then_pings(
    station: Station, listener: tuple[str, socket.socket], monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, sock = listener
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "100000")  # pings every 0.05 s
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    app = PathstoneApp(station, demo=True)
    # (screen, how many widgets it shows) at the moment READY=1 is sent
    at_ready: list[tuple[object, int]] = []
    original = Notifier.ready

    def ready(notifier: Notifier) -> None:
        at_ready.append((app.screen, len(app.screen.query("*"))))
        original(notifier)

    monkeypatch.setattr(Notifier, "ready", ready)
    messages: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        deadline = time.monotonic() + 10  # generous: a loaded CI machine is slow
        while messages.count("WATCHDOG=1") < 3 and time.monotonic() < deadline:
            await pilot.pause(0.05)
            messages += _received(sock)
    assert len(at_ready) == 1
    screen, widgets = at_ready[0]
    assert isinstance(screen, SignInScreen) and widgets > 0
    assert messages[0] == "READY=1" and messages.count("READY=1") == 1
    assert messages[1:] == ["WATCHDOG=1"] * (len(messages) - 1) and len(messages) >= 4


async def test_a_hung_event_loop_stops_the_pings(
    station: Station, listener: tuple[str, socket.socket], monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, sock = listener
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "100000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    app = PathstoneApp(station, demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        _received(sock)
        time.sleep(0.4)  # the loop is blocked: a hung UI
        during = _received(sock)
        after: list[str] = []
        deadline = time.monotonic() + 10
        while not after and time.monotonic() < deadline:
            await pilot.pause(0.05)
            after = _received(sock)
    assert during == [] and "WATCHDOG=1" in after


async def test_the_app_runs_without_systemd(station: Station, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    app = PathstoneApp(station, demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        await pilot.press("f12")  # the demo's quit key
    assert app.return_code == 0
