from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.clock import HLC
from engine.event import Event
from engine.items import next_item
from engine.learner import KNOWN_TYPES, Curriculum, LearnerView, station_now
from engine.mastery import ANSWER, DAY_MS, EVIDENCE_REVIEWED, Level
from engine.packs.content import PackContent, Skill, load_folder
from engine.packs.store import Catalog, InstalledPack
from engine.profile import (
    GOAL_SET,
    PROFILE_CHANGED,
    SKILL_ASSIGNED,
    assigned_data,
    changed_data,
    goal_data,
)
from engine.station import Station

SHIPPED = Path(__file__).resolve().parents[2] / "content_packs"
START = 1_700_000_000_000


def installed(*contents: PackContent) -> Catalog:
    return Catalog(tuple(InstalledPack(c, SHIPPED, "digest", "signer") for c in contents))


SHIPPED_CATALOG = installed(load_folder(SHIPPED / "fractions"), load_folder(SHIPPED / "water-cycle"))
CURRICULUM = Curriculum.from_catalog(SHIPPED_CATALOG)


class History:
    """One learner's events, a minute apart from START unless a day is given."""

    def __init__(self, learner: str = "ana") -> None:
        self.learner = learner
        self.events: list[Event] = []

    def add(self, kind: str, data: dict[str, Any], day: float = 0) -> None:
        seq = len(self.events) + 1
        wall = START + int(day * DAY_MS) + seq * 60_000
        self.events.append(Event(f"st:{seq}", "st", seq, f"{wall:013d}-00000000",
                                 self.learner, kind, data))

    def answer(self, skill: str, item: str, right: bool, day: float = 0) -> None:
        self.add(ANSWER, {"skill": skill, "item": item, "correct": right, "response": "",
                          "hints": 0, "attempt": 1}, day)

    def master(self, skill: str, catalog: Catalog = SHIPPED_CATALOG, day: float = 0) -> None:
        for item in catalog.items(skill)[:3]:
            self.answer(skill, item["id"], True, day)

    def view(self, day: float = 0, curriculum: Curriculum = CURRICULUM) -> LearnerView:
        now = HLC(START + int(day * DAY_MS) + len(self.events) * 60_000 + 1)
        return LearnerView.build(self.learner, self.events, curriculum, now)


def test_the_view_of_a_station_reads_its_journal(station: Station) -> None:
    for item in SHIPPED_CATALOG.items("fractions.unit-fractions")[:3]:
        station.record("ana", ANSWER, {"skill": "fractions.unit-fractions", "item": item["id"],
                                       "correct": True, "response": "", "hints": 0,
                                       "attempt": 1})
    last = station.journal.last_hlc()
    assert station_now(station, wall=lambda: 0) == last  # a clock stuck in 1970
    assert station_now(station, wall=lambda: last.wall_ms + 5) == HLC(last.wall_ms + 5)
    view = LearnerView.of_station(station, "ana", CURRICULUM)
    assert view.level("fractions.unit-fractions") == Level.MASTERED
    assert view.due == ()
    later = LearnerView.of_station(station, "ana", CURRICULUM,
                                   wall=lambda: last.wall_ms + 3 * DAY_MS)
    assert [r.skill for r in later.due] == ["fractions.unit-fractions"]
    assert LearnerView.of_station(station, "ben", CURRICULUM).options == History("ben").view().options


def test_a_fresh_learner_gets_the_entry_skills() -> None:
    view = History().view()
    assert {o.skill for o in view.options} == {
        "fractions.unit-fractions", "watercycle.states-of-water", "watercycle.earths-water"}
    assert all(o.kind == "new" for o in view.options)
    assert view.level("fractions.unit-fractions") == Level.NOT_STARTED
    assert view.strengths == () and view.needs == () and view.due == () and view.goals == ()


def test_everything_mastered_gives_reviews_not_an_empty_screen() -> None:
    history = History()
    for skill in SHIPPED_CATALOG.skills:
        history.master(skill)
    today = history.view()
    assert all(today.level(s) == Level.MASTERED for s in SHIPPED_CATALOG.skills)
    assert len(today.options) == 2 and all(o.kind == "review" for o in today.options)
    assert today.due == () and len(today.strengths) == 3

    later = history.view(day=30)
    assert len(later.due) == len(SHIPPED_CATALOG.skills)
    assert len(later.options) == 4
    assert all(o.kind == "review" and o.reason == "Time to review" for o in later.options)


