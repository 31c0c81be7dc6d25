"""Practice: one item at a time, feedback at once, hints on request, the meter moving."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from engine import checks, mastery
from engine.learner import LearnerView
from engine.mastery import Level
from kiosk.screens.celebrate import Celebration
from kiosk.widgets.answers import Answered, answer_widget
from kiosk.widgets.footer import KioskFooter
from kiosk.widgets.meter import MasteryMeter

if TYPE_CHECKING:
    from kiosk.app import PathstoneApp, Session

HINT = "hint"
"""A student asked for a hint: `{"skill", "item", "hint": 1-based number of the hint}`."""
NO_ITEMS = "There are no questions for this skill yet. Press Esc to choose something else."


class PracticeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "hint", "Hint"),
        Binding("enter", "next", "Next", key_display="Enter"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, session: Session, skill: str, title: str) -> None:
        super().__init__()
        self.session = session
        self.skill = skill
        self.skill_title = title
        self.item: Mapping[str, Any] | None = None
        self.hints_shown = 0
        self.answered = False
        self.mastered_now = False
        self.level = Level.NOT_STARTED

    @property
    def kiosk(self) -> PathstoneApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(id="practice-head"):
            yield Static(f"Practise: {self.skill_title}", id="practice-title")
            yield MasteryMeter(id="meter")
        with VerticalScroll(id="practice-body"):
            yield Static(id="prompt")
            yield Vertical(id="answer-box")
            yield Static(id="hints")
            yield Static(id="feedback")
        yield KioskFooter()

    async def on_mount(self) -> None:
        await self.next_item(self.session.view(self.kiosk.station))

    def record(self, kind: str, data: Mapping[str, Any]) -> None:
        self.kiosk.station.record(self.session.member.id, kind, data)

    async def next_item(self, view: LearnerView) -> None:
        self.level = view.level(self.skill)
        self.query_one(MasteryMeter).show(view.standings.get(self.skill))
        self.item = view.next_item(self.session.curriculum, self.skill,
                                   f"{self.session.member.id}:{len(view.history)}")
        self.hints_shown, self.answered = 0, False
        for name in ("#hints", "#feedback"):
            self.query_one(name, Static).update("")
        self.query_one("#feedback").set_classes("")
        box = self.query_one("#answer-box", Vertical)
        await box.remove_children()
        if self.item is None:
            self.query_one("#prompt", Static).update(NO_ITEMS)
            return
        self.query_one("#prompt", Static).update(str(self.item.get("prompt", "")))
        widget = answer_widget(self.item)
        await box.mount(widget)
        widget.focus()
        self.refresh_bindings()

    def on_answered(self, message: Answered) -> None:
        message.stop()
        if self.item is None or self.answered:
            return
        grade = checks.grade(self.item, message.response)
        # Durable first: the answer is on disk before the student sees how it went.
        self.record(mastery.ANSWER, mastery.answer_data(
            self.skill, str(self.item["id"]), grade, hints=self.hints_shown, attempt=1))
        after = self.session.view(self.kiosk.station)
        self.answered = True
        self.mastered_now = (self.level != Level.MASTERED
                             and after.level(self.skill) == Level.MASTERED)
        self.query_one(MasteryMeter).show(after.standings.get(self.skill))
        self.show_feedback(grade)
        # The answer stays in sight but takes no more keys: they go to the screen's bindings.
        for widget in self.query_one("#answer-box", Vertical).children:
            widget.can_focus = False
        self.set_focus(None)
        self.refresh_bindings()

    def show_feedback(self, grade: checks.Grade) -> None:
        assert self.item is not None
        headline = "Right!" if grade.correct else "Not this time."
        explanation = str(self.item.get("explanation", ""))
        feedback = self.query_one("#feedback", Static)
        feedback.update("\n".join(p for p in (headline, grade.feedback, explanation) if p)
                        + "\n\nPress Enter for the next question.")
        feedback.set_classes("-right" if grade.correct else "-wrong")

    def action_hint(self) -> None:
        hints = self.item.get("hints", []) if self.item is not None else []
        if self.answered or self.item is None or self.hints_shown >= len(hints):
            return
        self.hints_shown += 1
        self.record(HINT, {"skill": self.skill, "item": str(self.item["id"]),
                           "hint": self.hints_shown})
        shown = [f"Hint {n}: {text}" for n, text in enumerate(hints[:self.hints_shown], start=1)]
        self.query_one("#hints", Static).update("\n".join(shown))
        self.refresh_bindings()

    async def action_next(self) -> None:
        if self.mastered_now:
            self.app.push_screen(Celebration(self.skill_title), lambda _: self.dismiss(None))
        else:
            await self.next_item(self.session.view(self.kiosk.station))

    def action_back(self) -> None:
        self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            return self.answered
        if action == "hint":
            hints = self.item.get("hints", []) if self.item is not None else []
            return not self.answered and self.hints_shown < len(hints)
        return True
