"""The kiosk app: one station, one student at a time, in kiosk or demo mode.

The app owns the session: who is signed in, the badge check that signs them in, and
the sign-out (by key, or when idle) that drops every screen holding their records.
Screens are thin: they read the session and the engine, and record through the station.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.scrollbar import ScrollBar

from engine.event import Event
from engine.journal import START, Position
from engine.places import Places
from engine.roster import Member
from engine.scanner import Debouncer, Scan, ScannerNotice, SerialReader
from engine.station import Station
from engine.sticks import Stick, find_sticks
from kiosk import systemd_notify
from kiosk.messages import BadgeScanned, ScannerNoticed, SticksChanged
from kiosk.screens.help import HelpOnItsWay
from kiosk.screens.idle import IdleWarning, TurnEnding
from kiosk.screens.pin import PinScreen
from kiosk.screens.signin import SignInScreen
from kiosk.widgets.scrollbar import WholeCellScrollBarRender

if TYPE_CHECKING:
    from engine.learner import Curriculum, LearnerView
    from engine.packs import Catalog
    from kiosk.screens.home import HomeScreen

SIGN_IN = "sign_in"
SIGN_OUT = "sign_out"
# The last seconds of the idle time are a countdown the student can cancel with any key.
COUNTDOWN_SECONDS = 20
# What a sign-in needs beyond the sign-in screen: imported once that screen is drawn, so
# that start-up stays short (the packs, the learner model, QR codes and Markdown weigh
# a few hundred milliseconds on a Pi) and the first badge does not wait for them.
AFTER_START = ("engine.badges", "engine.profile", "engine.learner", "engine.packs",
                "kiosk.screens.home", "kiosk.screens.teacher")
TURN_WARNING_SECONDS = 60
# A learner's history is copied for quick sign-ins once this many events are not in the
# copy: below that, reading them from the journal is quick anyway, and a copy is
# rewritten whole (the station's SD card wears with every write).
COPY_AFTER = 1_000


@dataclass
class Session:
    """Who is signed in, what the installed packs teach them, and their history so far.

    The history is read from the journal once, at sign-in; after that only the events
    that came since are read (what the screens recorded, and what a sync brought in).
    """

    member: Member
    catalog: Catalog
    curriculum: Curriculum
    _history: list[Event] = field(default_factory=list, repr=False)
    _read_to: Position = START

    def history(self, station: Station) -> list[Event]:
        """The learner's whole history: its kept copy, then from the journal what is new."""
        if self._read_to == START:
            self._history, self._read_to = station.journal.history_copy(self.member.id)
        new, self._read_to = station.journal.history_after(self.member.id, self._read_to)
        self._history.extend(new)
        return self._history

    def view(self, station: Station) -> LearnerView:
        """The learner's standing now, from their whole history."""
        from engine.learner import LearnerView, station_now

        return LearnerView.build(self.member.id, tuple(self.history(station)),
                                 self.curriculum, station_now(station))


