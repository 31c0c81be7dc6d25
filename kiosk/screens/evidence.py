"""A performance task: read it and its rubric, then log what was made or done.

The log is an `evidence` event (engine.mastery) with the student's own rating of the
rubric level they think they reached; it waits for the teacher's review, and the home
screen shows its status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from engine import mastery
from engine.event import Event
from kiosk.widgets.answers import Answered, ChoiceAnswer, TypedAnswer
from kiosk.widgets.footer import KioskFooter

if TYPE_CHECKING:
    from kiosk.app import PathstoneApp

MAX_NOTE = 2000


def task_text(activity: Mapping[str, Any]) -> Text:
    """The task, its steps, what to show, and the rubric, as the student reads them."""
    text = Text()
    text.append(f"{activity.get('description', '')}\n\n")
    for n, step in enumerate(activity.get("steps", []), start=1):
        text.append(f"{n}. {step}\n")
    if activity.get("evidence"):
        text.append("\nWhat to show: ", "bold").append(f"{activity['evidence']}\n")
    text.append("\nHow it will be looked at:\n", "bold")
    for level in activity["rubric"]["levels"]:
        text.append(f"{level['label']}: ", "bold").append(f"{level['descriptor']}\n")
    return text


class EvidenceScreen(Screen[None]):
    """Dismissed once the evidence is recorded, or with Esc before."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, learner: str, activity: Mapping[str, Any]) -> None:
        super().__init__()
        self.learner = learner
        self.activity = activity
        self.note = ""

    @property
    def kiosk(self) -> PathstoneApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(f"Project: {self.activity.get('title', '')}", id="evidence-title")
        with VerticalScroll(id="evidence-body"):
            yield Static(task_text(self.activity), id="evidence-task")
            yield Static("When you have done it, tell your teacher what you made or did:",
                         id="evidence-question")
            yield TypedAnswer(placeholder="What I made or did", max_length=MAX_NOTE,
                              id="evidence-note")
        yield KioskFooter()

    def on_mount(self) -> None:
        self.query_one("#evidence-note").focus(scroll_visible=False)

    async def on_answered(self, message: Answered) -> None:
        message.stop()
        if isinstance(message.response, str):
            await self.ask_level(message.response.strip())
        elif isinstance(message.response, list) and self.note:
            levels = self.activity["rubric"]["levels"]
            self.kiosk.station.record(self.learner, mastery.EVIDENCE, {
                "activity": self.activity["id"], "note": self.note,
                "level": levels[message.response[0]]["id"]})
            self.dismiss(None)

    async def ask_level(self, note: str) -> None:
        if not note:
            return
        self.note = note
        labels = [level["label"] for level in self.activity["rubric"]["levels"]]
        self.query_one("#evidence-question", Static).update(
            "Which level do you think you reached? Your teacher will look at it too.")
        await self.query_one("#evidence-note").remove()
        choice = ChoiceAnswer(labels, multiple=False, id="evidence-level")
        await self.query_one("#evidence-body").mount(choice)
        choice.focus()
        choice.scroll_visible()

    def action_back(self) -> None:
        self.dismiss(None)


# The reviews shown on home, newest first: enough to see the news, few enough to fit.
SHOWN_REVIEWS = 3


def status_lines(history: Iterable[Event], learner: str,
                 tasks: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """What the student sees of their logged evidence: waiting, or how the teacher rated it.

    `tasks` are the installed packs' activities by id; evidence of a task no pack has
    any more is still listed, by its id.
    """
    log = mastery.evidence_log(e for e in history if e.learner == learner)
    pending = [_title(tasks, entry.evidence.data.get("activity")) for entry in log
               if entry.review is None]
    reviewed = [line for entry in log[::-1] if entry.review is not None
                for line in _reviewed(entry.review.data, tasks)][:2 * SHOWN_REVIEWS]
    lines = []
    if pending:
        lines += ["Waiting for your teacher:", *(f"  {name}" for name in pending), ""]
    if reviewed:
        lines += ["Reviewed by your teacher:", *reviewed, ""]
    return lines


def _title(tasks: Mapping[str, Mapping[str, Any]], name: object) -> str:
    task = tasks.get(name) if isinstance(name, str) else None
    return str(task.get("title", name)) if task is not None else str(name)


def _reviewed(review: Mapping[str, Any], tasks: Mapping[str, Mapping[str, Any]]
              ) -> tuple[str, str]:
    """The task on one line and the teacher's rating on the next: each fits the panel."""
    name, level = review.get("activity"), review.get("level")
    task = tasks.get(name) if isinstance(name, str) else None
    labels = {lv["id"]: lv["label"] for lv in task["rubric"]["levels"]} if task else {}
    try:
        mastered = task is not None and mastery.Activity.from_pack(task).masters(level)
    except mastery.MasteryError:
        mastered = False
    verdict = "this skill is mastered" if mastered else "keep working on it"
    return f"  {_title(tasks, name)}", f"    {labels.get(level, level)} - {verdict}"
