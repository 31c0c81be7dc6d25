"""The teacher's screen (for now): whose station this is and whether it is alive."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from engine.station import Station


class TeacherScreen(Screen[None]):
    """The station's status; a teacher can close the kiosk from here (and only here)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "refresh", "Refresh"),
        Binding("f9", "close_kiosk", "Close the kiosk"),
    ]

    def __init__(self, station: Station) -> None:
        super().__init__()
        self.station = station

    def compose(self) -> ComposeResult:
        with Vertical(id="status-card", classes="card"):
            yield Static("Pathstone: station status", classes="card-title")
            yield Static(id="status-body")
            yield Static("The class view and the roster screens are not built yet.",
                         id="status-note")
        yield Footer()

    def on_mount(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        station = self.station
        station.state.refresh(station.journal)
        settings = station.state.settings()
        learners = station.state.learners()
        lines = [
            f"School    {station.identity.school_name}",
            f"Class     {settings['class_name'] or '-'}",
            f"Station   {station.identity.device_id}",
            f"Learners  {len(learners)}",
            f"Events    {station.journal.count()}",
            f"Origins   {len(station.journal.frontier())}",
        ]
        self.query_one("#status-body", Static).update("\n".join(lines))

    def action_close_kiosk(self) -> None:
        self.app.exit()
