"""Goals: set one from a skill or in the student's own words, with a date; say a goal in
your own words is met; and reflect when a goal ends (met or due)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from engine import profile
from engine.learner import GoalView
from kiosk.widgets.answers import Answered, TypedAnswer
from kiosk.widgets.footer import KioskFooter

if TYPE_CHECKING:
    from kiosk.app import PathstoneApp

OWN_WORDS = "own"
NEW_GOAL = "new"
# Days from today; None: the student types a number of days or a date; 0: no date, only
# for a skill goal (mastering the skill ends it; a goal in the student's own words needs
# a day on which it ends and asks for the reflection).
DUE_CHOICES: tuple[tuple[str, int | None], ...] = (
    ("In one week", 7), ("In two weeks", 14), ("Another day: I will type it", None),
    ("No date", 0))
DAY_PROMPT = "Type a number of days (like 10) or a date (like {example}), then press Enter."
YES, NOT_YET = "yes", "not yet"


def goal_line(goal: GoalView) -> str:
    """A goal as home lists it: how far along (a skill goal), and by when (if dated)."""
    parts = [f"{round(100 * goal.progress)}%"] if goal.goal.skills else []
    if goal.goal.due is not None:
        parts.append(f"by {goal.goal.due:%a %d %b}")
    return f"  {goal.goal.text}" + (f" ({', '.join(parts)})" if parts else "")


class GoalsScreen(Screen[str | None]):
    """The open goals: choose one in your own words to say it is met, or set a new one.

    Returns NEW_GOAL, the id of the goal the student says they reached (after a "did you
    do it?"), or None with Esc.  A skill goal is met by mastering its skill, not by saying.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, goals: Sequence[GoalView]) -> None:
        super().__init__()
        self.goals = {g.goal.id: g for g in goals}
        self.asking: GoalView | None = None  # the goal "did you do it?" is about

    def compose(self) -> ComposeResult:
        yield Static("My goals", id="goal-title")
        with Vertical(id="goal-body", classes="panel"):
            yield Static(id="goal-question")
            yield OptionList(id="goal-list")
            yield Static(id="goal-problem")
        yield KioskFooter()

    def on_mount(self) -> None:
        self.show_goals()

    def show_goals(self) -> None:
        self.asking = None
        self.query_one("#goal-question", Static).update(
            "Choose a goal you have reached, or set a new goal.")
        self.query_one("#goal-problem", Static).update("")
        self._offer([Option("Set a new goal", id=NEW_GOAL),
                     *(Option(goal_line(g).strip(), id=g.goal.id) for g in self.goals.values())])

    def _offer(self, options: list[Option]) -> None:
        listed = self.query_one(OptionList)
        listed.clear_options()
        listed.add_options(options)
        listed.highlighted = 0
        listed.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        picked = event.option.id or ""
        if self.asking is not None:
            if picked == YES:
                self.dismiss(self.asking.goal.id)
            else:
                self.show_goals()
            return
        goal = self.goals.get(picked)
        if goal is None:
            self.dismiss(NEW_GOAL)
        elif not goal.goal.own_words:
            self.query_one("#goal-problem", Static).update(
                "You reach this goal by mastering its skill. Keep practising!")
        else:
            self.asking = goal
            self.query_one("#goal-question", Static).update(
                f"{goal.goal.text}\n\nDid you do it?")
            self.query_one("#goal-problem", Static).update("")
            self._offer([Option("Yes, I did it!", id=YES), Option("Not yet", id=NOT_YET)])

    def action_back(self) -> None:
        self.dismiss(None)


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
        self.due_choices = DUE_CHOICES

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
        yield KioskFooter()

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
        days = self.due_choices[event.option_index][1]
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
        # A goal in the student's own words is always dated: nothing else would end it.
        self.due_choices = tuple(choice for choice in DUE_CHOICES
                                 if self.goal_skills or choice[1] != 0)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(self.due_label(label, days))
                             for label, days in self.due_choices])
        options.highlighted = 0
        options.display = True
        options.focus()

    def due_label(self, label: str, days: int | None) -> str:
        """A choice with the day it means, so the student sees the date they pick."""
        if not days:
            return label
        return f"{label} ({self.today() + timedelta(days=days):%a %d %b})"

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
        yield KioskFooter()

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
