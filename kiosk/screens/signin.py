"""The sign-in screen: the idle state of the station, waiting for a badge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from engine.roster import Member
from engine.scanner import Scan
from engine.station import Station
from engine.sticks import Stick
from kiosk.messages import BadgeScanned, SticksChanged
from kiosk.screens.demo_badges import DemoBadges
from kiosk.widgets.clock import WallClock
from kiosk.widgets.footer import KioskFooter
from kiosk.widgets.scan_input import ScanInput

if TYPE_CHECKING:
    from kiosk.app import PathstoneApp

REFUSAL_SECONDS = 6
TYPED = "Please scan your badge: typing it does not work."
# All a student learns of a stick: that one is in, and who can sync it.
STICK_IN = "A USB stick is in. To sync it, scan a teacher badge."


class SignInScreen(Screen[None]):
    """Big and friendly: scan your badge.  A refused badge says why for a few seconds."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("f2", "demo_badges", "Scan a demo badge")]

    def __init__(self, station: Station, wall: Callable[[], datetime], *, demo: bool) -> None:
        super().__init__()
        self.station = station
        self.wall = wall
        self.demo = demo
        self._refusal_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        settings = self.station.state.settings()
        with Vertical(id="signin-card"):
            yield Static("Scan your badge", id="signin-title")
            yield Static("Hold your badge in front of the scanner.", id="signin-help")
            yield Static("", id="signin-refusal")
            yield ScanInput(id="scan")
            yield Static(f"Station {self.station.identity.device_id}", id="signin-station")
            yield Static(STICK_IN, id="signin-stick")
        with Horizontal(id="signin-corner"):
            place = " - ".join(p for p in (settings.get("class_name"),
                                            self.station.identity.school_name) if p)
            yield Static(place, id="signin-place")
            yield WallClock(self.wall, id="signin-clock")
        yield KioskFooter()

    def on_mount(self) -> None:
        self.query_one(ScanInput).focus()
        self.show_sticks(self.kiosk.sticks)

    @property
    def kiosk(self) -> PathstoneApp:
        return self.app  # type: ignore[return-value]

    def on_sticks_changed(self, message: SticksChanged) -> None:
        self.show_sticks(message.sticks)

    def show_sticks(self, sticks: tuple[Stick, ...]) -> None:
        for line in self.query("#signin-stick"):
            line.display = bool(sticks)

    def on_scan_input_typed(self, _: ScanInput.Typed) -> None:
        self.refuse(TYPED)

    def refuse(self, message: str) -> None:
        """Show why a badge was refused, then go back to waiting."""
        self.query_one("#signin-refusal", Static).update(message)
        self.add_class("-refused")
        if self._refusal_timer is not None:
            self._refusal_timer.stop()
        self._refusal_timer = self.set_timer(REFUSAL_SECONDS, self.reset)

    def reset(self) -> None:
        """Ready for the next student: no message, the scanner field focused."""
        self.query_one("#signin-refusal", Static).update("")
        self.remove_class("-refused")
        self.query_one(ScanInput).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.demo if action == "demo_badges" else True

    def scanner_said(self, message: str) -> None:
        """A word for whoever sets the scanner up, under the station's name."""
        self.query_one("#signin-station", Static).update(
            f"Station {self.station.identity.device_id}. {message}")

    def action_demo_badges(self) -> None:
        members = [s.member for s in self.station.state.learners()]
        self.app.push_screen(DemoBadges(members), self._demo_scan)

    def _demo_scan(self, member: Member | None) -> None:
        """The demo "scans" the chosen learner's real badge, through the same check."""
        from engine import badges

        if member is None:
            return
        text = badges.payload(self.station.identity.school_id, member.id, member.badge_serial,
                              self.station.school_key())
        self.post_message(BadgeScanned(Scan(text, "demo", self.kiosk.monotonic())))
