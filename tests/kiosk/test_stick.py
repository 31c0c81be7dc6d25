"""A USB stick at the kiosk: noticed from the mount table, summarised for a teacher,
synced in a thread, and "safe to remove" only once the table shows it unmounted.

The sticks folder is under a temporary root, and the kernel's mount table is a file the
test rewrites as systemd would change it: an `autofs` entry while the stick is in, its
filesystem stacked on top while it is mounted.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from engine import keys, packs
from engine.places import Places
from engine.station import Station
from engine.sticks import TAKEN_OUT, Contents, PackOnStick
from engine.sync import bundle
from engine.sync import usb as usb_sync
from kiosk.app import PathstoneApp
from kiosk.screens.home import HomeScreen
from kiosk.screens.signin import STICK_IN, SignInScreen
from kiosk.screens.stick import (
    FINISHING,
    LINE,
    MAX_LINES,
    PULLED,
    READY,
    SAFE,
    WRITING,
    StickScreen,
    summary_lines,
)
from kiosk.screens.teacher import TeacherScreen
from tests.engine.stick_rig import leave_bundle, pack_file, stick_at, write_mountinfo
from tests.engine.sync.conftest import record_some, sibling_of
from tests.kiosk.kiosk_rig import (
    NINE_THIRTY,
    PIN,
    FakeMonotonic,
    badge,
    kiosk,
    scan,
    sign_in,
    wait_for_screen,
)
from tests.kiosk.test_app import SIZES, glyphs_the_console_lacks

SIBLING = "st5555555555"


def text_of(pilot: Pilot[Any], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


def fill_stick(station: Station, places: Places, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               siblings: int = 1) -> Path:
    """A stick with a pack the classroom trusts (the demo key signs it) and the bundles
    of other stations of the school, three records each."""
    stick = stick_at(places)
    demo_key = keys.load_private(Path(str(resources.files("content_packs"))) / "demo-key" / "demo.key")
    pack_file(stick / "packs", demo_key, "alpha.pspack")
    for n in range(siblings):
        with monkeypatch.context() as patch:  # a fixed id, so that pictures compare
            patch.setattr("engine.station.secrets.token_hex", lambda k, n=n: str(5 + n) * (2 * k))
            other = sibling_of(station.home, tmp_path / f"sibling{n}")
        record_some(other, 3, "l1")
        leave_bundle(other, stick)
    return stick


async def to_stick_screen(pilot: Pilot[Any], station: Station) -> None:
    await scan(pilot, badge(station, "t1"))
    await pilot.press(*PIN, "enter")
    await wait_for_screen(pilot, TeacherScreen)
    await pilot.press("f7")
    await wait_for_screen(pilot, StickScreen)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_the_summary_is_one_line_a_thing_and_at_most_a_screenful() -> None:
    unreadable = tuple(PackOnStick(f"p{n}\x1b[2J.pspack", "unreadable", detail="Cut short. " * 9)
                       for n in range(20))
    lines = summary_lines(Contents(packs=unreadable, other_schools=1, problem=TAKEN_OUT,
                                   enrolment="An enrolment file for this school is on the stick."))
    assert len(lines) == MAX_LINES + 1 and all(len(line) <= LINE for line in lines)
    assert lines[0].startswith("refuse   p0?[2J.pspack: Cut short.") and lines[0].endswith("...")
    assert lines[-2:] == ["... and 12 more", TAKEN_OUT]
    assert summary_lines(Contents(own_bundles=1)) == [
        "records  none from other stations of this school",
        "ours     the bundle this station left at an earlier sync"]


async def test_the_sign_in_screen_says_a_stick_is_in_and_nothing_more(
        classroom: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    places = Places(tmp_path / "root")
    app = kiosk(classroom, places=places)
    async with app.run_test(size=(80, 24)) as pilot:
        line = app.screen.query_one("#signin-stick")
        assert not line.display
        fill_stick(classroom, places, tmp_path, monkeypatch)
        write_mountinfo(places, [("sda1", "autofs")])
        app.look_for_sticks()
        await pilot.pause()
        assert line.display and text_of(pilot, "#signin-stick") == STICK_IN
        await sign_in(pilot, classroom)  # a student: no word of the stick, no key for it
        assert isinstance(app.screen, HomeScreen)
        assert not [b for b in app.screen.active_bindings.values() if b.binding.action == "stick"]
        await pilot.press("f10")
        await wait_for_screen(pilot, SignInScreen)
        write_mountinfo(places, [])  # pulled: the units stop, an empty mount point stays
        shutil.rmtree(places.sticks / "sda1")
        (places.sticks / "sda1").mkdir()
        app.look_for_sticks()
        await pilot.pause()
        assert not app.screen.query_one("#signin-stick").display


async def test_a_teacher_sees_the_summary_syncs_and_waits_for_the_unmount(
        classroom: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    places = Places(tmp_path / "root")
    fill_stick(classroom, places, tmp_path, monkeypatch)
    write_mountinfo(places, [("sda1", "autofs")])
    app = kiosk(classroom, places=places)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, badge(classroom, "t1"))
        await pilot.press(*PIN, "enter")
        await wait_for_screen(pilot, TeacherScreen)
        assert "F7 shows what is on it" in text_of(pilot, "#teacher-stick")
        await pilot.press("f7")
        await wait_for_screen(pilot, StickScreen)
        await app.workers.wait_for_complete()
        await pilot.pause()
        summary = text_of(pilot, "#stick-body")
        assert "install  org.test.alpha 1.0.0 (new on this station)" in summary
        assert f"records  3 new of 3 from station {SIBLING} (1 bundle)" in summary
        assert text_of(pilot, "#stick-state") == READY
        # Reading the stick mounted it; the sync keeps it mounted while it writes.
        write_mountinfo(places, [("sda1", "autofs"), ("sda1", "vfat")])
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert text_of(pilot, "#stick-state") == FINISHING
        result = text_of(pilot, "#stick-body")
        assert "Took in 3 new records from 1 station." in result
        assert "Installed the pack org.test.alpha 1.0.0." in result
        app.look_for_sticks()  # a second later: still mounted
        assert text_of(pilot, "#stick-state") == FINISHING
        write_mountinfo(places, [("sda1", "autofs")])  # systemd unmounted it when idle
        app.look_for_sticks()
        await pilot.pause()
        assert text_of(pilot, "#stick-state") == SAFE
        await pilot.press("escape")
        await wait_for_screen(pilot, TeacherScreen)
    assert len([e for e in classroom.journal.history("l1") if e.type == "activity_answered"]) == 3
    assert "org.test.alpha" in [p.id for p in packs.catalog(classroom.home).packs]


async def test_while_it_writes_nobody_leaves_and_a_plain_folder_is_safe_at_once(
        classroom: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    places = Places(tmp_path / "root")
    fill_stick(classroom, places, tmp_path, monkeypatch)  # no mount entry: a plain folder
    monotonic = FakeMonotonic()
    app = kiosk(classroom, places=places, monotonic=monotonic)
    go_on = threading.Event()
    real_sync = usb_sync.sync_usb

    def slow_sync(*args: Any) -> usb_sync.UsbReport:
        go_on.wait(10)
        return real_sync(*args)

    async with app.run_test(size=(80, 24)) as pilot:
        await to_stick_screen(pilot, classroom)
        monkeypatch.setattr(usb_sync, "sync_usb", slow_sync)
        await pilot.press("f5")
        await pilot.pause()
        assert text_of(pilot, "#stick-state") == WRITING
        await pilot.press("escape", "f10")
        monotonic.now += 10_000
        app.tick_idle()
        await pilot.pause()
        assert isinstance(app.screen, StickScreen) and app.signed_in
        # The teacher is back at the keyboard, or the idle sign-out would follow the sync.
        await pilot.press("down")
        go_on.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert text_of(pilot, "#stick-state") == SAFE
        await pilot.press("f10")
        await wait_for_screen(pilot, SignInScreen)


async def test_a_stick_pulled_mid_sync_keeps_what_came_in_and_says_so(
        classroom: Station, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    places = Places(tmp_path / "root")
    stick = fill_stick(classroom, places, tmp_path, monkeypatch, siblings=2)
    write_mountinfo(places, [("sda1", "autofs"), ("sda1", "vfat")])
    real_read = bundle.read_bundle_file
    reads: list[Path] = []

    def read_then_pull(path: Path) -> bytes:
        reads.append(path)
        if len(reads) == 2:  # the stick goes as the second bundle is read
            shutil.rmtree(stick)
            write_mountinfo(places, [])
            raise OSError(5, "Input/output error")
        return real_read(path)

    app = kiosk(classroom, places=places)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_stick_screen(pilot, classroom)
        monkeypatch.setattr(bundle, "read_bundle_file", read_then_pull)
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert text_of(pilot, "#stick-state") == PULLED
        assert "The 3 new records taken in before that are kept." in text_of(pilot, "#stick-body")
        app.look_for_sticks()
        await pilot.press("f5")  # no stick: nothing happens
        assert len(reads) == 2
        await pilot.press("escape")
        await wait_for_screen(pilot, TeacherScreen)
    assert len([e for e in classroom.journal.history("l1") if e.type == "activity_answered"]) == 3


def test_run_and_demo_take_the_sticks_folder(classroom: Station, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.cli import main
    from kiosk.screens.not_set_up import FirstBootApp

    seen: list[Path] = []
    monkeypatch.setattr(PathstoneApp, "run", lambda app: seen.append(app.places.sticks))
    monkeypatch.setattr(FirstBootApp, "run",
                        lambda app: seen.append(app._first_screen.places.sticks))
    folder = tmp_path / "my-sticks"
    main(["run", "--home", str(classroom.home), "--sticks", str(folder)])
    main(["demo", "--home", str(classroom.home), "--sticks", str(folder)])
    main(["run", "--home", str(tmp_path / "new"), "--sticks", str(folder)])
    main(["run", "--home", str(classroom.home)])
    assert seen == [folder, folder, folder, Path("/run/media/pathstone")]


# -- pictures -------------------------------------------------------------------------------


Steps = Callable[[Pilot[Any]], Awaitable[None]]


def steps(station: Station, places: Places, name: str) -> Steps:
    async def go(pilot: Pilot[Any]) -> None:
        pilot.app.look_for_sticks()  # type: ignore[attr-defined]
        if name == "sign-in-stick":
            await pilot.pause()
            return
        await to_stick_screen(pilot, station)
        if name == "stick-synced":
            write_mountinfo(places, [("sda1", "autofs"), ("sda1", "vfat")])
            await pilot.press("f5")
            await pilot.app.workers.wait_for_complete()
            write_mountinfo(places, [("sda1", "autofs")])
            pilot.app.look_for_sticks()  # type: ignore[attr-defined]
        await pilot.pause()
    return go


STICK_SCREENS = ["sign-in-stick", "stick-summary", "stick-synced"]


@pytest.mark.parametrize("name", STICK_SCREENS)
@pytest.mark.parametrize(("size", "ansi"), SIZES)
def test_stick_snapshot(snap_compare: Any, classroom: Station, tmp_path: Path,
                        monkeypatch: pytest.MonkeyPatch, name: str, size: tuple[int, int],
                        ansi: bool) -> None:
    places = Places(tmp_path / "root")
    fill_stick(classroom, places, tmp_path, monkeypatch)
    write_mountinfo(places, [("sda1", "autofs")])
    app = PathstoneApp(classroom, demo=False, ansi_color=ansi, wall=lambda: NINE_THIRTY,
                       monotonic=FakeMonotonic(), places=places)
    assert snap_compare(app, terminal_size=size, run_before=steps(classroom, places, name))


def test_the_stick_pictures_draw_only_glyphs_the_console_font_has() -> None:
    pictures = sorted((Path(__file__).parent / "__snapshots__" / "test_stick").glob("*.svg"))
    assert len(pictures) == 2 * len(STICK_SCREENS)
    for picture in pictures:
        assert not glyphs_the_console_lacks(picture), picture.name
