"""Answer widgets for the four item types, each usable with the keyboard alone.

Each posts `Answered` with the response `engine.checks.grade` takes: a list of choice
indices, the entry order as indices, or the typed text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input


class Answered(Message):
    def __init__(self, response: object) -> None:
        super().__init__()
        self.response = response


class ChoiceAnswer(Widget, can_focus=True):
    """Choices numbered 1-9: a number or the arrows pick, Space ticks (several), Enter answers."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("space", "tick", "Tick", show=False),
        Binding("enter", "answer", "Answer", key_display="Enter"),
    ]

    def __init__(self, choices: Sequence[str], *, multiple: bool,
                 note: str = "Pick every right answer with Space, then press Enter.",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.choices = list(choices)
        self.multiple = multiple
        self.note = note
        self.cursor = 0
        self.ticked: set[int] = set()

    def render(self) -> Text:
        text = Text()
        for i, choice in enumerate(self.choices):
            mark = ("[x]" if i in self.ticked else "[ ]") if self.multiple else ""
            pointer = ">" if i == self.cursor else " "
            line = Text(f"{pointer} {i + 1}. {mark}{' ' if mark else ''}{choice}\n")
            if i == self.cursor:
                line.stylize("reverse")
            text.append_text(line)
        if self.multiple:
            text.append(self.note, "italic")
        return text

    def on_key(self, event: Any) -> None:
        if event.character and event.character.isdigit():
            index = int(event.character) - 1
            if 0 <= index < len(self.choices):
                event.stop()
                self.cursor = index
                self.action_tick()

    def action_move(self, step: int) -> None:
        self.cursor = (self.cursor + step) % len(self.choices)
        self.refresh()

    def action_tick(self) -> None:
        if self.multiple:
            self.ticked ^= {self.cursor}
        self.refresh()

    def action_answer(self) -> None:
        picked = sorted(self.ticked) if self.multiple else [self.cursor]
        self.post_message(Answered(picked))


class OrderAnswer(Widget, can_focus=True):
    """Entries to put in order: arrows pick one, Space takes it so the arrows move it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("space", "hold", "Move"),
        Binding("enter", "answer", "Answer", key_display="Enter"),
    ]

    def __init__(self, entries: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entries = list(entries)
        self.order = list(range(len(entries)))
        self.cursor = 0
        self.holding = False

    def render(self) -> Text:
        text = Text()
        for position, index in enumerate(self.order):
            here = position == self.cursor
            grip = "==" if here and self.holding else "> " if here else "  "
            line = Text(f"{grip}{position + 1}. {self.entries[index]}\n")
            if here:
                line.stylize("reverse")
            text.append_text(line)
        text.append("Space takes an entry; move it with the arrows; Space puts it down.", "italic")
        return text

    def action_move(self, step: int) -> None:
        target = self.cursor + step
        if not 0 <= target < len(self.order):
            return
        if self.holding:
            self.order[self.cursor], self.order[target] = self.order[target], self.order[self.cursor]
        self.cursor = target
        self.refresh()

    def action_hold(self) -> None:
        self.holding = not self.holding
        self.refresh()

    def action_answer(self) -> None:
        self.holding = False
        self.post_message(Answered(list(self.order)))


class TypedAnswer(Input):
    """A number or a few words; Enter answers."""

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(Answered(event.value))


def answer_widget(item: Mapping[str, Any]) -> Widget:
    """The widget that takes an answer to `item` (its type checked by the pack format)."""
    kind = item.get("type")
    if kind == "choice":
        return ChoiceAnswer(item["choices"], multiple=item.get("multiple") is True, id="answer")
    if kind == "order":
        return OrderAnswer(item["entries"], id="answer")
    hint = "Type a number, then press Enter" if kind == "number" else "Type your answer, then press Enter"
    return TypedAnswer(placeholder=hint, id="answer")
