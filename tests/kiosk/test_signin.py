"""Signing in: keyboard-wedge bursts, the serial scanner, refusals, the demo list, teachers."""

from __future__ import annotations

import os
from pathlib import Path

from engine import badges
from engine.station import Station
from kiosk.screens.demo_badges import DemoBadges
from kiosk.screens.home import HomeScreen
from kiosk.screens.pin import PinScreen
from kiosk.screens.signin import TYPED, SignInScreen
from kiosk.screens.teacher import TeacherScreen
from tests.kiosk.kiosk_rig import (
    PIN,
    badge,
    events_of,
    kiosk,
    scan,
    type_keys,
    wait_for_screen,
)


def refusal(app: object) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, SignInScreen)
    return str(screen.query_one("#signin-refusal").render())


async def test_a_scanner_burst_signs_the_learner_in(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, badge(classroom, "l1"))
        await wait_for_screen(pilot, HomeScreen)
        assert "Hello, Ana B.!" in str(app.screen.query_one("#home-greeting").render())
    assert [e.data for e in events_of(classroom, "l1", "sign_in")] == [{"method": "keyboard"}]


async def test_a_badge_typed_by_hand_is_refused(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_keys(pilot, badge(classroom, "l1"), 0.2)
        assert isinstance(app.screen, SignInScreen)
        assert refusal(app) == TYPED
    assert events_of(classroom, "l1", "sign_in") == []


async def test_a_bad_badge_shows_its_reason_and_the_next_one_works(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        forged = badge(classroom, "l1")[:-4] + "AAAA"
        await scan(pilot, forged)
        assert refusal(app) == badges.NOT_GENUINE
        await scan(pilot, "hello there, scanner")
        assert refusal(app) == badges.NOT_A_BADGE
        app.screen.reset()
        assert refusal(app) == ""
        await scan(pilot, badge(classroom, "l2"))
        await wait_for_screen(pilot, HomeScreen)
    assert len(events_of(classroom, "l2", "sign_in")) == 1


async def test_the_serial_scanner_signs_in_through_a_pty(classroom: Station, tmp_path: Path) -> None:
    master, slave = os.openpty()
    link = tmp_path / "qrscanner"
    link.symlink_to(os.ttyname(slave))
    classroom.change_setting("scanner_port", str(link))
    app = kiosk(classroom)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(100):
                await pilot.pause(0.05)
                if "Scanner connected" in str(app.screen.query_one("#signin-station").render()):
                    break
            assert "Scanner connected" in str(app.screen.query_one("#signin-station").render())
            os.write(master, b"PS1:garbage\r\n")
            for _ in range(100):
                await pilot.pause(0.05)
                if refusal(app):
                    break
            assert refusal(app) == badges.DAMAGED
            os.write(master, badge(classroom, "l2").encode() + b"\r\n")
            await wait_for_screen(pilot, HomeScreen)
            assert "Bao C." in str(app.screen.query_one("#home-greeting").render())
        assert app._reader is not None and not app._reader.running
    finally:
        os.close(master)
        os.close(slave)
    assert [e.data for e in events_of(classroom, "l2", "sign_in")] == [{"method": "serial"}]


async def test_the_demo_scans_a_learner_picked_from_a_list(classroom: Station) -> None:
    app = kiosk(classroom, demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        assert isinstance(app.screen, DemoBadges)
        await pilot.press("down", "enter")
        await wait_for_screen(pilot, HomeScreen)
        assert "Bao C." in str(app.screen.query_one("#home-greeting").render())
    assert [e.data for e in events_of(classroom, "l2", "sign_in")] == [{"method": "demo"}]


async def test_the_demo_list_is_not_in_the_kiosk(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        assert isinstance(app.screen, SignInScreen)


async def test_a_teacher_badge_asks_for_the_pin(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, badge(classroom, "t1"))
        assert isinstance(app.screen, PinScreen)
        await pilot.press("1", "2", "3", "enter")
        assert isinstance(app.screen, PinScreen)
        assert "not right" in str(app.screen.query_one("#pin-help").render())
        await pilot.press(*PIN, "enter")
        await wait_for_screen(pilot, TeacherScreen)
        assert f"Learners  {len(classroom.state.learners())}" in str(app.screen.query_one("#status-body").render())
        await pilot.press("f10")
        assert isinstance(app.screen, SignInScreen)
    assert [e.type for e in classroom.journal.history("t1")][-2:] == ["sign_in", "sign_out"]


async def test_three_wrong_pins_go_back_to_the_badge(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, badge(classroom, "t1"))
        for _ in range(3):
            await pilot.press("9", "9", "9", "9", "enter")
        assert isinstance(app.screen, SignInScreen)
    assert events_of(classroom, "t1", "sign_in") == []
