"""Roster changes made at the district.

A roster file (OneRoster `users.csv` or plain CSV, read and planned by `engine.roster`
exactly as a station would) becomes roster events of the school with the district as
their origin.  They are stored like any station's events, so they reach the school's
stations with the next sync, by network or by bundle, and fold into each station's
roster the same way wherever they arrive first.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from district.bundles import SENDER
from district.schools import find_school
from district.store import Store
from engine import roster
from engine.clock import ZERO, HybridClock
from engine.event import Event

ORIGIN = SENDER


def import_roster(store: Store, school_id: str, data: bytes,
                  rng: random.Random | None = None) -> roster.ImportPlan:
    """Plan a roster file against the school's roster as the district knows it, and store
    the planned events in one transaction; a bad file changes nothing."""
    school = find_school(store, school_id)
    known = list(store.events(school.id))
    members: dict[str, roster.Member] = {}
    for event in known:
        roster.apply(members, event)
    plan = roster.plan_import(roster.read_roster_file(data), members, rng or random.SystemRandom())
    # Stamps after every event the district holds, so these changes win over older ones.
    clock = HybridClock(max((event.stamp for event in known), default=ZERO))
    first = store.frontier(school.id).get(ORIGIN, 0) + 1
    events = [_event(first + n, str(clock.now()), record) for n, record in enumerate(plan.records)]
    store.merge(school.id, events)
    return plan


def _event(seq: int, hlc: str, record: tuple[str, str, Mapping[str, Any]]) -> Event:
    learner, kind, data = record
    return Event.from_dict({"id": f"{ORIGIN}:{seq}", "origin": ORIGIN, "seq": seq, "hlc": hlc,
                            "learner": learner, "type": kind, "data": dict(data)})