class PathstoneApp(App[None]):
    CSS_PATH = "pathstone.tcss"
    TITLE = "Pathstone"
    # The palette offers "Quit": a way out of the kiosk for anyone at the keyboard.
    ENABLE_COMMAND_PALETTE = False
    # A screen's keys and these two fit one footer row of 80 columns; a second row would
    # take a line from the screen (tests/kiosk/test_footer.py measures every screen).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f10", "sign_out", "Sign out", priority=True),
        Binding("f1", "help", "I need help"),
    ]

    def __init__(self, station: Station, *, demo: bool, ansi_color: bool = False,
                 wall: Callable[[], datetime] = datetime.now,
                 monotonic: Callable[[], float] = time.monotonic,
                 places: Places | None = None) -> None:
        super().__init__(ansi_color=ansi_color)
        # Textual's documented hook is the class attribute; every scrollbar of the kiosk
        # must render on the console, so it is set for the process.
        ScrollBar.renderer = WholeCellScrollBarRender
        self.station = station
        self.demo = demo
        self.wall = wall
        self.monotonic = monotonic
        self.places = places or Places()  # where sticks appear: the machine's own by default
        self.sticks: tuple[Stick, ...] = ()
        # True while a sync writes to a stick: nobody is signed out until it is done, so
        # that the teacher sees when the stick is safe to remove.
        self.stick_busy = False
        self.session: Session | None = None
        self.person: Member | None = None  # whoever is signed in, learner or teacher
        self._debouncer = Debouncer()
        self._reader: SerialReader | None = None
        self._teaching: tuple[int, Catalog, Curriculum] | None = None
        self._home: HomeScreen | None = None  # made at the first sign-in, then kept
        self._to_copy: list[str] | None = None  # learners whose history copy to check
        self._last_key = self._turn_began = monotonic()
        self._turn_warned = False
        self._lock_keys()

    def _lock_keys(self) -> None:
        """The demo quits on a key shown on screen; the kiosk only by a teacher's action.

        In the terminal's raw mode Ctrl+C, Ctrl+Z and Ctrl+\\ arrive as keys, not
        signals: Textual binds Ctrl+C and Ctrl+Q to the actions below, the others to nothing.
        """
        if self.demo:
            # The demo shows the kiosk as a student sees it: while one is signed in, F12
            # still ends the demo but is not in the footer, which holds the student's own
            # keys (and would not fit 80 columns with it).  Shown wherever nobody is:
            # the first binding is off during a session (check_action), the second runs.
            self.bind("f12", "quit", description="Quit demo")
            self.bind("f12", "quit_demo", description="Quit demo", show=False)

    async def action_quit(self) -> None:
        if self.demo:
            await super().action_quit()

    async def action_quit_demo(self) -> None:
        await self.action_quit()

    def action_help_quit(self) -> None:
        if self.demo:
            super().action_help_quit()

    # -- start and stop ------------------------------------------------------------

    def on_mount(self) -> None:
        settings = self.station.state.settings()
        self.push_screen(SignInScreen(self.station, self.wall, demo=self.demo))
        port = str(settings.get("scanner_port") or "")
        if port:
            self._reader = SerialReader(port, self._from_serial).start()
        self.look_for_sticks()
        self.set_interval(1, self.tick, name="idle sign-out, turn timer, USB sticks")
        self.call_after_refresh(self._import_the_rest)
        systemd_notify.attach(self)

    def _import_the_rest(self) -> None:
        for name in AFTER_START:
            import_module(name)
        # What start-up made lives as long as the kiosk: frozen, the garbage collector
        # stops walking through it again and again during every student's session.
        gc.collect()
        gc.freeze()

    def on_unmount(self) -> None:
        if self._reader is not None:
            self._reader.stop()

    def _from_serial(self, item: Scan | ScannerNotice) -> None:
        # Called from the reader's thread: post_message is the thread-safe way in.
        self.post_message(BadgeScanned(item) if isinstance(item, Scan) else ScannerNoticed(item))

    # -- signing in ------------------------------------------------------------------

    def on_badge_scanned(self, message: BadgeScanned) -> None:
        from engine import badges

        counts, self._debouncer = self._debouncer.feed(message.scan)
        screen = self.screen
        if not counts or not isinstance(screen, SignInScreen):
            return
        # Learners another process added (a roster import, a sync) are known from now on.
        self.station.state.refresh(self.station.journal)
        members = {s.member.id: s.member
                   for s in self.station.state.learners(include_inactive=True)}
        verdict = badges.check(message.scan.text, self.station.identity.school_id,
                               self.station.school_key(), members)
        if not verdict.ok or verdict.member is None:
            screen.refuse(verdict.message)
        elif verdict.member.role == "teacher":
            self.push_screen(PinScreen(verdict.member), self._teacher_checked)
        else:
            self.sign_in(verdict.member, message.scan.source)

    def on_scanner_noticed(self, message: ScannerNoticed) -> None:
        self.log.info(message.notice.message)
        for screen in self.screen_stack:
            if isinstance(screen, SignInScreen):
                screen.scanner_said(message.notice.message)

    def teaching(self) -> tuple[Catalog, Curriculum]:
        """The installed packs, read again only when they changed (an install renames a
        link in the packs folder, which changes its modification time)."""
        from engine.learner import Curriculum
        from engine.packs import catalog
        from engine.packs.store import PACKS

        packs = self.station.home / PACKS
        stamp = packs.stat().st_mtime_ns if packs.is_dir() else 0
        if self._teaching is None or self._teaching[0] != stamp:
            found = catalog(self.station.home)
            self._teaching = (stamp, found, Curriculum.from_catalog(found))
        return self._teaching[1], self._teaching[2]

    def sign_in(self, member: Member, method: str) -> None:
        from kiosk.screens.home import HomeScreen

        self.session = Session(member, *self.teaching())
        self.person = member
        self.station.record(member.id, SIGN_IN, {"method": method})
        self._last_key = self._turn_began = self.monotonic()
        self._turn_warned = False
        if self._home is None:
            self._home = HomeScreen()
            self.install_screen(self._home, name="home")
        self.push_screen(self._home)
        self._home.begin(self.session)

    def _teacher_checked(self, member: Member | None) -> None:
        from kiosk.screens.teacher import TeacherScreen

        if member is not None:
            self.person = member
            self.station.record(member.id, SIGN_IN, {"method": "badge and PIN"})
            self._last_key = self.monotonic()
            self.push_screen(TeacherScreen(self.station))

    # -- signing out --------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self._last_key = self.monotonic()
            if isinstance(self.screen, IdleWarning):
                self.screen.dismiss(None)
        await super().on_event(event)

    def tick(self) -> None:
        self.tick_idle()
        self.tick_turn()
        self.look_for_sticks()
        if self.person is None:
            self.copy_a_history()

    def copy_a_history(self) -> None:
        """While nobody is signed in, bring one learner's history copy up to date (one a
        second: a read of their history, and a write when due; each learner once after
        start-up), so that a learner's first sign-in since the kiosk started, or since
        a sync brought them many events, is as quick as any other."""
        if self._to_copy is None:
            self._to_copy = [s.member.id for s in self.station.state.learners()]
        if self._to_copy:
            self.station.journal.copy_history_if_behind(self._to_copy.pop(), COPY_AFTER)

    # -- USB sticks ----------------------------------------------------------------------

    def look_for_sticks(self) -> tuple[Stick, ...]:
        """The sticks in now, from names and the mount table only: a look that touched a
        stick's files would mount it again, and it would never be safe to remove.  Every
        screen hears of a change."""
        found = find_sticks(self.places.sticks, self.places.mountinfo)
        if found != self.sticks:
            self.sticks = found
            for screen in self.screen_stack:
                screen.post_message(SticksChanged(found))
        return found

    def tick_turn(self) -> None:
        """The optional turn timer: a gentle warning a minute before, then the next student."""
        minutes = int(self.station.state.settings().get("turn_minutes") or 0)
        if minutes <= 0 or self.session is None:
            return
        left = minutes * 60 - (self.monotonic() - self._turn_began)
        if left <= 0:
            self.sign_out("turn")
        elif left <= min(TURN_WARNING_SECONDS, minutes * 30) and not self._turn_warned:
            self._turn_warned = True
            self.push_screen(TurnEnding(left))

    def tick_idle(self) -> None:
        """Sign out an idle student, after a countdown any key cancels."""
        limit = int(self.station.state.settings().get("idle_signout_seconds") or 0)
        if limit <= 0 or not self.signed_in or self.stick_busy:
            return
        idle = self.monotonic() - self._last_key
        left = limit - idle
        if left <= 0:
            self.sign_out("idle")
        elif left <= min(COUNTDOWN_SECONDS, limit / 2):
            if isinstance(self.screen, IdleWarning):
                self.screen.show(left)
            else:
                self.push_screen(IdleWarning(left))

    @property
    def signed_in(self) -> bool:
        return self.person is not None

    def action_sign_out(self) -> None:
        if self.signed_in and not self.stick_busy:
            self.sign_out("student")

    def sign_out(self, reason: str) -> None:
        """Back to the sign-in screen; every screen that showed the student is dropped."""
        if self.person is not None:
            self.station.record(self.person.id, SIGN_OUT, {"reason": reason})
        ended, self.person, self.session = self.session, None, None
        while not isinstance(self.screen, SignInScreen):
            self.pop_screen()
        if self._home is not None and self._home.is_mounted:
            self._home.end()
        self.screen.reset()
        self.call_after_refresh(self._tidy_up, ended)

    def _tidy_up(self, ended: Session | None) -> None:
        """The session's leftovers, dealt with while the sign-in screen waits for a badge
        rather than in the middle of the next student's sign-in: its events are folded
        into the state, the student's history is copied if due, and the screens it
        showed are freed (Textual's widgets refer to each other in cycles, which only a
        full garbage collection frees)."""
        self.station.state.refresh(self.station.journal)
        if ended is not None:
            self.station.journal.copy_history_if_behind(ended.member.id, COPY_AFTER)
        gc.collect()

    def action_help(self) -> None:
        """Raise a flag for the teacher, naming what the student is working on, if anything."""
        from engine import profile

        if self.session is None:
            return
        screen = self.screen
        skill = getattr(screen, "skill", None)
        item = getattr(screen, "item", None)
        item_id = item.get("id") if isinstance(item, Mapping) else None
        self.station.record(self.session.member.id, profile.HELP_REQUESTED,
                            profile.help_data(skill, item_id, ""))
        self.push_screen(HelpOnItsWay())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sign_out":
            return self.signed_in and not self.stick_busy
        if action == "help":
            return self.session is not None
        if action == "quit":
            return self.session is None
        return True
