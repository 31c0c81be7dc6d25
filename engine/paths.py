"""Path options: the 2-4 next steps a learner is offered after signing in, each with why.

Pure: the options follow from the skill graph of the installed packs, the learner's
standings (engine.mastery) and what else speaks for a skill (goals, the teacher's
assignments, interests, reviews that are due).  Only skills whose every prerequisite is
mastered are offered, and only skills with content to work on.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import PathstoneError
from engine.mastery import Level, Standing

# The event types this module owns.
PATH_OFFERED = "path_offered"
"""The options shown: `{"options": [{"skill", "kind", "reason"}, ...]}`."""
PATH_CHOSEN = "path_chosen"
"""The option picked: `{"offer": id of the path_offered event, "skill": skill id}`."""

MIN_OPTIONS = 2
MAX_OPTIONS = 4
GOAL_TEXT = 48  # characters of a goal's text shown in a reason
_KEEP_FRESH = "Keep it fresh: a quick review"


class PathError(PathstoneError):
    """A skill graph that cannot be used."""


@dataclass(frozen=True)
class Node:
    """One skill of the graph."""

    id: str
    title: str
    requires: tuple[str, ...]
    tags: tuple[str, ...]
    has_content: bool


@dataclass(frozen=True)
class Graph:
    """The prerequisite graph of every installed skill."""

    nodes: Mapping[str, Node]
    unlocks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_packs(cls, packs: Iterable[Mapping[str, Any]], items: Mapping[str, int]) -> Graph:
        """From `pack.json` mappings and the number of check items of each skill.

        A skill with no items has nothing to practise at the station, so it is never
        offered.  Prerequisites may name skills of packs that are not installed: such a
        skill is simply never ready.
        """
        nodes: dict[str, Node] = {}
        for pack in packs:
            for skill in pack.get("skills", ()):
                node = _node(skill, items)
                if node.id in nodes:
                    raise PathError(f"Skill {node.id!r} is in more than one pack.")
                nodes[node.id] = node
        unlocks: dict[str, list[str]] = {}
        for node in nodes.values():
            for prerequisite in node.requires:
                unlocks.setdefault(prerequisite, []).append(node.id)
        return cls(nodes, {k: tuple(v) for k, v in unlocks.items()})


def _node(skill: Mapping[str, Any], items: Mapping[str, int]) -> Node:
    try:
        skill_id, title = skill["id"], skill["title"]
        requires, tags = tuple(skill.get("requires", ())), tuple(skill.get("tags", ()))
    except (KeyError, TypeError):
        raise PathError("A skill in pack.json has no id or title.") from None
    if not all(isinstance(x, str) for x in (skill_id, title, *requires, *tags)):
        raise PathError(
            f"Skill {skill_id!r} has an id, title, prerequisite or tag that is not text.")
    return Node(skill_id, title, requires, tags, items.get(skill_id, 0) > 0)


@dataclass(frozen=True)
class Option:
    """One next step: `kind` is `new`, `continue` or `review`; `reason` is for the child."""

    skill: str
    kind: str
    reason: str


@dataclass(frozen=True)
class Wishes:
    """What speaks for a skill besides the graph: goals, assignments, interests, reviews.

    `goals` maps a skill to the text of the learner's goal that targets it.
    """

    goals: Mapping[str, str] = field(default_factory=dict)
    assigned: Collection[str] = frozenset()
    interests: Collection[str] = frozenset()
    due_reviews: Collection[str] = frozenset()


# Lower ranks come first; each candidate takes the best rank that applies to it.
_ASSIGNED, _REDO, _GOAL, _NEARLY, _DUE, _INTEREST, _CONTINUE, _UNLOCKS, _READY = range(9)


def path_options(graph: Graph, standings: Mapping[str, Standing],
                 wishes: Wishes = Wishes()) -> list[Option]:
    """Up to four ranked next steps, at least two wherever the graph has two to offer.

    A skill with no standing counts as not started.  When nothing is ready, in progress
    or due, mastered skills come back as reviews, so nobody meets an empty screen.
    """
    def level(skill_id: str) -> Level:
        standing = standings.get(skill_id)
        return standing.level if standing is not None else Level.NOT_STARTED

    ranked: list[tuple[int, float, str, Option]] = []
    spare: list[tuple[float, str, Option]] = []
    for node in graph.nodes.values():
        if not node.has_content or any(level(r) != Level.MASTERED for r in node.requires):
            continue
        current = level(node.id)
        p_known = standings[node.id].p_known if node.id in standings else 0.0
        if current == Level.MASTERED and node.id not in wishes.due_reviews:
            spare.append((p_known, node.id, Option(node.id, "review", _KEEP_FRESH)))
            continue
        opened = sum(1 for after in graph.unlocks.get(node.id, ())
                     if after in graph.nodes and level(after) == Level.NOT_STARTED
                     and all(r == node.id or level(r) == Level.MASTERED
                             for r in graph.nodes[after].requires))
        rank, option = _best(node, current, opened, wishes)
        ranked.append((rank, -opened, node.id, option))
    options = [option for *_, option in sorted(ranked)[:MAX_OPTIONS]]
    if len(options) < MIN_OPTIONS:
        options += [option for *_, option in sorted(spare)[:MIN_OPTIONS - len(options)]]
    return options


def _best(node: Node, current: Level, opened: int, wishes: Wishes) -> tuple[int, Option]:
    kind = {Level.NOT_STARTED: "new", Level.PRACTISING: "continue",
            Level.NEARLY_THERE: "continue"}.get(current, "review")
    interest = next((tag for tag in node.tags if tag in wishes.interests), None)
    reasons = [
        (node.id in wishes.assigned, _ASSIGNED, "Your teacher picked this"),
        (current == Level.NEEDS_REVIEW, _REDO, "Let's practise this again"),
        (node.id in wishes.goals, _GOAL, f"Your goal: {_short(wishes.goals.get(node.id, ''))}"),
        (current == Level.NEARLY_THERE, _NEARLY, "You're nearly there!"),
        (kind == "review", _DUE, "Time to review"),
        (interest is not None, _INTEREST, f"Matches your interest: {interest}"),
        (kind == "continue", _CONTINUE, "Keep going where you left off"),
        (opened > 0, _UNLOCKS, f"Unlocks {opened} new skill{'s' if opened != 1 else ''}"),
        (True, _READY, "A good place to start" if not node.requires else "You're ready for this"),
    ]
    rank, reason = next((rank, reason) for applies, rank, reason in reasons if applies)
    return rank, Option(node.id, kind, reason)


def _short(text: str) -> str:
    """A goal's text cut to fit a reason on the home screen."""
    return text if len(text) <= GOAL_TEXT else text[:GOAL_TEXT - 1].rstrip() + "…"


def offered_data(options: Iterable[Option]) -> dict[str, Any]:
    """The data of the `path_offered` event that records what was shown."""
    return {"options": [{"skill": o.skill, "kind": o.kind, "reason": o.reason} for o in options]}


def chosen_data(offer_id: str, option: Option) -> dict[str, Any]:
    """The data of the `path_chosen` event that records the pick."""
    return {"offer": offer_id, "skill": option.skill}
