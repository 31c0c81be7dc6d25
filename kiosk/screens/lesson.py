"""A skill's lesson: Markdown from its pack, scrolled with the arrow and page keys."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Markdown, Static

from kiosk.screens.ways import PRACTISE
from kiosk.widgets.footer import KioskFooter


class LessonScreen(Screen[str | None]):
    """Returns PRACTISE when the student goes on to practise, None to go back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f3", "practise", "Practise"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, title: str, markdown: str) -> None:
        super().__init__()
        self.skill_title = title
        self.markdown = markdown

    def compose(self) -> ComposeResult:
        yield Static(f"Lesson: {self.skill_title}", id="lesson-title")
        with VerticalScroll(id="lesson-scroll"):
            yield Markdown(self.markdown, id="lesson-text")
        yield KioskFooter()

    def on_mount(self) -> None:
        self.query_one("#lesson-scroll").focus()

    def action_practise(self) -> None:
        self.dismiss(PRACTISE)

    def action_back(self) -> None:
        self.dismiss(None)
