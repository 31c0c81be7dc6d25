"""The demo's stand-in for a scanner: pick a learner of the demo class to "scan"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from engine.roster import Member
from kiosk.widgets.footer import KioskFooter


class DemoBadges(ModalScreen[Member | None]):
    """A list of the class's learners; Enter scans the chosen one's badge."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Back")]

    def __init__(self, members: Sequence[Member]) -> None:
        super().__init__()
        self.members = {m.id: m for m in members}

    def compose(self) -> ComposeResult:
        with Vertical(id="demo-card", classes="card"):
            yield Static("Whose badge shall we scan?", classes="card-title")
            yield OptionList(*(Option(f"{m.name}" + (" (teacher)" if m.role == "teacher" else ""),
                                      id=m.id) for m in self.members.values()),
                             id="demo-list")
        yield KioskFooter()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.members.get(event.option.id or ""))

    def action_cancel(self) -> None:
        self.dismiss(None)
