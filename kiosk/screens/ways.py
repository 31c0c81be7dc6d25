"""The ways of working on a chosen step: read the lesson, practise, or do a project;
and, when the step has several projects, which one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

READ, PRACTISE, PROJECT = "read", "practise", "project"


class WaysScreen(ModalScreen[str | None]):
    """Returns READ, PRACTISE or PROJECT (when the skill has one), or None to go back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "pick('read')", "Read", show=False),
        Binding("2", "pick('practise')", "Practise", show=False),
        Binding("3", "pick('project')", "Project", show=False),
        Binding("escape", "pick('')", "Back"),
        # A modal screen hides the app's bindings: sign-out must still be one key.
        Binding("f10", "app.sign_out", "Sign out"),
    ]

    def __init__(self, title: str, reason: str, *, project: bool) -> None:
        super().__init__()
        self.project = project
        self.skill_title = title
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(id="ways-card", classes="card"):
            yield Static(self.skill_title, classes="card-title")
            yield Static(self.reason, id="ways-reason")
            yield Static("How do you want to work on it?")
            ways = [Option("1. Read the lesson", id=READ),
                    Option("2. Practise with questions", id=PRACTISE)]
            if self.project:
                ways.append(Option("3. Do a project away from the station", id=PROJECT))
            yield OptionList(*ways, id="ways-list")
        yield Footer()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_pick(event.option.id or "")

    def action_pick(self, way: str) -> None:
        if way != PROJECT or self.project:
            self.dismiss(way or None)


# Projects are chosen with a digit key, as the steps on home are.
MAX_PROJECTS = 9


class ProjectsScreen(ModalScreen[int | None]):
    """Which of a step's projects to do: returns its index, or None to go back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(str(n), f"pick({n - 1})", "Choose a project", key_display="1-9", show=n == 1)
          for n in range(1, MAX_PROJECTS + 1)),
        Binding("escape", "pick(-1)", "Back"),
        Binding("f10", "app.sign_out", "Sign out"),
    ]

    def __init__(self, title: str, tasks: Sequence[Mapping[str, Any]]) -> None:
        super().__init__()
        self.skill_title = title
        self.tasks = tuple(tasks[:MAX_PROJECTS])

    def compose(self) -> ComposeResult:
        with Vertical(id="projects-card", classes="card"):
            yield Static(self.skill_title, classes="card-title")
            yield Static("Which project do you want to do?")
            yield OptionList(*(Option(f"{n}. {task.get('title', task.get('id', ''))}")
                               for n, task in enumerate(self.tasks, start=1)), id="projects-list")
        yield Footer()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_pick(event.option_index)

    def action_pick(self, index: int) -> None:
        if index < 0:
            self.dismiss(None)
        elif index < len(self.tasks):
            self.dismiss(index)
