"""Sharing the station: the idle countdown, and the gentle end of a turn."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from kiosk.widgets.footer import KioskFooter


class IdleWarning(ModalScreen[None]):
    """Counts down; the app dismisses it on any key and signs out when it reaches zero."""

    def __init__(self, seconds_left: float) -> None:
        super().__init__()
        self.seconds_left = seconds_left

    def compose(self) -> ComposeResult:
        with Vertical(id="idle-card", classes="card"):
            yield Static("Are you still there?", classes="card-title")
            yield Static(id="idle-count")
            yield Static("Press any key to keep working.")

    def on_mount(self) -> None:
        self.show(self.seconds_left)

    def show(self, seconds_left: float) -> None:
        self.query_one("#idle-count", Static).update(
            f"Signing out in {max(0, round(seconds_left))} seconds.")


class TurnEnding(ModalScreen[None]):
    """A minute's warning before the turn timer signs the student out."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape", "close", "OK", key_display="Enter"),
        Binding("f10", "app.sign_out", "Sign out"),
    ]

    def __init__(self, seconds_left: float) -> None:
        super().__init__()
        self.seconds_left = seconds_left

    def compose(self) -> ComposeResult:
        minutes = max(1, round(self.seconds_left / 60))
        with Vertical(id="turn-card", classes="card"):
            yield Static("Your turn is nearly over", classes="card-title")
            yield Static(f"In about {minutes} minute{'s' if minutes != 1 else ''} it is the "
                         "next student's turn. Finish what you are doing; everything you "
                         "did is saved.", id="turn-text")
        yield KioskFooter()

    def action_close(self) -> None:
        self.dismiss(None)
