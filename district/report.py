"""Reports for people and for a learning record store.

CSV: one row per learner and skill, with the counted answers and P(known) by Bayesian
Knowledge Tracing with the default parameters (the district holds no pack-specific
criteria; a station's own level may differ where its pack sets other parameters).

xAPI: one statement per event about a learner.  The statement id is a UUID derived
from the school and event id, so sending the same events twice to a learning record
store gives the same statements, which it deduplicates.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from engine.event import Event
from engine.mastery import ANSWER, BKTParams, evidence_sequences, knowledge_trace, read_answer

_NAMESPACE = uuid.UUID("6f0b8a52-3c1e-4d7a-9c55-2b1f0e7a9d31")
_BASE = "https://pathstone.invalid"


def mastery_csv(events: Iterable[Event]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["learner", "skill", "answers", "right", "p_known"])
    rows = []
    for skill, learners in evidence_sequences(events).items():
        for learner, answers in learners.items():
            p_known = knowledge_trace(answers, BKTParams())[-1]
            rows.append([learner, skill, len(answers), sum(answers), f"{p_known:.3f}"])
    writer.writerows(sorted(rows))
    return out.getvalue()


def statement(school: str, event: Event) -> dict[str, Any]:
    """One xAPI statement.  Only ids travel, never the event's data (a learner_added
    event holds the child's name); answers add the skill and whether it was right."""
    answer = read_answer(event.data) if event.type == ANSWER else None
    target = f"skill/{answer.skill}" if answer else f"event-type/{event.type}"
    made: dict[str, Any] = {
        "id": str(uuid.uuid5(_NAMESPACE, f"{school}/{event.id}")),
        "actor": {"objectType": "Agent",
                  "account": {"homePage": f"{_BASE}/school/{school}", "name": event.learner}},
        "verb": {"id": f"{_BASE}/verb/{event.type}", "display": {"en": event.type.replace("_", " ")}},
        "object": {"objectType": "Activity", "id": f"{_BASE}/school/{school}/{target}"},
        "timestamp": datetime.fromtimestamp(event.stamp.wall_ms / 1000, UTC).isoformat(
            timespec="milliseconds"),
        "context": {"extensions": {f"{_BASE}/event-id": event.id}},
    }
    if answer:
        made["result"] = {"success": answer.right}
    return made


def xapi_statements(school: str, events: Iterable[Event]) -> str:
    return json.dumps([statement(school, e) for e in events if e.learner is not None], indent=1)
