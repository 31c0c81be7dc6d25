"""A teacher's badge also asks for their PIN."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from engine import roster
from engine.roster import Member
from kiosk.widgets.footer import KioskFooter

MAX_TRIES = 3


class PinScreen(ModalScreen[Member | None]):
    """Returns the teacher once their PIN is right; three wrong tries and it gives up."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, member: Member) -> None:
        super().__init__()
        self.member = member
        self.tries = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="pin-card", classes="card"):
            yield Static(f"Welcome, {self.member.name}.", classes="card-title")
            yield Static("Type your teacher PIN and press Enter.", id="pin-help")
            yield Input(password=True, max_length=roster.PIN_DIGITS, id="pin")
        yield KioskFooter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.input.value = ""
        if roster.check_pin(self.member, event.value):
            self.dismiss(self.member)
            return
        self.tries += 1
        if self.tries >= MAX_TRIES:
            self.dismiss(None)
        else:
            self.query_one("#pin-help", Static).update("That PIN is not right; try again.")

    def action_cancel(self) -> None:
        self.dismiss(None)
