"""Goals: set one from a skill or in the student's own words, with a date; and reflect
when it ends (met or due)."""

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

OWN_WORDS = "own"
# Days from today; None: the student types a number of days or a date.
DUE_CHOICES: tuple[tuple[str, int | None], ...] = (
    ("In one week", 7), ("In two weeks", 14), ("Another day: I will type it", None),
    ("No date", 0))
DAY_PROMPT = "Type a number of days (like 10) or a date (like {example}), then press Enter."


class GoalScreen(Screen[None]):
    """What to aim for (a skill to master, or the student's own words), then by when.

    Recorded as one `goal_set` event once both are chosen; Esc before that records
    nothing.  The list and the typing field take turns: one is shown at a time.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, learner: str, goal_id: str, skills: Sequence[tuple[str, str]],
                 today: Callable[[], date]) -> None:
        super().__init__()
        self.learner = learner
        self.goal_id = goal_id
        self.skills = list(skills)
        self.today = today
        # The goal so far: its text and skills once chosen, and which step is asked.
        self.text = ""
        self.goal_skills: list[str] = []
        self.step = "what"

    @property
    def kiosk(self) -> PathstoneApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static("A new goal", id="goal-title")
        with Vertical(id="goal-body", classes="panel"):
            yield Static("What do you want to aim for?", id="goal-question")
            yield OptionList(Option("Something else, in my own words", id=OWN_WORDS),
                             *(Option(f"Master {title}", id=skill) for skill, title in self.skills),
                             id="goal-list")
            yield TypedAnswer(max_length=profile.MAX_TEXT, id="goal-typed")
            yield Static(id="goal-problem")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#goal-typed").display = False
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.step == "what":
            if event.option.id == OWN_WORDS:
                self.ask_typed("own words", "Write your goal in your own words, then press Enter.",
                               "What I want to do")
                return
            skill, title = self.skills[event.option_index - 1]
            self.text, self.goal_skills = f"Master {title}", [skill]
            self.ask_when()
            return
        days = DUE_CHOICES[event.option_index][1]
        if days is None:
            example = (self.today() + timedelta(days=10)).isoformat()
            self.ask_typed("day", f"{self.text}\n\n{DAY_PROMPT.format(example=example)}",
                           "10 or " + example)
        else:
            self.finish(self.today() + timedelta(days=days) if days else None)

    def on_answered(self, message: Answered) -> None:
        message.stop()
        typed = str(message.response).strip()
        if not typed:
            return
        if self.step == "own words":
            self.text = typed
            self.ask_when()
            return
        try:
            due = profile.due_from_text(typed, self.today())
        except profile.GoalDateError as problem:
            self.query_one("#goal-problem", Static).update(str(problem))
            return
        self.finish(due)

    def ask_typed(self, step: str, question: str, placeholder: str) -> None:
        self.step = step
        self.query_one("#goal-question", Static).update(question)
        self.query_one(OptionList).display = False
        field = self.query_one(TypedAnswer)
        field.placeholder, field.value, field.display = placeholder, "", True
        field.focus()

    def ask_when(self) -> None:
        self.step = "when"
        self.query_one("#goal-question", Static).update(f"{self.text}: by when?")
        self.query_one(TypedAnswer).display = False
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(label) for label, _ in DUE_CHOICES])
        options.highlighted = 0
        options.display = True
        options.focus()

    def finish(self, due: date | None) -> None:
        self.kiosk.station.record(self.learner, profile.GOAL_SET, profile.goal_data(
            self.goal_id, self.text, self.goal_skills, due))
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
