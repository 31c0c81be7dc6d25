"""A kiosk runs for months beside other processes: what they add is seen, nothing piles up."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from textual.dom import DOMNode

from engine import badges, mastery, roster
from engine.event import Event
from engine.journal import COPIES, START, Position
from engine.station import Station
from kiosk import app as kiosk_app
from kiosk.screens.interview import InterviewScreen
from tests.kiosk.kiosk_rig import kiosk, scan, sign_in, wait_for_screen


async def test_a_learner_imported_while_the_kiosk_runs_signs_in_at_once(
        classroom: Station, tmp_path: Path) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        await pilot.press("f10")
        roster_file = tmp_path / "new.csv"
        roster_file.write_text("name,grade\nDee E.,4\n")
        subprocess.run([sys.executable, "-m", "kiosk", "roster", "import", str(roster_file),
                        "--home", str(classroom.home)], check=True, capture_output=True)
        # Looked up as another process would: the kiosk's own station is left alone.
        with Station.open(classroom.home) as other:
            newcomer = next(m for m in roster.members_of(other).values() if m.name == "Dee E.")
        await scan(pilot, badges.payload(classroom.identity.school_id, newcomer.id,
                                         newcomer.badge_serial, classroom.school_key()))
        # A newcomer's home opens with the first-sign-in interview on top.
        await wait_for_screen(pilot, InterviewScreen)
        assert app.session is not None and app.session.member.id == newcomer.id


async def test_the_home_screen_counts_answers_a_sync_brought_in_during_the_session(
        classroom: Station) -> None:
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        assert app.session is not None
        before = len(app.session.history(classroom))
        # Another station's answer, merged by a sync process while the student works.
        with Station.open(classroom.home) as other:
            other.record("l1", mastery.ANSWER, {"skill": "fractions.halves", "item": "x",
                                                "correct": True, "response": "1",
                                                "hints": 0, "attempt": 1})
        history = app.session.history(classroom)
        assert len(history) == before + 1 and history[-1].type == mastery.ANSWER
        assert [e.id for e in history] == [e.id for e in classroom.journal.history("l1")]


async def test_signing_in_and_out_leaves_no_widgets_behind(classroom: Station) -> None:
    app = kiosk(classroom, demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        counts = []
        for _ in range(6):
            await sign_in(pilot, classroom)
            await pilot.press("1", "2", "f10")  # home, then practice, then out
            await pilot.pause()
            gc.unfreeze()  # the kiosk freezes what start-up made; count that too
            gc.collect()
            counts.append(Counter(type(o).__name__ for o in gc.get_objects()
                                  if isinstance(o, DOMNode)))
        # A widget of the last session may still wait for a timer; none may pile up.
        assert (counts[-1] - counts[1]).total() <= 1, counts[-1] - counts[1]


async def test_a_history_is_copied_after_sign_out_and_the_copy_used_at_the_next(
        classroom: Station, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kiosk_app, "COPY_AFTER", 3)
    reads: list[Position] = []
    real = classroom.journal.history_after

    def history_after(learner: str, after: Position) -> tuple[list[Event], Position]:
        reads.append(after)
        return real(learner, after)

    monkeypatch.setattr(classroom.journal, "history_after", history_after)
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        await pilot.press("f10")
        await pilot.pause()
        assert (classroom.home / "journal" / COPIES / "l1.history").is_file()
        reads.clear()
        await sign_in(pilot, classroom)
        assert app.session is not None
        assert reads and reads[0] != START  # only what came after the copy
        assert app.session.history(classroom) == classroom.journal.history("l1")


async def test_while_nobody_is_signed_in_the_kiosk_copies_histories_one_a_tick(
        classroom: Station, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kiosk_app, "COPY_AFTER", 1)
    copies = classroom.home / "journal" / COPIES
    app = kiosk(classroom)
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, classroom)
        app.tick()  # a student is signed in: nothing is copied
        assert not copies.exists()
        await pilot.press("f10")
        await pilot.pause()
        for _ in range(len(classroom.state.learners())):
            app.tick()
    assert {p.name for p in copies.iterdir()} >= {"l1.history", "l2.history"}
    for learner in ("l1", "l2"):
        events, read_to = classroom.journal.history_copy(learner)
        assert events == classroom.journal.history(learner)