def test_a_failed_review_comes_back_first() -> None:
    history = History()
    for skill in SHIPPED_CATALOG.skills:
        history.master(skill)
    history.answer("watercycle.humidity", SHIPPED_CATALOG.items("watercycle.humidity")[0]["id"],
                   False, day=30)
    view = history.view(day=30)
    assert view.level("watercycle.humidity") == Level.NEEDS_REVIEW
    assert view.options[0].skill == "watercycle.humidity"
    assert view.options[0].reason == "Let's practise this again"
    assert "watercycle.humidity" not in {r.skill for r in view.due}


def test_profile_goals_and_assignments_reach_the_options() -> None:
    history = History()
    history.master("fractions.unit-fractions")
    history.add(GOAL_SET, goal_data("g1", "Master fractions of a set",
                                    ["fractions.unit-fractions", "fractions.fractions-of-a-set"],
                                    None))
    history.add(PROFILE_CHANGED, changed_data("interests", ["travel"]))
    history.add(SKILL_ASSIGNED, assigned_data("watercycle.earths-water"))
    view = history.view()
    assert [g.progress for g in view.goals] == [0.5] and view.goals[0].ending is None
    reasons = {o.skill: o.reason for o in view.options}
    assert view.options[0].skill == "watercycle.earths-water"
    assert reasons["watercycle.earths-water"] == "Your teacher picked this"
    assert reasons["fractions.fractions-of-a-set"] == "Your goal: Master fractions of a set"
    assert reasons["watercycle.states-of-water"] == "Matches your interest: travel"
    history.master("fractions.fractions-of-a-set")
    assert history.view().goals[0].ending == "met"


def test_a_teacher_approved_task_masters_its_skills() -> None:
    history = History()
    history.add(EVIDENCE_REVIEWED, {"evidence": "st:0", "activity": "fractions.ribbon-sharing",
                                    "level": "advanced"})
    view = history.view()
    assert view.level("fractions.number-line") == Level.MASTERED


def test_bad_input_is_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    history = History()
    history.master("fractions.unit-fractions")
    clean = history.view()
    history.answer("fractions.unit-fractions", "no-such-item", False)  # pack upgraded
    history.answer("oldpack.removed-skill", "i1", False)               # pack removed
    history.add(ANSWER, {"skill": ["x"], "item": 3, "correct": "yes"})  # malformed
    history.add("hologram_viewed", {"anything": [1, 2]})                # newer version
    with caplog.at_level(logging.WARNING):
        view = history.view()
    assert view.standings == clean.standings and view.options == clean.options
    assert "Skipped 3 answers" in caplog.text
    assert "hologram_viewed" in caplog.text
    assert len(history.events) == 7  # nothing dropped


def pack(pack_id: str, skills: list[tuple[str, tuple[str, ...], int]]) -> PackContent:
    """A pack whose skills are (id, prerequisites, number of items)."""
    data = {"id": pack_id, "skills": [{"id": s, "title": s, "requires": list(r), "tags": []}
                                      for s, r, _ in skills]}
    return PackContent(
        pack_id, "1.0.0", pack_id, data,
        tuple(Skill(s, pack_id, s, r, "l.md", "c.json", (), {"model": "n_in_a_row", "n": 2})
              for s, r, _ in skills),
        {s: tuple({"id": f"{s}-{n}", "type": "text"} for n in range(count))
         for s, _, count in skills},
        ())


def test_skills_needing_a_missing_pack_or_without_content_are_never_offered() -> None:
    catalog = installed(pack("b", [("b.first", (), 2), ("b.next", ("a.gone",), 2),
                                   ("b.after", ("b.next",), 2), ("b.empty", (), 0)]))
    assert catalog.unavailable() == {"b.next", "b.after"}
    history = History()
    history.master("b.next", catalog)  # answered while its prerequisite's pack was installed
    view = history.view(curriculum=Curriculum.from_catalog(catalog))
    assert view.level("b.next") == Level.MASTERED
    assert [o.skill for o in view.options] == ["b.first"]


