"""A skill mastered: a moment to be proud of before going back to the options."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from kiosk.widgets.footer import KioskFooter

_STARS = "*  *  *  *  *"


class Celebration(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "done", "Choose what's next", key_display="Enter"),
        # A modal screen hides the app's bindings: sign-out must still be one key.
        Binding("f10", "app.sign_out", "Sign out"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.skill_title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="celebrate-card", classes="card"):
            yield Static(_STARS, classes="stars")
            yield Static("You did it!", classes="card-title")
            yield Static(f"You have mastered {self.skill_title}.", id="celebrate-text")
            yield Static(_STARS, classes="stars")
        yield KioskFooter()

    def action_done(self) -> None:
        self.dismiss(None)
