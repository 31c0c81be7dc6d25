"""The kiosk app. Until the student screens land it shows the station's status."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from engine.station import Station
from kiosk import systemd_notify


class StatusScreen(Screen[None]):
    """What a teacher or technician needs to see first: is this station alive and whose."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("r", "refresh", "Refresh")]

    def __init__(self, station: Station) -> None:
        super().__init__()
        self.station = station

    def compose(self) -> ComposeResult:
        with Vertical(id="status-card"):
            yield Static("Pathstone", id="title")
            yield Static(id="status-body")
            yield Static(
                "The student screens (badge sign-in, paths, practice) are not built yet.",
                id="status-note",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        station = self.station
        station.state.refresh(station.journal)
        settings = station.state.settings()
        learners = station.state.learners()
        frontier = station.journal.frontier()
        lines = [
            f"School    {station.identity.school_name}",
            f"Class     {settings['class_name'] or '-'}",
            f"Station   {station.identity.device_id}",
            f"Learners  {len(learners)}",
            f"Events    {station.journal.count()}",
            f"Origins   {len(frontier)}",
        ]
        self.query_one("#status-body", Static).update("\n".join(lines))


class PathstoneApp(App[None]):
    CSS_PATH = "pathstone.tcss"
    TITLE = "Pathstone"
    # The palette offers "Quit": a way out of the kiosk for anyone at the keyboard.
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, station: Station, *, demo: bool) -> None:
        super().__init__()
        self.station = station
        self.demo = demo
        if demo:
            self.bind("q", "quit", description="Quit demo")

    def on_mount(self) -> None:
        self.push_screen(StatusScreen(self.station))
        systemd_notify.attach(self)
