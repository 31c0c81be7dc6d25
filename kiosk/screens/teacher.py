"""The teacher's screen (for now): whose station this is and whether it is alive."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from engine.doctor import Finding, Probe, Verdict, examine
from engine.station import Station
from engine.sticks import Stick
from kiosk.messages import SticksChanged
from kiosk.screens.stick import StickScreen
from kiosk.widgets.footer import KioskFooter

if TYPE_CHECKING:
    from kiosk.app import PathstoneApp

# What fits on one line of the status card (64 wide, less its border and padding).
LINE = 58
_MARK = {Verdict.ATTENTION: "!!", Verdict.UNKNOWN: "--", Verdict.OK: "ok"}
ASK = "F6 checks this station: disk, clock, scanner, packs, sync."
STICK_IN = "A USB stick is in: F7 shows what is on it and syncs it."


def doctor_lines(findings: list[Finding]) -> list[str]:
    """`pathstone doctor` in short: one line a finding, what needs attention first."""
    first = sorted(findings, key=lambda f: f.verdict is not Verdict.ATTENTION)
    return [_fit(f"{_MARK[f.verdict]} {f.check}: {f.detail}") for f in first]


def _fit(line: str) -> str:
    # "..." rather than an ellipsis: the Linux console font has no glyph for it.
    return line if len(line) <= LINE else line[:LINE - 3] + "..."


class TeacherScreen(Screen[None]):
    """The station's status; a teacher can close the kiosk from here (and only here)."""

    DEFAULT_CSS = "#doctor-body { margin-bottom: 1; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "refresh", "Refresh"),
        Binding("f6", "check", "Check station"),
        Binding("f7", "stick", "USB stick"),
        Binding("f9", "close_kiosk", "Close kiosk"),
    ]

    def __init__(self, station: Station, probe: Probe = Probe()) -> None:
        super().__init__()
        self.station = station
        self.probe = probe

    def compose(self) -> ComposeResult:
        with Vertical(id="status-card", classes="card"):
            yield Static("Pathstone: station status", classes="card-title")
            yield Static(id="status-body")
            yield Static(ASK, id="doctor-body")
            yield Static("The class view and the roster screens are not built yet.",
                         id="status-note")
            yield Static(STICK_IN, id="teacher-stick")
        yield KioskFooter()

    def on_mount(self) -> None:
        self.action_refresh()
        self.show_sticks(self.kiosk.sticks)

    @property
    def kiosk(self) -> PathstoneApp:
        return self.app  # type: ignore[return-value]

    def on_sticks_changed(self, message: SticksChanged) -> None:
        self.show_sticks(message.sticks)

    def show_sticks(self, sticks: tuple[Stick, ...]) -> None:
        """F7 is there while a stick is in."""
        for line in self.query("#teacher-stick"):
            line.display = bool(sticks)
        self.refresh_bindings()

    def action_stick(self) -> None:
        sticks = self.kiosk.sticks
        if sticks:
            self.app.push_screen(StickScreen(self.station, sticks[0]), self._back_from_stick)

    def _back_from_stick(self, _: None) -> None:
        # A sync may have brought records and packs.
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

    def action_check(self) -> None:
        """The checks read the whole journal and ask systemd: a thread keeps keys answered.

        It opens the station on its own, as `pathstone doctor` does beside a running kiosk.
        """
        self.query_one("#doctor-body", Static).update("Checking the station ...")
        home, probe = self.station.home, self.probe
        self.run_worker(lambda: examine(home, probe), name="doctor", thread=True,
                        exclusive=True)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        body = self.query_one("#doctor-body", Static)
        if event.state is WorkerState.SUCCESS and isinstance(event.worker.result, list):
            body.update("\n".join(doctor_lines(event.worker.result)))
            # Room for every finding on the 24 lines of the console.
            self.query_one("#status-note").display = False
        elif event.state is WorkerState.ERROR:
            body.update(_fit(f"!! the checks failed: {event.worker.error}"))

    def action_close_kiosk(self) -> None:
        self.app.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stick":
            return bool(self.kiosk.sticks)
        return True
