"""The shipped content packs follow docs/pack-format.md and every answer key is right.

Reads the pack folders with json and pathlib only (no engine code), so the content can be
checked on its own. Number keys are re-computed from each item's `check` expression with a
small evaluator that accepts nothing but whole numbers, + - * /, unary minus and brackets.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.content_packs.arithmetic import (
    evaluate,
    in_lowest_terms,
    is_whole_number,
    parse_number,
)

CONTENT = Path(__file__).resolve().parents[2] / "content_packs"
PACK_DIRS = sorted(p.parent for p in CONTENT.glob("*/pack.json"))

ITEM_TYPES = {"choice", "number", "text", "order"}
MODALITIES = {"project", "experiment", "small_group"}
PACK_ID = re.compile(r"[a-z0-9]+(\.[a-z0-9-]+){2,}")
SKILL_ID = re.compile(r"[a-z0-9-]+\.[a-z0-9-]+")
SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
FILE_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9]+)?")
TAG = re.compile(r"[a-z]+")
# Plain ASCII plus the Latin-1 letters (no symbols): what every Linux console font shows.
CONSOLE_SAFE = re.compile(r"[\n\x20-\x7e\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*")
MAX_JSON_STRING = 10_000
MAX_LESSON_LINES = 60
MAX_LINE_WIDTH = 78  # an 80-column console, less its border


# --- loading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pack:
    root: Path
    meta: dict[str, Any]
    checks: dict[str, dict[str, Any]]  # skill id -> its checks file
    activities: list[dict[str, Any]]

    @property
    def items(self) -> list[dict[str, Any]]:
        return [item for doc in self.checks.values() for item in doc["items"]]


def load_pack(root: Path) -> Pack:
    meta = json.loads((root / "pack.json").read_text(encoding="utf-8"))
    checks = {
        skill["id"]: json.loads((root / skill["checks"]).read_text(encoding="utf-8"))
        for skill in meta["skills"]
    }
    activities = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((root / "activities").glob("*.json"))
    ]
    return Pack(root, meta, checks, activities)


@pytest.fixture(scope="module")
def all_packs() -> list[Pack]:
    return [load_pack(root) for root in PACK_DIRS]


@pytest.fixture(params=PACK_DIRS, ids=[p.name for p in PACK_DIRS])
def pack(request: pytest.FixtureRequest) -> Pack:
    return load_pack(request.param)


def shipped_skill_ids(packs: list[Pack]) -> set[str]:
    return {skill["id"] for p in packs for skill in p.meta["skills"]}


# --- the rules, one function per item type, each returning what is wrong ---------------


def common_problems(item: dict[str, Any]) -> list[str]:
    problems = []
    for field in ("id", "prompt", "explanation"):
        if not isinstance(item.get(field), str) or not item[field].strip():
            problems.append(f"{field} is missing or empty")
    feedback = item.get("feedback")
    if not isinstance(feedback, dict) or set(feedback) != {"right", "wrong"} or not all(
        isinstance(v, str) and v.strip() for v in feedback.values()
    ):
        problems.append("feedback needs non-empty 'right' and 'wrong'")
    # A one-line prompt is wrapped by the screen; hand-broken lines must fit it themselves.
    lines = str(item.get("prompt")).split("\n")
    if len(lines) > 1 and max(map(len, lines)) > MAX_LINE_WIDTH:
        problems.append("a hand-broken prompt line is wider than the console")
    hints = item.get("hints")
    if not isinstance(hints, list) or len(hints) < 2:
        problems.append("a hint ladder needs at least two hints")
    elif not all(isinstance(h, str) and h.strip() for h in hints) or len(set(hints)) != len(hints):
        problems.append("hints must be non-empty and different")
    interests = item.get("interests", [])
    if not isinstance(interests, list) or not all(
        isinstance(t, str) and TAG.fullmatch(t) for t in interests
    ):
        problems.append("interests must be lowercase words")
    return problems


def choice_problems(item: dict[str, Any]) -> list[str]:
    choices, answer = item.get("choices"), item.get("answer")
    if not isinstance(choices, list) or not 2 <= len(choices) <= 6:
        return ["a choice item needs 2 to 6 choices"]
    problems = []
    if len(set(choices)) != len(choices) or not all(
        isinstance(c, str) and c.strip() for c in choices
    ):
        problems.append("choices must be non-empty and different")
    if not isinstance(answer, list) or not answer:
        return problems + ["the answer must list at least one right choice"]
    in_range = all(type(i) is int and 0 <= i < len(choices) for i in answer)
    if not in_range or len(set(answer)) != len(answer):
        problems.append(f"answer {answer} is not a set of indices into {len(choices)} choices")
    if type(item.get("multiple")) is not bool:
        problems.append("multiple must be true or false")
    elif not item["multiple"] and len(answer) != 1:
        problems.append("a single-answer item must have exactly one right choice")
    return problems


def number_problems(item: dict[str, Any]) -> list[str]:
    answer, check = item.get("answer"), item.get("check")
    try:
        value = parse_number(answer)
    except (TypeError, ValueError) as error:
        return [f"answer: {error}"]
    problems = []
    if item.get("forms", "equivalent") not in {"equivalent", "exact"}:
        problems.append("forms must be 'equivalent' or 'exact'")
    if item.get("forms") == "exact" and not in_lowest_terms(answer):
        problems.append(f"an exact answer must be in simplest form, not {answer!r}")
    tolerance = item.get("tolerance", 0)
    if type(tolerance) not in (int, float) or tolerance < 0:
        problems.append("tolerance must be a number of at least 0")
    if not isinstance(check, str):
        return problems + ["a number item needs a check expression"]
    try:
        expected = evaluate(check)
    except ValueError as error:
        return problems + [f"check {check!r}: {error}"]
    if expected != value:
        problems.append(f"check {check!r} is {expected}, but the answer key says {answer!r}")
    if not _mentions(str(item.get("explanation")), answer):
        problems.append(f"the explanation never states the answer {answer!r}")
    return problems


def text_problems(item: dict[str, Any]) -> list[str]:
    answers = item.get("answers")
    if not isinstance(answers, list) or not answers:
        return ["a text item needs accepted answers"]
    if not all(isinstance(a, str) and a.strip() for a in answers):
        return ["accepted answers must be non-empty"]
    normalized = [" ".join(a.split()).casefold() for a in answers]
    if len(set(normalized)) != len(normalized):
        return ["accepted answers repeat each other after normalizing"]
    return []


def order_problems(item: dict[str, Any]) -> list[str]:
    entries, answer = item.get("entries"), item.get("answer")
    if not isinstance(entries, list) or not 2 <= len(entries) <= 8:
        return ["an order item needs 2 to 8 entries"]
    if not isinstance(answer, list) or sorted(answer) != list(range(len(entries))):
        return [f"answer {answer} is not an ordering of the {len(entries)} entries"]
    if len(set(entries)) != len(entries):
        return ["entries must be different"]
    values = item.get("values")
    if values is None:
        if all(_is_number(e) for e in entries):
            return ["an order item of numbers needs values"]
        return []
    if not isinstance(values, list) or len(values) != len(entries):
        return ["values need one number per entry"]
    try:
        numbers = [parse_number(v) for v in values]
    except (TypeError, ValueError) as error:
        return [f"values: {error}"]
    problems = [
        f"entry {entry!r} does not have the value {value!r}"
        for entry, value, number in zip(entries, values, numbers)
        if _is_number(entry) and parse_number(entry) != number
    ]
    direction = item.get("direction", "ascending")
    if direction not in {"ascending", "descending"}:
        return problems + ["direction must be 'ascending' or 'descending'"]
    in_order = [numbers[i] for i in answer]
    if direction == "descending":
        in_order.reverse()
    # Strictly increasing: with a tie two orders would be right but only one accepted.
    if any(a >= b for a, b in zip(in_order, in_order[1:])):
        problems.append(f"answer {answer} does not sort the entries {direction} by value")
    return problems


TYPE_RULES: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "choice": choice_problems,
    "number": number_problems,
    "text": text_problems,
    "order": order_problems,
}


def item_problems(item: dict[str, Any]) -> list[str]:
    rule = TYPE_RULES.get(item.get("type"))
    if rule is None:
        return [f"unknown item type {item.get('type')!r}"]
    return common_problems(item) + rule(item) + hint_problems(item)


def hint_problems(item: dict[str, Any]) -> list[str]:
    """The first hint leads toward the answer; it must not simply state it."""
    hints = item.get("hints")
    if not isinstance(hints, list) or not hints or not isinstance(hints[0], str):
        return []  # reported by common_problems
    first = hints[0]
    if item["type"] == "text":
        answers = item.get("answers")
        answers = answers if isinstance(answers, list) else []
        given = [a for a in answers if isinstance(a, str) and _mentions_word(first, a)]
        return [f"the first hint gives away {given[0]!r}"] if given else []
    if item["type"] == "number" and not is_whole_number(str(item.get("answer"))):
        if _mentions(first, item["answer"]):
            return [f"the first hint gives away {item['answer']!r}"]
    return []


def _is_number(text: str) -> bool:
    try:
        parse_number(text.strip())
    except ValueError:
        return False
    return True


def _mentions(text: str, number: str) -> bool:
    return re.search(rf"(?<![\d./]){re.escape(number)}(?![\d/]|\.\d)", text) is not None


def _mentions_word(text: str, words: str) -> bool:
    return re.search(rf"\b{re.escape(words)}\b", text, re.IGNORECASE) is not None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


# --- the shipped packs ------------------------------------------------------------------


def test_both_packs_are_shipped(all_packs: list[Pack]) -> None:
    ids = {p.meta["id"] for p in all_packs}
    assert {"org.pathstone.math.fractions", "org.pathstone.science.water-cycle"} <= ids
    assert len({p.meta["grade_band"] for p in all_packs}) >= 2


def test_pack_json_has_every_required_field(pack: Pack) -> None:
    meta = pack.meta
    assert meta["format"] == 1
    assert PACK_ID.fullmatch(meta["id"])
    assert SEMVER.fullmatch(meta["version"])
    for field in ("title", "language", "grade_band", "license"):
        assert isinstance(meta[field], str) and meta[field].strip(), field
    for field in ("subjects", "authors", "skills"):
        assert isinstance(meta[field], list) and meta[field], field
    for skill in meta["skills"]:
        assert SKILL_ID.fullmatch(skill["id"]), skill["id"]
        assert isinstance(skill["title"], str) and skill["title"].strip()
        assert isinstance(skill["requires"], list)
        assert isinstance(skill.get("standard", ""), str)
        assert all(TAG.fullmatch(t) for t in skill.get("tags", [])), skill["id"]
        assert skill["lesson"].startswith("lessons/") and skill["lesson"].endswith(".md")
        assert skill["checks"].startswith("checks/") and skill["checks"].endswith(".json")
        mastery = skill.get("mastery", {"model": "bkt"})
        assert mastery["model"] in {"bkt", "m_of_n", "n_in_a_row"}
        if mastery["model"] == "bkt":
            assert all(0 < mastery.get(k, 0.1) < 1 for k in ("prior", "learn", "guess", "slip"))


def test_only_allowed_files_with_allowed_names(pack: Pack) -> None:
    allowed = {"pack.json": None, "lessons": ".md", "checks": ".json", "activities": ".json"}
    for path in pack.root.rglob("*"):
        relative = path.relative_to(pack.root)
        assert not path.is_symlink(), relative
        assert all(FILE_NAME.fullmatch(part) for part in relative.parts), relative
        assert relative.parts[0] in allowed, relative
        if len(relative.parts) > 1:
            assert len(relative.parts) == 2 and path.suffix == allowed[relative.parts[0]], relative
    referenced = {s[kind] for s in pack.meta["skills"] for kind in ("lesson", "checks")}
    on_disk = {
        p.relative_to(pack.root).as_posix()
        for folder in ("lessons", "checks")
        for p in (pack.root / folder).iterdir()
    }
    assert on_disk == referenced, "every lesson and checks file belongs to exactly one skill"


def test_skill_ids_are_unique_across_every_shipped_pack(all_packs: list[Pack]) -> None:
    ids = [skill["id"] for p in all_packs for skill in p.meta["skills"]]
    assert len(ids) == len(set(ids))


def test_prerequisites_resolve_and_have_no_cycle(all_packs: list[Pack]) -> None:
    graph = {skill["id"]: skill["requires"] for p in all_packs for skill in p.meta["skills"]}
    missing = {(s, r) for s, reqs in graph.items() for r in reqs if r not in graph}
    assert not missing
    assert find_cycle(graph) is None


def test_the_prerequisite_graph_is_more_than_a_chain(pack: Pack) -> None:
    skills = pack.meta["skills"]
    assert any(len(s["requires"]) >= 2 for s in skills)
    prerequisites = [r for s in skills for r in s["requires"]]
    assert any(prerequisites.count(r) >= 2 for r in prerequisites), "some skill opens two branches"


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A cycle of skills as a list, or None; depth-first with three colours."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in graph.get(node, []):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]  # an open node is always on the path
            if nxt not in state and (cycle := visit(nxt, path + [nxt])):
                return cycle
        state[node] = "done"
        return None

    for start in graph:
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def test_cycle_finder_finds_a_cycle() -> None:
    cycle = find_cycle({"a.x": ["a.y"], "a.y": ["a.z"], "a.z": ["a.x"]})
    assert cycle == ["a.x", "a.y", "a.z", "a.x"]
    assert find_cycle({"a.x": ["a.y"], "a.y": [], "a.z": ["a.x", "a.y"]}) is None


def test_every_skill_has_its_lesson_and_checks(pack: Pack) -> None:
    for skill in pack.meta["skills"]:
        assert (pack.root / skill["lesson"]).is_file(), skill["lesson"]
        assert (pack.root / skill["checks"]).is_file(), skill["checks"]
        assert pack.checks[skill["id"]]["skill"] == skill["id"]


def test_sizes_meet_the_minimums(pack: Pack) -> None:
    assert len(pack.meta["skills"]) >= 10
    assert len(pack.items) >= 60
    assert len(pack.activities) >= 2
    for skill_id, doc in pack.checks.items():
        assert len(doc["items"]) >= 5, skill_id
    assert {item["type"] for item in pack.items} == ITEM_TYPES


def test_item_ids_are_unique_in_the_pack(pack: Pack) -> None:
    ids = [item["id"] for item in pack.items]
    assert len(ids) == len(set(ids))


def test_every_answer_key_and_item_is_right(pack: Pack) -> None:
    problems = [f"{item.get('id')}: {p}" for item in pack.items for p in item_problems(item)]
    assert problems == []


def test_every_skill_has_interest_themed_variants(pack: Pack) -> None:
    for skill in pack.meta["skills"]:
        items = pack.checks[skill["id"]]["items"]
        interests = {t for item in items for t in item.get("interests", [])}
        assert len(interests) >= 2, skill["id"]
        assert interests <= set(skill.get("tags", [])), skill["id"]
    themes = {t for item in pack.items for t in item.get("interests", [])}
    assert {"sport", "music", "cooking"} <= themes


def test_activities_have_rubrics_and_known_skills(pack: Pack, all_packs: list[Pack]) -> None:
    known = shipped_skill_ids(all_packs)
    ids = [activity["id"] for activity in pack.activities]
    assert len(ids) == len(set(ids))
    for activity in pack.activities:
        assert SKILL_ID.fullmatch(activity["id"])
        assert activity["skills"] and set(activity["skills"]) <= known, activity["id"]
        assert activity["modality"] in MODALITIES
        for field in ("title", "description", "evidence"):
            assert activity[field].strip(), (activity["id"], field)
        assert activity["steps"] and all(step.strip() for step in activity["steps"])
        levels = activity["rubric"]["levels"]
        level_ids = [level["id"] for level in levels]
        assert len(levels) >= 3 and len(level_ids) == len(set(level_ids))
        assert all(level["label"].strip() and level["descriptor"].strip() for level in levels)
        assert activity["rubric"]["proficient"] in level_ids


def test_all_text_is_console_safe(pack: Pack) -> None:
    documents = [pack.meta, *pack.checks.values(), *pack.activities]
    for text in (s for doc in documents for s in _strings(doc)):
        assert CONSOLE_SAFE.fullmatch(text), repr(text)
        assert len(text) <= MAX_JSON_STRING
    for path in (pack.root / "lessons").glob("*.md"):
        assert CONSOLE_SAFE.fullmatch(path.read_text(encoding="utf-8")), path.name


def test_lessons_are_short_with_a_worked_example(pack: Pack) -> None:
    for skill in pack.meta["skills"]:
        lines = (pack.root / skill["lesson"]).read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("# "), skill["lesson"]
        assert len(lines) <= MAX_LESSON_LINES, skill["lesson"]
        assert max(len(line) for line in lines) <= MAX_LINE_WIDTH, skill["lesson"]
        assert any(line.lower().startswith("## worked example") for line in lines), skill["lesson"]


# --- the checks themselves can fail -----------------------------------------------------


def _first_item(kind: str) -> dict[str, Any]:
    pack = load_pack(CONTENT / "fractions")
    return copy.deepcopy(next(item for item in pack.items if item["type"] == kind))


def test_a_wrong_number_key_is_caught() -> None:
    item = _first_item("number")
    assert number_problems(item) == []
    item["answer"] = str(parse_number(item["answer"]) + 1)
    assert any("answer key says" in p for p in number_problems(item))


def test_a_number_key_not_in_simplest_form_is_caught() -> None:
    item = _first_item("number")
    item.update(answer="6/8", check="3/4", forms="exact")
    assert any("simplest form" in p for p in number_problems(item))


def test_a_wrong_order_key_is_caught() -> None:
    items = load_pack(CONTENT / "fractions").items
    item = next(i for i in items if i["type"] == "order" and "values" in i)
    wrong = copy.deepcopy(item)
    wrong["answer"] = list(reversed(item["answer"]))
    assert order_problems(item) == []
    assert order_problems(wrong)
    wrong["answer"] = item["answer"][:-1]
    assert order_problems(wrong)


def test_a_wrong_choice_key_is_caught() -> None:
    item = _first_item("choice")
    item["answer"] = [len(item["choices"])]
    assert choice_problems(item)
    item["answer"] = []
    assert choice_problems(item)


def test_a_first_hint_that_gives_the_answer_away_is_caught() -> None:
    item = _first_item("text")
    item["hints"] = [f"The answer is {item['answers'][0]}.", *item["hints"]]
    assert hint_problems(item)


@pytest.mark.parametrize(
    "item",
    [{"type": "text", "id": "x"}, {"type": "number", "id": "x", "hints": "one"},
     {"type": "order"}, {"type": "quiz"}],
)
def test_a_malformed_item_is_reported_not_crashed_on(item: dict[str, Any]) -> None:
    assert item_problems(item)
