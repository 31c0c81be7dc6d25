"""The ways of working on a chosen step: read the lesson, practise, or do a project;
and, when the step has several projects, which one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kiosk import keys
from kiosk.widgets.footer import KioskFooter

READ, PRACTISE, PROJECT = "read", "practise", "project"
WAYS = (READ, PRACTISE, PROJECT)


class WaysScreen(ModalScreen[str | None]):
    """Returns READ, PRACTISE or PROJECT (when the skill has one), or None to go back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.numbered("number", "Choose", len(WAYS)),
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
        yield KioskFooter()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_pick(event.option.id or "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The footer names 1-3 with a project, 1-2 without.
        count = len(WAYS) if self.project else len(WAYS) - 1
        return keys.allowed(parameters, count) if action == "number" else True

    def action_number(self, index: int) -> None:
        self.action_pick(WAYS[index])

    def action_pick(self, way: str) -> None:
        if way != PROJECT or self.project:
            self.dismiss(way or None)


# Projects are chosen with a digit key, as the steps on home are.
MAX_PROJECTS = 9


class ProjectsScreen(ModalScreen[int | None]):
    """Which of a step's projects to do: returns its index, or None to go back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.numbered("pick", "Choose a project", MAX_PROJECTS),
        Binding("escape", "back", "Back"),
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
        yield KioskFooter()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_pick(event.option_index)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The footer names only the digits of the projects there are.
        return keys.allowed(parameters, len(self.tasks)) if action == "pick" else True

    def action_pick(self, index: int) -> None:
        if 0 <= index < len(self.tasks):
            self.dismiss(index)

    def action_back(self) -> None:
        self.dismiss(None)
