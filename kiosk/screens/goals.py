"""Goals: set one from a skill with a date, and reflect when it ends (met or due)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from engine import profile
from engine.learner import GoalView
from kiosk.widgets.answers import Answered, TypedAnswer

if TYPE_CHECKING:
    from kiosk.app import PathstoneApp

DUE_CHOICES = (("In one week", 7), ("In two weeks", 14), ("No date", 0))


class GoalScreen(Screen[None]):
    """Pick a skill to master, then when by; recorded as a `goal_set` event."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, learner: str, goal_id: str, skills: Sequence[tuple[str, str]],
                 today: Callable[[], date]) -> None:
        super().__init__()
        self.learner = learner
        self.goal_id = goal_id
        self.skills = list(skills)
        self.today = today
        self.skill: tuple[str, str] | None = None

    @property
    def kiosk(self) -> PathstoneApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static("A new goal", id="goal-title")
        with Vertical(id="goal-body", classes="panel"):
            yield Static("Which skill do you want to master?", id="goal-question")
            yield OptionList(*(Option(title, id=skill) for skill, title in self.skills),
                             id="goal-list")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        options = self.query_one(OptionList)
        if self.skill is None:
            self.skill = self.skills[event.option_index]
            self.query_one("#goal-question", Static).update(
                f"Master {self.skill[1]}: by when?")
            options.clear_options()
            options.add_options([Option(label) for label, _ in DUE_CHOICES])
            options.highlighted = 0
            return
        days = DUE_CHOICES[event.option_index][1]
        due = self.today() + timedelta(days=days) if days else None
        skill, title = self.skill
        self.kiosk.station.record(self.learner, profile.GOAL_SET, profile.goal_data(
            self.goal_id, f"Master {title}", [skill], due))
        self.dismiss(None)

    def action_back(self) -> None:
        self.dismiss(None)


class ReflectionScreen(Screen[None]):
    """A goal has ended: a short reflection (skippable), then the goal is closed."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "skip", "Skip")]

    def __init__(self, learner: str, goal: GoalView) -> None:
        super().__init__()
        self.learner = learner
        self.goal = goal

    @property
    def kiosk(self) -> PathstoneApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        met = self.goal.ending == "met"
        yield Static("Well done!" if met else "Your goal's date has come", id="goal-title")
        with Vertical(id="goal-body", classes="panel"):
            yield Static(
                f"Your goal: {self.goal.goal.text}\n\n"
                + ("You reached it. What helped you most?" if met else
                   f"You are {round(100 * self.goal.progress)}% of the way. "
                   "What got in the way, and what will you try next?"),
                id="goal-question")
            yield TypedAnswer(placeholder="A sentence or two", max_length=profile.MAX_TEXT,
                              id="goal-reflection")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TypedAnswer).focus()

    def on_answered(self, message: Answered) -> None:
        message.stop()
        text = str(message.response).strip()
        if text:
            self.kiosk.station.record(self.learner, profile.REFLECTION,
                                      profile.reflection_data(self.goal.goal.id, text))
        self.action_skip()

    def action_skip(self) -> None:
        """Closing the goal either way, so that it does not ask again at every sign-in."""
        self.kiosk.station.record(self.learner, profile.GOAL_ENDED,
                                  profile.ended_data(self.goal.goal.id, self.goal.ending or "due"))
        self.dismiss(None)
