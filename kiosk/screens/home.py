"""Home: hello, where the student stands, and the next steps they can choose from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option as Choice

from engine import paths
from engine.errors import PathstoneError
from engine.learner import LearnerView
from engine.mastery import Level
from engine.paths import Option
from kiosk import keys
from kiosk.screens.evidence import EvidenceScreen, status_lines
from kiosk.screens.goals import (
    NEW_GOAL,
    GoalScreen,
    GoalsScreen,
    ReflectionScreen,
    goal_line,
)
from kiosk.screens.interview import InterviewScreen
from kiosk.screens.lesson import LessonScreen
from kiosk.screens.practice import PracticeScreen
from kiosk.screens.ways import PRACTISE, PROJECT, READ, ProjectsScreen, WaysScreen
from kiosk.widgets.footer import KioskFooter
from kiosk.widgets.hanging import Hanging, hanging_lines

if TYPE_CHECKING:
    from kiosk.app import PathstoneApp, Session

NO_LESSON = "This lesson could not be opened; try practising, or tell your teacher."
_KINDS = {"new": "New", "continue": "Keep going", "review": "Review"}


class HomeScreen(Screen[None]):
    """Shows the student's path options; each showing is recorded, and so is the pick.

    One home screen serves every student in turn (`begin` at sign-in, `end` at sign-out):
    drawing a screen the first time costs Textual far more than drawing new words on one
    it has drawn before, and a student waits for it after every badge scan.
    """

    # With the app's F10 and F1 these fit 80 columns (tests/kiosk/test_footer.py); the
    # digits show as one key naming the steps there are (kiosk.keys).
    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.numbered("choose", "Choose a step", paths.MAX_OPTIONS),
        Binding("f6", "interview", "About me"),
        Binding("f7", "goals", "My goals"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._session: Session | None = None
        self.options: tuple[Option, ...] = ()
        self.offer_id = ""
        self.learner_view: LearnerView | None = None
        # The "About you" panel as plain lines (indents and all), as the student reads it.
        self.about = ""

    @property
    def kiosk(self) -> PathstoneApp:
        return self.app  # type: ignore[return-value]

    @property
    def session(self) -> Session:
        assert self._session is not None, "home shows a student only between begin and end"
        return self._session

    def compose(self) -> ComposeResult:
        yield Static(id="home-greeting")
        with Horizontal(id="home-body"):
            with Vertical(id="home-paths", classes="panel"):
                yield Static("What would you like to do next?", classes="panel-title")
                yield OptionList(id="home-options")
            with Vertical(id="home-about", classes="panel"):
                yield Static("About you", classes="panel-title")
                yield Static(id="home-profile")
        yield KioskFooter()

    def begin(self, session: Session) -> None:
        """Show `session`'s student; the app calls it once this screen is on top."""
        self._session = session
        if self.is_mounted:
            self._welcome()

    def on_mount(self) -> None:
        if self._session is not None:
            self._welcome()

    def _welcome(self) -> None:
        self.query_one("#home-greeting", Static).update(f"Hello, {self.session.member.name}!")
        view = self.session.view(self.kiosk.station)
        self.show_view(view)
        if first_sign_in(view):
            self.action_interview()
        for goal in view.goals:
            if goal.ending is not None:
                self.app.push_screen(ReflectionScreen(self.session.member.id, goal), self._back)

    def end(self) -> None:
        """Forget the student: nothing of theirs stays here for whoever signs in next."""
        self._session = self.learner_view = None
        self.options, self.offer_id, self.about = (), "", ""
        self.query_one("#home-greeting", Static).update("")
        self.query_one("#home-options", OptionList).clear_options()
        self.query_one("#home-profile", Static).update("")

    def action_goals(self) -> None:
        """The student's open goals, to say one is met or to set a new one; straight to a
        new goal when there is none open."""
        view = self.learner_view
        if view is None:
            return
        open_goals = [g for g in view.goals if g.goal.outcome is None]
        if open_goals:
            self.app.push_screen(GoalsScreen(open_goals), self._goal_picked)
        else:
            self._new_goal(view)

    def _goal_picked(self, picked: str | None) -> None:
        view = self.learner_view
        if picked is None or view is None:
            return
        if picked == NEW_GOAL:
            self._new_goal(view)
            return
        goal = next(g for g in view.goals if g.goal.id == picked)
        # The student says it is met: the same reflection as a goal met by mastery.
        self.app.push_screen(ReflectionScreen(self.session.member.id, replace(goal, ending="met")),
                             self._back)

    def _new_goal(self, view: LearnerView) -> None:
        skills = [(skill, self.title_of(skill)) for skill in self.session.curriculum.graph.nodes
                  if view.level(skill) != Level.MASTERED]
        goal_id = f"g{len(view.profile.goals) + 1}"
        self.app.push_screen(GoalScreen(self.session.member.id, goal_id, skills,
                                        lambda: self.kiosk.wall().date()), self._back)

    def action_interview(self) -> None:
        tags = [tag for skill in self.session.catalog.skills.values() for tag in skill.tags]
        self.app.push_screen(InterviewScreen(self.session.member.id, tags), self._back)

    def title_of(self, skill: str) -> str:
        found = self.session.catalog.skills.get(skill)
        return found.title if found is not None else skill

    def show_view(self, view: LearnerView) -> None:
        self.learner_view = view
        self.options = view.options
        self.offer_id = self.kiosk.station.record(
            self.session.member.id, paths.PATH_OFFERED, paths.offered_data(view.options)).id
        options = self.query_one("#home-options", OptionList)
        options.clear_options()
        options.add_options([
            Choice(Group(Hanging(f"{n}. ", Text.assemble((self.title_of(o.skill), "bold"),
                                                          f"  ({_KINDS.get(o.kind, o.kind)})")),
                         Padding(Text(o.reason, "italic"), (0, 0, 0, len(f"{n}. "))),
                         Text()), id=o.skill)
            for n, o in enumerate(view.options, start=1)])
        options.highlighted = 0 if view.options else None
        options.focus()
        self.about = self.profile_text(view)
        self.query_one("#home-profile", Static).update(hanging_lines(self.about.splitlines()))
        # The footer names the real range of step keys.
        self.refresh_bindings()

    def profile_text(self, view: LearnerView) -> str:
        lines = []
        about = view.profile
        if about.interests:
            lines += ["You like: " + ", ".join(about.interests), ""]
        if about.aspirations:
            lines += [f"You want to: {about.aspirations}", ""]
        if view.strengths:
            lines += ["You are strong at:", *(f"  {self.title_of(s)}" for s in view.strengths), ""]
        if view.needs:
            lines += ["Let's work on:", *(f"  {self.title_of(s)}" for s in view.needs), ""]
        open_goals = [g for g in view.goals if g.goal.outcome is None]
        if open_goals:
            lines += ["Your goals:", *(goal_line(g) for g in open_goals), ""]
        tasks = {a["id"]: a for pack in self.session.catalog.packs
                 for a in pack.content.activities}
        lines += status_lines(view.history, view.learner, tasks)
        mastered = sum(1 for s in view.standings.values() if s.level == Level.MASTERED)
        lines.append(f"Skills mastered: {mastered} of {len(view.standings)}")
        return "\n".join(lines)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_choose(event.option_index)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose":
            return keys.allowed(parameters, len(self.options))
        return True

    def action_choose(self, index: int) -> None:
        if not 0 <= index < len(self.options):
            return
        option = self.options[index]
        self.kiosk.station.record(self.session.member.id, paths.PATH_CHOSEN,
                                  paths.chosen_data(self.offer_id, option))
        project = bool(self.session.catalog.activities(option.skill))
        self.app.push_screen(WaysScreen(self.title_of(option.skill), option.reason,
                                        project=project),
                             lambda way: self._work(option.skill, way))

    def _work(self, skill: str, way: str | None) -> None:
        if way == READ:
            try:
                lesson = self.session.catalog.lesson(skill)
            except (PathstoneError, OSError, UnicodeDecodeError):
                self.notify(NO_LESSON, severity="warning")
                return
            self.app.push_screen(LessonScreen(self.title_of(skill), lesson),
                                 lambda then: self._work(skill, then))
        elif way == PROJECT:
            tasks = self.session.catalog.activities(skill)
            if len(tasks) == 1:
                self._do_project(tasks[0])
            else:
                self.app.push_screen(ProjectsScreen(self.title_of(skill), tasks),
                                     lambda index: self._pick_project(tasks, index))
        elif way == PRACTISE:
            self.app.push_screen(PracticeScreen(self.session, skill, self.title_of(skill)),
                                 self._back)

    def _pick_project(self, tasks: Sequence[Mapping[str, Any]], index: int | None) -> None:
        """Back from choosing a project (None: the student went back home instead)."""
        if index is not None:
            self._do_project(tasks[index])

    def _do_project(self, task: Mapping[str, Any]) -> None:
        self.app.push_screen(EvidenceScreen(self.session.member.id, task), self._back)

    def _back(self, _: None) -> None:
        """Back from practice or the interview: the options are offered afresh."""
        self.show_view(self.session.view(self.kiosk.station))


def first_sign_in(view: LearnerView) -> bool:
    """This is the student's first sign-in and they have told us nothing about themselves."""
    about = view.profile
    signed_in = sum(1 for e in view.history if e.type == "sign_in")
    return signed_in <= 1 and not (about.interests or about.aspirations or about.ways_of_working)
