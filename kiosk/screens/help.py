"""'I need help': the teacher is told (an event), and the student learns what to do meanwhile."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from kiosk.widgets.footer import KioskFooter

MEANWHILE = ("Your teacher has been told and will come to you.\n\n"
             "While you wait: read the lesson again, look at the hints, "
             "or choose another step and come back to this one later.")


class HelpOnItsWay(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape", "close", "OK", key_display="Enter"),
        Binding("f10", "app.sign_out", "Sign out"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-card", classes="card"):
            yield Static("Help is on its way", classes="card-title")
            yield Static(MEANWHILE, id="help-text")
        yield KioskFooter()

    def action_close(self) -> None:
        self.dismiss(None)
