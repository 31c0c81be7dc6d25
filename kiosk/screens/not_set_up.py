"""First boot on screen: "this station is not set up yet", until an enrolment file comes.

It runs as its own small app before the kiosk, because the kiosk needs a station to
exist; `pathstone run` starts the kiosk once this one returns.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from engine.firstboot import Outcome, try_enrol
from engine.places import FILE_NAME, Places
from kiosk import systemd_notify

# How often the places are looked at again: soon enough after a stick is plugged in.
POLL_SECONDS = 3.0
# Long enough to read that the stick's copy must be deleted; Enter goes on at once.
SHOW_DONE_SECONDS = 20.0


class NotSetUpScreen(Screen[None]):
    """What to do, checked again every few seconds; ends itself once the station exists."""

    DEFAULT_CSS = "#setup-news { color: $warning; }"
    BINDINGS: ClassVar[list[BindingType]] = [("enter", "go_on", "Continue")]

    def __init__(self, home: Path, places: Places, *, poll_seconds: float,
                 done_seconds: float) -> None:
        super().__init__()
        self.home = home
        self.places = places
        self.poll_seconds = poll_seconds
        self.done_seconds = done_seconds
        self.enrolled = False

    def compose(self) -> ComposeResult:
        with Vertical(id="setup-card", classes="card"):
            yield Static("This station is not set up yet", classes="card-title")
            yield Static(self._what_to_do(), id="setup-steps")
            yield Static("", id="setup-news")

    def _what_to_do(self) -> str:
        return (f"Ask the district for this station's enrolment file, {FILE_NAME}. "
                "Then either:\n\n"
                "1. put it at the top of a USB stick and plug the stick in, or\n"
                f"2. copy it to {self.places.shown(self.places.boot)} on the SD card "
                "and start the station again.\n\n"
                f"This screen looks for the file every {self.poll_seconds:g} seconds.")

    def on_mount(self) -> None:
        # Wider than the stylesheet's cards, so that each step fits on a line at 80 columns.
        self.query_one("#setup-card").styles.width = 74
        self.look()
        self.set_interval(self.poll_seconds, self.look, name="look for an enrolment file")

    def look(self) -> None:
        if self.enrolled:
            return
        outcome = try_enrol(self.home, self.places)
        if outcome is not None:
            self.show(outcome)

    def show(self, outcome: Outcome) -> None:
        news = self.query_one("#setup-news", Static)
        if not outcome.enrolled:
            news.update(outcome.message)
            return
        self.enrolled = True
        self.query_one(".card-title", Static).update("This station is set up")
        news.update(f"{outcome.message}\n\nPress Enter to go on to the sign-in screen.")
        self.set_timer(self.done_seconds, self.action_go_on, name="go on to sign-in")

    def action_go_on(self) -> None:
        if self.enrolled:
            self.app.exit(True)


class FirstBootApp(App[bool]):
    """Returns True once the station at `home` exists; quits only when not `locked`."""

    CSS_PATH = "../pathstone.tcss"
    TITLE = "Pathstone"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, home: Path, places: Places = Places(), *, locked: bool,
                 ansi_color: bool = False, poll_seconds: float = POLL_SECONDS,
                 done_seconds: float = SHOW_DONE_SECONDS) -> None:
        super().__init__(ansi_color=ansi_color)
        self.locked = locked
        self._first_screen = NotSetUpScreen(home, places, poll_seconds=poll_seconds,
                                      done_seconds=done_seconds)
        if not locked:
            self.bind("f12", "quit", description="Quit")

    def on_mount(self) -> None:
        self.push_screen(self._first_screen)
        systemd_notify.attach(self)

    # The same lock as the kiosk's: Ctrl+C and Ctrl+Q arrive as keys bound to these.
    async def action_quit(self) -> None:
        if not self.locked:
            await super().action_quit()

    def action_help_quit(self) -> None:
        if not self.locked:
            super().action_help_quit()
