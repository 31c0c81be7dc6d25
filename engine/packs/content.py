"""The content of a pack folder: which files it may hold, their shapes, and the rules
that span files (unique ids, references, answer keys that fit their items, no cycles).

`check_folder` is the full check run by `pack build`, `pack verify` and `pack install`
on untrusted files; `load_folder` reads an installed pack (checked when it was
installed) into records for the rest of the engine.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from engine import checks
from engine.errors import PathstoneError

FORMAT = 1
MAX_STRING = 10_000
MAX_DEPTH = 16
_MAX_NUMBER_CHARS = 24
_NAME = r"[a-z0-9][a-z0-9_-]{0,99}"
LAYOUT = re.compile(rf"^(pack\.json|lessons/{_NAME}\.md|checks/{_NAME}\.json|activities/{_NAME}\.json)$")
DEFAULT_MASTERY: Mapping[str, Any] = {"model": "bkt", "prior": 0.2, "learn": 0.15, "guess": 0.2, "slip": 0.1}


class PackError(PathstoneError):
    """A pack that cannot be built, verified or installed; the message says why."""


@dataclass(frozen=True)
class Skill:
    id: str
    pack: str
    title: str
    requires: tuple[str, ...]
    lesson: str
    checks: str
    tags: tuple[str, ...]
    mastery: Mapping[str, Any]
    standard: str | None = None
    case_uri: str | None = None


@dataclass(frozen=True)
class PackContent:
    """One pack's data: pack.json as written, and its skills, items and activities."""

    id: str
    version: str
    title: str
    data: Mapping[str, Any]
    skills: tuple[Skill, ...]
    items: Mapping[str, tuple[Mapping[str, Any], ...]]
    activities: tuple[Mapping[str, Any], ...]

    @property
    def item_count(self) -> int:
        return sum(len(items) for items in self.items.values())

    def item_types(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for items in self.items.values():
            for item in items:
                counts[item["type"]] = counts.get(item["type"], 0) + 1
        return counts


def version_key(version: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in version.split("."))
    return major, minor, patch


# -- reading untrusted files ------------------------------------------------------------


def read_text(root: Path, name: str) -> str:
    try:
        return (root / name).read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise PackError(f"{name} is not valid UTF-8 text (bad byte at position {error.start}).") from None


def parse_json(raw: bytes, name: str) -> Any:
    """JSON from untrusted bytes: UTF-8, no NaN, no duplicate keys, bounded numbers,
    strings and nesting, so that nothing later has to guard against them."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PackError(f"{name} is not valid UTF-8 text (bad byte at position {error.start}).") from None
    try:
        value = json.loads(
            text, object_pairs_hook=_no_duplicates, parse_int=_bounded_int,
            parse_float=_bounded_float, parse_constant=_no_constant)
    except _Refused as error:
        raise PackError(f"{name} {error.args[0]}.") from None
    except RecursionError:
        raise PackError(f"{name} is nested too deeply to be a pack file.") from None
    except ValueError as error:
        raise PackError(f"{name} is not valid JSON ({error}).") from None
    _check_bounds(value, name, 0)
    return value


class _Refused(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f"has the key {key[:40]!r} twice in one object")
        result[key] = value
    return result


def _bounded_int(text: str) -> int:
    if len(text) > _MAX_NUMBER_CHARS:
        raise _Refused(f"holds a number with {len(text)} digits, more than any pack needs")
    return int(text)


def _bounded_float(text: str) -> float:
    value = float(text) if len(text) <= _MAX_NUMBER_CHARS else math.inf
    if not math.isfinite(value):
        raise _Refused(f"holds the number {text[:30]}…, which is too large")
    return value


def _no_constant(text: str) -> None:
    raise _Refused(f"holds {text}, which is not a number pack files may use")


def _check_bounds(value: Any, name: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise PackError(f"{name} is nested more than {MAX_DEPTH} levels deep.")
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise PackError(f"{name} holds a text of {len(value)} characters; the limit is {MAX_STRING}.")
    elif isinstance(value, dict):
        for key, inner in value.items():
            _check_bounds(key, name, depth + 1)
            _check_bounds(inner, name, depth + 1)
    elif isinstance(value, list):
        for inner in value:
            _check_bounds(inner, name, depth + 1)


# -- the full check ---------------------------------------------------------------------


def check_folder(root: Path, names: Iterable[str]) -> PackContent:
    """Check every rule of format 1 on the files `names` under `root`; PackError if any fails."""
    names = sorted(names)
    for name in names:
        if not LAYOUT.match(name):
            raise PackError(
                f"{name} is not part of a format 1 pack (only pack.json, lessons/*.md, "
                "checks/*.json and activities/*.json, in lowercase names).")
    if "pack.json" not in names:
        raise PackError("The pack has no pack.json.")
    pack = parse_json((root / "pack.json").read_bytes(), "pack.json")
    if not isinstance(pack, dict):
        raise PackError("pack.json must hold a JSON object.")
    if pack.get("format") != FORMAT:
        raise PackError(
            f"The pack is in format {str(pack.get('format'))[:20]}, but this station reads only "
            f"format {FORMAT}; update the station's software to install it.")
    _validate("pack", pack, "pack.json")
    files: dict[str, Any] = {}
    for name in names:
        if name.endswith(".md"):
            read_text(root, name)
        elif name != "pack.json":
            files[name] = parse_json((root / name).read_bytes(), name)
            _validate("checks" if name.startswith("checks/") else "activity", files[name], name)
    content = _assemble(pack, files)
    _check_references(content, set(names), files)
    cycle = find_cycle({s.id: s.requires for s in content.skills})
    if cycle:
        raise PackError(f"The prerequisites form a cycle: {' → '.join(cycle)}.")
    return content


@cache
def _validators() -> dict[str, Any]:
    from jsonschema import Draft202012Validator

    schema = json.loads(resources.files("engine.packs").joinpath("format1.schema.json").read_bytes())
    return {
        kind: Draft202012Validator({"$ref": f"#/$defs/{kind}", "$defs": schema["$defs"]})
        for kind in ("pack", "checks", "activity")
    }


def _validate(kind: str, value: Any, name: str) -> None:
    from jsonschema.exceptions import best_match

    error = best_match(_validators()[kind].iter_errors(value))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "the top level"
        message = error.message if len(error.message) <= 200 else error.message[:200] + "…"
        raise PackError(f"{name} is wrong at {where}: {message}.")


def _check_references(content: PackContent, names: set[str], files: Mapping[str, Any]) -> None:
    skills = {skill.id: skill for skill in content.skills}
    if len(skills) != len(content.skills):
        raise PackError(f"pack.json lists the skill {_first_duplicate(s.id for s in content.skills)} twice.")
    for skill in content.skills:
        for needed in (skill.lesson, skill.checks):
            if needed not in names:
                raise PackError(f"Skill {skill.id} names {needed}, which is not in the pack.")
        if skill.id in skill.requires:
            raise PackError(f"Skill {skill.id} requires itself.")
    owners = {skill.checks: skill.id for skill in content.skills}
    item_ids: set[str] = set()
    for name, data in files.items():
        if not name.startswith("checks/"):
            continue
        if data["skill"] not in skills:
            raise PackError(f"{name} holds checks for the skill {data['skill']}, which the pack does not have.")
        if owners.get(name) != data["skill"]:
            raise PackError(f"{name} holds checks for {data['skill']}, but that skill names {skills[data['skill']].checks}.")
        for item in data["items"]:
            if item["id"] in item_ids:
                raise PackError(f"The item id {item['id']} is used twice in the pack.")
            item_ids.add(item["id"])
            _check_item(item, name)
    activity_ids: set[str] = set()
    for activity in content.activities:
        if activity["id"] in activity_ids:
            raise PackError(f"The activity id {activity['id']} is used twice in the pack.")
        activity_ids.add(activity["id"])
        missing = [s for s in activity["skills"] if s not in skills]
        if missing:
            raise PackError(f"Activity {activity['id']} is for the skill {missing[0]}, which the pack does not have.")
        levels = [level["id"] for level in activity["rubric"]["levels"]]
        if len(set(levels)) != len(levels):
            raise PackError(f"Activity {activity['id']} has two rubric levels with the same id.")
        if activity["rubric"]["proficient"] not in levels:
            raise PackError(f"Activity {activity['id']} names a proficient level that is not one of its levels.")


def _check_item(item: Mapping[str, Any], name: str) -> None:
    kind, label = item["type"], f"Item {item['id']} in {name}"
    if kind == "choice":
        if any(i >= len(item["choices"]) for i in item["answer"]):
            raise PackError(f"{label} gives an answer index beyond its {len(item['choices'])} choices.")
        if not item.get("multiple", False) and len(item["answer"]) != 1:
            raise PackError(f"{label} has several right choices but is not marked \"multiple\": true.")
    elif kind == "number":
        if _value(item["answer"]) is None:
            raise PackError(f"{label} has the answer {item['answer']!r}, which divides by zero.")
    elif kind == "order":
        count = len(item["entries"])
        if sorted(item["answer"]) != list(range(count)):
            raise PackError(f"{label} must list each of its {count} entries exactly once in its answer.")
        values = item.get("values")
        if values is not None and (len(values) != count or any(_value(v) is None for v in values)):
            raise PackError(f"{label} must give one valid value per entry.")
        if values is not None:
            ordered = [_value(values[i]) for i in item["answer"]]
            if item.get("direction", "ascending") == "descending":
                ordered.reverse()
            if ordered != sorted(ordered):  # type: ignore[type-var]
                raise PackError(f"{label} has an answer that does not sort its entries by their values.")


def _value(text: str) -> Fraction | None:
    """A number answer's value as the grader reads it (None if it cannot)."""
    number = checks.parse_number(text)
    return number.value if number else None


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """A prerequisite cycle in `graph` (skill → required skills) as a path, or []."""
    done: set[str] = set()
    for start in graph:
        if start in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack: list[tuple[str, Any]] = [(start, iter(graph.get(start, ())))]
        path.append(start)
        on_path.add(start)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                on_path.discard(node)
                done.add(node)
            elif child in on_path:
                return path[path.index(child):] + [child]
            elif child not in done and child in graph:
                stack.append((child, iter(graph[child])))
                path.append(child)
                on_path.add(child)
    return []


def _first_duplicate(values: Iterable[str]) -> str:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return ""


# -- reading a checked pack -------------------------------------------------------------


def load_folder(root: Path) -> PackContent:
    """Read a pack that was checked when installed (OSError/ValueError if damaged since)."""
    pack = json.loads((root / "pack.json").read_bytes())
    files = {}
    for folder in ("checks", "activities"):
        for path in sorted((root / folder).glob("*.json")) if (root / folder).is_dir() else ():
            files[f"{folder}/{path.name}"] = json.loads(path.read_bytes())
    return _assemble(pack, files)


def _assemble(pack: Mapping[str, Any], files: Mapping[str, Any]) -> PackContent:
    skills = tuple(
        Skill(
            id=s["id"], pack=pack["id"], title=s["title"], requires=tuple(s["requires"]),
            lesson=s["lesson"], checks=s["checks"], tags=tuple(s.get("tags", ())),
            mastery=_mastery(s.get("mastery")),
            standard=s.get("standard"), case_uri=s.get("case_uri"),
        )
        for s in pack["skills"]
    )
    items: dict[str, tuple[Mapping[str, Any], ...]] = {skill.id: () for skill in skills}
    activities = []
    for name, data in sorted(files.items()):
        if name.startswith("checks/"):
            items[data["skill"]] = items.get(data["skill"], ()) + tuple(data["items"])
        else:
            activities.append(data)
    return PackContent(pack["id"], pack["version"], pack["title"], pack, skills, items, tuple(activities))


def _mastery(given: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A skill's mastery settings, with the BKT defaults filled in."""
    if given is None or given["model"] == "bkt":
        return {**DEFAULT_MASTERY, **(given or {})}
    return dict(given)
