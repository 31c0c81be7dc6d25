from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.event import Event
from engine.mastery import ANSWER, BKTParams, Level, Skill, Standing, standings
from engine.paths import (
    GOAL_TEXT,
    MAX_OPTIONS,
    Graph,
    Option,
    PathError,
    Wishes,
    chosen_data,
    offered_data,
    path_options,
)


def skill(skill_id: str, *requires: str, tags: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"id": skill_id, "title": skill_id.split(".")[1].replace("-", " "),
            "requires": list(requires), "tags": list(tags), "lesson": "l.md", "checks": "c.json"}


FRACTIONS: dict[str, Any] = {"id": "org.pathstone.fractions", "skills": [
    skill("fr.unit"),
    skill("fr.compare", "fr.unit", tags=("food",)),
    skill("fr.equivalent", "fr.unit", tags=("music",)),
    skill("fr.add", "fr.compare", "fr.equivalent"),
    skill("fr.multiply", "fr.equivalent"),
    skill("fr.word-problems", "fr.add", "fr.multiply", "read.sentences"),  # other pack
]}
READING: dict[str, Any] = {"id": "org.pathstone.reading", "skills": [
    skill("rd.letters"), skill("rd.words", "rd.letters"), skill("rd.empty")]}
ITEMS = {s["id"]: 6 for p in (FRACTIONS, READING) for s in p["skills"]} | {"rd.empty": 0}
GRAPH = Graph.from_packs([FRACTIONS, READING], ITEMS)


def at(**levels: Level) -> dict[str, Standing]:
    return {f"{k[:2]}.{k[3:].replace('_', '-')}": Standing(f"{k[:2]}.{k[3:].replace('_', '-')}",
                                                           level, 0.5)
            for k, level in levels.items()}


M = Level.MASTERED


def test_a_fresh_learner_gets_the_entry_skills() -> None:
    options = path_options(GRAPH, {})
    assert {o.skill for o in options} == {"fr.unit", "rd.letters"}  # rd.empty has no items
    assert all(o.kind == "new" for o in options)
    assert options[0] == Option("fr.unit", "new", "Unlocks 2 new skills")
    assert options[1] == Option("rd.letters", "new", "Unlocks 1 new skill")


def test_ready_skills_open_up_as_prerequisites_are_mastered() -> None:
    options = path_options(GRAPH, at(fr_unit=M, rd_letters=M))
    assert {o.skill for o in options} == {"fr.compare", "fr.equivalent", "rd.words"}
    # fr.equivalent alone opens fr.multiply; fr.add needs fr.compare too
    assert options[0] == Option("fr.equivalent", "new", "Unlocks 1 new skill")
    assert Option("fr.compare", "new", "You're ready for this") in options


def test_everything_mastered_gives_reviews_not_an_empty_screen() -> None:
    everything = {node: Standing(node, M, 0.99 - len(node) / 100) for node in GRAPH.nodes}
    del everything["fr.word-problems"]  # its prerequisite from another pack is missing
    options = path_options(GRAPH, everything)
    assert len(options) == 2 and all(o.kind == "review" for o in options)
    assert {o.reason for o in options} == {"Keep it fresh: a quick review"}
    assert [o.skill for o in options] == ["fr.equivalent", "fr.multiply"]  # least sure first
    due = path_options(GRAPH, everything, Wishes(due_reviews={"fr.add"}))
    assert due[0] == Option("fr.add", "review", "Time to review")


def test_reasons_a_child_understands() -> None:
    levels = at(fr_unit=M, rd_letters=M, fr_compare=Level.NEARLY_THERE,
                fr_equivalent=Level.NEEDS_REVIEW, rd_words=Level.PRACTISING)
    wishes = Wishes(goals={"rd.words": "read a whole page by Friday"})
    options = path_options(GRAPH, levels, wishes)
    assert options == [
        Option("fr.equivalent", "review", "Let's practise this again"),
        Option("rd.words", "continue", "Your goal: read a whole page by Friday"),
        Option("fr.compare", "continue", "You're nearly there!"),
    ]
    assert path_options(GRAPH, levels, Wishes(assigned={"rd.words"}))[0] == Option(
        "rd.words", "continue", "Your teacher picked this")
    long_goal = Wishes(goals={"rd.words": "read " + "a very long book " * 10})
    reason = path_options(GRAPH, levels, long_goal)[1].reason
    assert reason.startswith("Your goal: read a very long book") and reason.endswith("…")
    assert len(reason) == len("Your goal: ") + GOAL_TEXT
    interested = path_options(GRAPH, at(fr_unit=M), Wishes(interests={"food", "sport"}))
    assert interested[0] == Option("fr.compare", "new", "Matches your interest: food")


