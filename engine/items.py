"""Item selection: which check of a skill to show next.

Items never answered come first, then items whose last answer was wrong (the one
missed longest ago first), then the rest (the one seen longest ago first).  Within each of
these, items whose `interests` match the learner's come before the others, and a seeded
shuffle breaks the remaining ties, so the same history and seed give the same item.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from operator import attrgetter
from typing import Any

from engine.event import Event
from engine.mastery import ANSWER, read_answer

_UNSEEN, _MISSED, _SEEN = range(3)


def next_item(items: Sequence[Mapping[str, Any]], history: Iterable[Event], skill: str,
              interests: Collection[str], seed: int | str) -> Mapping[str, Any] | None:
    """The item of `skill` to show next, or None when the skill has no items.

    `history` is the learner's events (any types, any order); `items` the skill's items
    from its pack.
    """
    seen: dict[str, int] = {}
    missed: dict[str, int] = {}
    answers = sorted((e for e in history if e.type == ANSWER), key=attrgetter("hlc", "id"))
    for order, event in enumerate(answers):
        answer = read_answer(event.data)
        if answer is None or answer.skill != skill:
            continue
        seen[answer.item] = order
        if answer.correct:
            missed.pop(answer.item, None)
        else:
            missed[answer.item] = order
    shuffle = random.Random(str(seed))
    ranked = []
    for item in items:
        item_id = item.get("id")
        if not isinstance(item_id, str):
            continue
        tags = item.get("interests")
        matches = isinstance(tags, list) and any(tag in interests for tag in tags
                                                 if isinstance(tag, str))
        if item_id in missed:
            tier, when = _MISSED, missed[item_id]
        elif item_id in seen:
            tier, when = _SEEN, seen[item_id]
        else:
            tier, when = _UNSEEN, 0
        ranked.append((tier, not matches, when, shuffle.random(), item))
    return min(ranked, key=lambda rank: rank[:4])[4] if ranked else None
