"""The first-sign-in interview: what a student likes, wants, and how they like to work.

Every answer is a `profile_changed` event, recorded as soon as it is given, so an
interview cut short keeps what was said.  Esc skips the rest; the home screen opens the
interview again at any time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from engine import profile
from kiosk.widgets.answers import Answered, ChoiceAnswer, TypedAnswer
from kiosk.widgets.footer import KioskFooter

if TYPE_CHECKING:
    from kiosk.app import PathstoneApp

WAYS = ("read", "practise", "make something", "work with others")
_TICK = "Tick what fits with Space (or a number), then press Enter."


class InterviewScreen(Screen[None]):
    """Four short questions, one at a time."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "skip", "Skip for now")]

    def __init__(self, learner: str, tags: Sequence[str]) -> None:
        super().__init__()
        self.learner = learner
        self.tags = sorted(set(tags))
        self.step = 0
        self.picked: list[str] = []

    @property
    def kiosk(self) -> PathstoneApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static("About you", id="interview-title")
        with Vertical(id="interview-body", classes="panel"):
            yield Static(id="interview-question")
            yield Vertical(id="interview-box")
        yield KioskFooter()

    async def on_mount(self) -> None:
        await self.ask()

    async def ask(self) -> None:
        question, widget = self.question()
        self.query_one("#interview-question", Static).update(question)
        box = self.query_one("#interview-box", Vertical)
        await box.remove_children()
        await box.mount(widget)
        widget.focus()

    def question(self) -> tuple[str, Widget]:
        if self.step == 0:
            return ("What do you like? Your steps and questions will match it.",
                    ChoiceAnswer(self.tags, multiple=True, note=_TICK, id="interview-answer"))
        if self.step == 1:
            return ("Anything else you like? Type a few words with commas between them,\n"
                    "or just press Enter.", TypedAnswer(id="interview-answer"))
        if self.step == 2:
            return ("What do you want to get better at, or become one day?\n"
                    "(Press Enter to leave it for now.)", TypedAnswer(id="interview-answer"))
        return ("How do you like to work?",
                ChoiceAnswer(WAYS, multiple=True, note=_TICK, id="interview-answer"))

    async def on_answered(self, message: Answered) -> None:
        message.stop()
        response = message.response
        if self.step == 0 and isinstance(response, list):
            self.picked = [self.tags[i] for i in response]
        elif self.step == 1 and isinstance(response, str):
            own = [w.strip() for w in response.split(",") if w.strip()]
            self.record("interests", self.picked + own[:10])
        elif self.step == 2 and isinstance(response, str):
            self.record("aspirations", response.strip()[:profile.MAX_TEXT])
        elif self.step == 3 and isinstance(response, list):
            self.record("ways_of_working", [WAYS[i] for i in response])
        self.step += 1
        if self.step > 3:
            self.dismiss(None)
        else:
            await self.ask()

    def record(self, field: str, value: str | list[str]) -> None:
        """Only what was actually said: an empty answer leaves the field as it was."""
        if value:
            self.kiosk.station.record(self.learner, profile.PROFILE_CHANGED,
                                      profile.changed_data(field, value))

    def action_skip(self) -> None:
        self.dismiss(None)