@st.composite
def installs(draw: st.DrawFn) -> tuple[Catalog, list[str]]:
    """Two packs of random skill graphs, the second sometimes removed, and every skill id."""
    names = [f"{p}.s{n}" for p in ("a", "b") for n in range(draw(st.integers(1, 6)))]
    skills = []
    for n, name in enumerate(names):
        requires = tuple(draw(st.lists(st.sampled_from(names[:n]), max_size=2, unique=True))
                         ) if n else ()
        skills.append((name, requires, draw(st.integers(0, 2))))
    first = pack("a", [s for s in skills if s[0].startswith("a.")])
    second = pack("b", [s for s in skills if s[0].startswith("b.")])
    contents = (first, second) if draw(st.booleans()) else (second,)
    return installed(*contents), names


@settings(max_examples=60, deadline=None)
@given(installs(), st.data())
def test_the_view_never_offers_what_is_not_ready(case: tuple[Catalog, list[str]],
                                                 data: st.DataObject) -> None:
    catalog, names = case
    history = History()
    for skill, item, right, day in data.draw(st.lists(st.tuples(
            st.sampled_from(names), st.sampled_from([0, 1, 5]), st.booleans(),
            st.integers(0, 40)), max_size=40)):
        history.answer(skill, f"{skill}-{item}", right, day)
    view = history.view(day=data.draw(st.integers(0, 60)),
                        curriculum=Curriculum.from_catalog(catalog))
    blocked = catalog.unavailable()
    assert len({o.skill for o in view.options}) == len(view.options) <= 4
    for option in view.options:
        offered = catalog.skills[option.skill]
        assert catalog.items(option.skill), option
        assert option.skill not in blocked, option
        assert all(view.level(r) == Level.MASTERED for r in offered.requires), option
    ready = [s for s in catalog.skills.values() if catalog.items(s.id) and s.id not in blocked
             and all(view.level(r) == Level.MASTERED for r in s.requires)]
    assert len(view.options) >= min(2, len(ready))


# --- item selection ---------------------------------------------------------------------

ITEMS: list[dict[str, Any]] = [{"id": "q1"}, {"id": "q2", "interests": ["music"]}, {"id": "q3"},
         {"id": "q4", "interests": ["sport"]}]


def pick(history: History, interests: set[str], seed: int) -> str:
    item = next_item(ITEMS, history.events, "s.x", interests, seed)
    assert item is not None
    return str(item["id"])


def test_unseen_items_first_and_those_matching_interests_before_others() -> None:
    history = History()
    history.answer("s.x", "q2", True)
    assert pick(history, {"sport"}, 1) == "q4"
    picks = {pick(history, set(), seed) for seed in range(30)}
    assert picks == {"q1", "q3", "q4"}  # unseen ones, shuffled by the seed
    assert next_item(ITEMS, history.events, "s.x", set(), 7) == next_item(
        ITEMS, list(reversed(history.events)), "s.x", set(), 7)


def test_then_items_missed_longest_ago_then_those_seen_longest_ago() -> None:
    history = History()
    for item, right in [("q1", False), ("q2", True), ("q3", False), ("q4", True), ("q1", True)]:
        history.answer("s.x", item, right)
    history.answer("s.other", "q4", False)  # another skill's answers do not count
    assert pick(history, {"music"}, 0) == "q3"
    history.answer("s.x", "q3", True)
    assert pick(history, set(), 0) == "q2"
    assert next_item([], history.events, "s.x", set(), 0) is None


def test_the_view_gives_the_next_item_of_a_chosen_skill() -> None:
    history = History()
    history.add(PROFILE_CHANGED, changed_data("interests", ["music"]))
    item = history.view().next_item(CURRICULUM, "fractions.unit-fractions", seed="s:1")
    assert item is not None and "music" in item.get("interests", ())
    assert history.view().next_item(CURRICULUM, "gone.skill", seed=1) is None


JSON = st.recursive(st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False)
                    | st.sampled_from(["", "g1", "i1", "fractions.unit-fractions", "interests",
                                       "aspirations", "met", "2026-11-27", "advanced"]),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
FIELDS = ["skill", "item", "correct", "hints", "attempt", "field", "value", "goal", "text",
          "skills", "due", "outcome", "activity", "level", "evidence"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(KNOWN_TYPES) + ["from_the_future"]),
                          st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=6)),
                max_size=25))
def test_any_event_data_never_crashes_the_view(events: list[tuple[str, dict[str, Any]]]) -> None:
    history = History()
    for kind, data in events:
        history.add(kind, data)
    view = history.view(day=3)
    assert 1 <= len(view.options) <= 4