def test_at_most_four_options() -> None:
    packs = [{"id": "p", "skills": [skill(f"s.n{n}") for n in range(12)]}]
    graph = Graph.from_packs(packs, {f"s.n{n}": 1 for n in range(12)})
    assert len(path_options(graph, {})) == MAX_OPTIONS


def test_bad_graphs_are_one_sentence() -> None:
    with pytest.raises(PathError, match="more than one pack"):
        Graph.from_packs([FRACTIONS, FRACTIONS], ITEMS)
    with pytest.raises(PathError, match="no id or title"):
        Graph.from_packs([{"skills": [{"id": "x.y"}]}], {})
    with pytest.raises(PathError, match="not text"):
        Graph.from_packs([{"skills": [{"id": "x.y", "title": "t", "requires": [3]}]}], {})


def test_offer_and_choice_are_event_data() -> None:
    options = path_options(GRAPH, {})
    offered = offered_data(options)
    assert offered == {"options": [{"skill": o.skill, "kind": o.kind, "reason": o.reason}
                                   for o in options]}
    Event.from_dict({"id": "s:1", "origin": "s", "seq": 1, "hlc": "0000000000001-00000000",
                     "learner": "ana", "type": "path_offered", "data": offered})
    assert chosen_data("s:1", options[1]) == {"offer": "s:1", "skill": options[1].skill}


def test_options_follow_the_answers_in_the_journal() -> None:
    mastery_skills = {node: Skill(BKTParams(), frozenset({"i1"})) for node in GRAPH.nodes}
    events = [Event(f"s:{n}", "s", n, f"{n:013d}-00000000", "ana", ANSWER,
                    {"skill": "fr.unit", "item": "i1", "correct": True, "response": "1",
                     "hints": 0, "attempt": 1}) for n in range(1, 5)]
    result = standings("ana", events, mastery_skills, {})
    assert {o.skill for o in path_options(GRAPH, result)} == {"fr.compare", "fr.equivalent",
                                                              "rd.letters"}


@st.composite
def graphs_and_standings(draw: st.DrawFn) -> tuple[Graph, dict[str, Standing]]:
    size = draw(st.integers(1, 25))
    names = [f"g.s{n}" for n in range(size)]
    skills = []
    for n, name in enumerate(names):
        # Prerequisites among earlier skills keep the graph acyclic, plus now and then a
        # skill of a pack that is not installed.
        requires = draw(st.lists(st.sampled_from(names[:n] + ["x.missing"]), max_size=3,
                                 unique=True)) if n else []
        skills.append(skill(name, *requires, tags=tuple(draw(st.lists(
            st.sampled_from(["music", "sport", "food"]), max_size=2)))))
    items = {name: draw(st.integers(0, 3)) for name in names}
    levels = draw(st.lists(st.sampled_from(list(Level)), min_size=size, max_size=size))
    result = {name: Standing(name, level, draw(st.floats(0, 1)))
              for name, level in zip(names, levels) if level != Level.NOT_STARTED or draw(st.booleans())}
    return Graph.from_packs([{"id": "g", "skills": skills}], items), result


@given(graphs_and_standings(), st.sets(st.sampled_from([f"g.s{n}" for n in range(25)])),
       st.sets(st.sampled_from(["music", "sport"])), st.sets(st.sampled_from(["g.s0", "g.s3"])))
def test_no_option_has_an_unmastered_prerequisite(case: tuple[Graph, dict[str, Standing]],
                                                  picked: set[str], interests: set[str],
                                                  due: set[str]) -> None:
    graph, levels = case
    wishes = Wishes(goals={s: "my goal" for s in picked}, assigned=picked, interests=interests,
                    due_reviews=due)
    options = path_options(graph, levels, wishes)

    def mastered(skill_id: str) -> bool:
        return skill_id in levels and levels[skill_id].level == Level.MASTERED

    eligible = [n for n in graph.nodes.values()
                if n.has_content and all(mastered(r) for r in n.requires)]
    assert len(options) <= MAX_OPTIONS
    assert len(options) >= min(2, len(eligible))
    assert len({o.skill for o in options}) == len(options)
    for option in options:
        node = graph.nodes[option.skill]
        assert node.has_content
        assert all(mastered(r) for r in node.requires), (option, node.requires)
        assert option.reason
        if option.kind == "new":
            assert option.skill not in levels or levels[option.skill].level == Level.NOT_STARTED
