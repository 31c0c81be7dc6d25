"""Sharing one station: sign-out by key and when idle, the kiosk lock, and privacy."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from engine.station import Station
from kiosk.app import SIGN_OUT
from kiosk.screens.home import HomeScreen
from kiosk.screens.idle import IdleWarning, TurnEnding
from kiosk.screens.signin import SignInScreen
from kiosk.widgets.footer import KioskFooter
from tests.kiosk.kiosk_rig import (
    LEARNERS,
    FakeMonotonic,
    answer,
    events_of,
    kiosk,
    right_answer,
    sign_in,
)


async def test_sign_out_is_one_key_from_any_screen(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        for keys in ((), ("1",), ("1", "1"), ("1", "2")):
            await sign_in(pilot, classroom)
            await pilot.press(*keys)
            assert "Sign out" in footer_text(pilot)
            await pilot.press("f10")
            assert isinstance(app.screen, SignInScreen) and app.session is None
            assert len(app.screen_stack) == 2  # Textual's default screen, then sign-in
    assert [e.data for e in events_of(classroom, "l1", SIGN_OUT)] == [{"reason": "student"}] * 4


def footer_text(pilot: Pilot[Any]) -> str:
    footer = pilot.app.screen.query_one(KioskFooter)
    return " ".join(f"{key} {description}" for key, description, _ in footer.keys())


async def test_idle_sign_out_counts_down_and_any_key_cancels(classroom: Station) -> None:
    classroom.change_setting("idle_signout_seconds", "60")
    clock = FakeMonotonic()
    app = kiosk(classroom, monotonic=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        clock.now += 30
        app.tick_idle()
        assert isinstance(app.screen, HomeScreen)
        clock.now += 15
        app.tick_idle()
        await pilot.pause()
        assert isinstance(app.screen, IdleWarning)
        assert "15 seconds" in str(app.screen.query_one("#idle-count").render())
        await pilot.press("down")
        assert isinstance(app.screen, HomeScreen)
        clock.now += 59
        app.tick_idle()
        await pilot.pause()
        assert isinstance(app.screen, IdleWarning)
        clock.now += 1
        app.tick_idle()
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
    assert [e.data for e in events_of(classroom, "l1", SIGN_OUT)] == [{"reason": "idle"}]


async def test_no_idle_sign_out_when_it_is_turned_off_or_nobody_is_signed_in(
        classroom: Station) -> None:
    clock = FakeMonotonic()
    app = kiosk(classroom, monotonic=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        clock.now += 10_000
        app.tick_idle()
        assert isinstance(app.screen, SignInScreen)
        classroom.change_setting("idle_signout_seconds", "0")
        await sign_in(pilot, classroom)
        clock.now += 10_000
        app.tick_idle()
        assert isinstance(app.screen, HomeScreen)


async def test_the_kiosk_cannot_be_left_with_quit_keys(classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        for keys in ((), ("1",)):
            if keys:
                await sign_in(pilot, classroom)
            await pilot.press(*keys, "ctrl+c", "ctrl+q", "ctrl+z", "ctrl+backslash", "ctrl+p")
            assert app.is_running and app.return_code is None
            await pilot.press("escape", "f10")
        assert "quit" not in footer_text(pilot).lower()


async def test_the_demo_quits_with_the_key_it_shows(classroom: Station) -> None:
    app = kiosk(classroom, demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "Quit demo" in footer_text(pilot)
        await pilot.press("f12")
    assert app.return_code == 0


async def test_over_a_students_screens_the_demo_quits_unshown(classroom: Station) -> None:
    """The footer holds the student's keys, as on the kiosk; F12 still ends the demo."""
    app = kiosk(classroom, demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        assert "Quit demo" not in footer_text(pilot)
        await pilot.press("f12")
    assert app.return_code == 0


async def test_after_sign_out_nothing_of_the_last_student_is_on_any_screen(
        classroom: Station) -> None:
    """Sign in A, work, sign out, sign in B: no screen B can reach shows A's name or records."""
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom, "l1")
        await pilot.press("1", "2")
        item = app.screen.item  # type: ignore[attr-defined]
        await answer(pilot, right_answer(item))
        await pilot.press("f10")
        assert LEARNERS[0] not in visible_text(pilot)
        # The home screen is kept for the next student, empty.
        home = app.get_screen("home")
        assert isinstance(home, HomeScreen) and not (home.options or home.about)
        assert not any(LEARNERS[0] in str(w.render()) for w in home.query("Static"))
        await sign_in(pilot, classroom, "l2")
        seen = [visible_text(pilot)]
        for keys in (("1",), ("1",), ("escape", "1", "2"), ("escape",)):
            await pilot.press(*keys)
            seen.append(visible_text(pilot))
        assert all(LEARNERS[1] in text or "Practise" in text for text in seen)
        assert not any(LEARNERS[0] in text for text in seen)
        assert not any(str(item["prompt"]).splitlines()[0] in text and "Right!" in text
                       for text in seen)
        assert all(not isinstance(s, HomeScreen) or s.session.member.id == "l2"
                   for s in app.screen_stack)


def visible_text(pilot: Pilot[Any]) -> str:
    """Every character the terminal shows now, plus the text of every screen on the stack."""
    shown = "\n".join(strip.text for strip in pilot.app.screen._compositor.render_strips())  # noqa: SLF001
    return shown + "\n" + "\n".join(
        str(w.render()) for s in pilot.app.screen_stack for w in s.query("Static"))


async def test_visible_text_sees_a_name_on_screen(classroom: Station) -> None:
    """The privacy test's eyes work: a signed-in name is found."""
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom, "l1")
        strips = "\n".join(s.text for s in app.screen._compositor.render_strips())  # noqa: SLF001
        assert f"Hello, {LEARNERS[0]}!" in strips


async def test_the_turn_timer_warns_gently_then_signs_out(classroom: Station) -> None:
    classroom.change_setting("turn_minutes", "15")
    classroom.change_setting("idle_signout_seconds", "0")
    clock = FakeMonotonic()
    app = kiosk(classroom, monotonic=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        clock.now += 13 * 60
        app.tick()
        assert isinstance(app.screen, HomeScreen)
        clock.now += 60 + 30
        app.tick()
        await pilot.pause()
        assert isinstance(app.screen, TurnEnding)
        await pilot.press("enter")
        app.tick()
        assert isinstance(app.screen, HomeScreen), "the warning comes once"
        clock.now += 30
        app.tick()
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
    assert [e.data for e in events_of(classroom, "l1", SIGN_OUT)] == [{"reason": "turn"}]
